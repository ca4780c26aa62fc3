//! The command line, assembled at run time from built-ins and plugin manifests.

pub mod argv;
pub mod errors;
pub mod globals;
pub mod plugin_command;
pub mod resolve;

use clap::Command;
use clap::builder::styling::Styles;

use crate::registry::Registry;

/// Identity of the program the host runs as.
#[derive(Debug, Clone)]
pub struct Identity {
    pub name: String,
    pub version: String,
    pub about: String,
}

/// Which plugin commands get their arguments: all of them (completion scripts), or only
/// those the command line names (the others are listed by name; building clap arguments
/// for every command of every plugin would cost each run, `--help` included, milliseconds).
#[derive(Clone, Copy)]
pub enum Tree<'a> {
    Complete,
    For(&'a [String]),
}

/// The whole tree. Plugin commands are hidden from clap's own listing (the root help
/// groups them by namespace instead) unless complete, since completion scripts skip
/// hidden commands.
pub fn root(
    identity: &Identity,
    builtins: Vec<Command>,
    registry: &Registry,
    color: bool,
    tree: Tree<'_>,
) -> Command {
    let version = format!("{} (plugin-api {})", identity.version, statusctl_plugin_api::API_VERSION);
    let mut cmd = Command::new(identity.name.clone())
        .version(version)
        .about(identity.about.clone())
        .subcommand_required(true)
        .arg_required_else_help(true)
        .infer_long_args(true)
        .max_term_width(HELP_WIDTH)
        .args(globals::args())
        .subcommands(builtins)
        .after_help(plugin_listing(identity, registry).trim_end().to_string())
        .help_template(
            "{before-help}{about-with-newline}\n{usage-heading} {usage}\n\nCommands:\n{subcommands}{after-help}\n\nGlobal options (before or after the command):\n{options}",
        );
    cmd = if color { cmd.styles(Styles::styled()) } else { cmd.color(clap::ColorChoice::Never) };
    for (_, manifest) in registry.active() {
        for decl in &manifest.commands {
            let sub = match tree {
                Tree::Complete => plugin_command::command(manifest, decl, true).hide(false),
                Tree::For(argv) if plugin_command::named_in(manifest, decl, argv) => {
                    plugin_command::command(manifest, decl, false)
                }
                Tree::For(_) => plugin_command::name_only(manifest, decl),
            };
            cmd = cmd.subcommand(sub.infer_long_args(true));
        }
    }
    cmd
}

/// The width help is laid out for (clap would wrap longer lines and break the columns).
const HELP_WIDTH: usize = 100;

/// `text` cut to `max` characters, with an ellipsis when cut.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `statusctl --help`'s plugin part: one group per namespace.
fn plugin_listing(identity: &Identity, registry: &Registry) -> String {
    let mut groups = Vec::new();
    let width = registry
        .active()
        .flat_map(|(_, m)| m.commands.iter().map(move |c| m.namespace.len() + 1 + c.name.len()))
        .max()
        .unwrap_or(0);
    for (_, manifest) in registry.active() {
        let header = format!(
            "{} ({} {}): {}",
            manifest.namespace, manifest.name, manifest.version, manifest.description
        );
        let mut group = format!("{}\n", fit(&header, HELP_WIDTH));
        for decl in &manifest.commands {
            let name = format!("{}:{}", manifest.namespace, decl.name);
            let about = fit(&decl.about, HELP_WIDTH.saturating_sub(width + 4));
            group.push_str(&format!("  {name:width$}  {about}\n"));
        }
        groups.push(group);
    }
    if groups.is_empty() {
        return format!(
            "No plugins loaded. `{0} plugins list` shows where {0} looks; `{0} plugins install FILE` adds one.",
            identity.name
        );
    }
    let mut text = groups.join("\n");
    text.push_str(&format!(
        "\n`{} help NAMESPACE:COMMAND` shows a command's flags; `-` may stand for `_` in names.",
        identity.name
    ));
    text
}
