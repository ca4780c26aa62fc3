//! clap's errors in statusctl's words: help and version as text, one-line usage errors,
//! did-you-mean in the spelling typed, and exit 3 for a command whose plugin failed to load.

use clap::error::ErrorKind as ClapErrorKind;

use super::Identity;
use super::globals;
use crate::error::HostError;
use crate::registry::Registry;
use crate::stages::Parsed;

/// Help and version go to stdout; parse errors become one line, exit 2 — or exit 3 when
/// the unknown command belongs to a plugin that was found but could not be loaded.
pub fn clap_outcome(
    err: clap::Error,
    argv: &[String],
    registry: &Registry,
    identity: &Identity,
    root: &clap::Command,
) -> Result<Parsed, HostError> {
    match err.kind() {
        ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => {
            return Ok(Parsed::Text(err.render().to_string()));
        }
        ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return Ok(Parsed::Nothing(err.render().to_string()));
        }
        ClapErrorKind::InvalidSubcommand => {
            let unknown = argv.iter().skip(1).find(|a| !a.starts_with('-') && a.contains(':'));
            if let Some((ns, _)) = unknown.and_then(|a| a.split_once(':'))
                && registry.plugin(&ns.replace('-', "_")).is_none()
                && let Some(failed) = registry.failed(&ns.replace('-', "_"))
            {
                return Err(HostError::PluginUnavailable {
                    namespace: ns.to_string(),
                    path: failed.path.clone(),
                    reason: failed.reason.clone().unwrap_or_default(),
                });
            }
        }
        _ => {}
    }
    if err.kind() == ClapErrorKind::InvalidSubcommand {
        let unknown = unknown_command(argv, root).unwrap_or_default();
        let names: Vec<String> = root.get_subcommands().map(|c| c.get_name().to_string()).collect();
        let mut line = format!("unrecognized command '{unknown}' (");
        if let Some(best) = nearest(&unknown, &names) {
            // In the spelling the user typed: `ns:create-incident` gets a dashed suggestion.
            let best = match best.split_once(':') {
                Some((ns, cmd)) if unknown.contains('-') => format!("{ns}:{}", cmd.replace('_', "-")),
                _ => best.to_string(),
            };
            line.push_str(&format!("did you mean '{best}'? "));
        }
        line.push_str(&format!(
            "`{0} --help` lists the commands; `{0} plugins install FILE` adds a plugin)",
            identity.name
        ));
        return Err(HostError::Usage(line));
    }
    Err(HostError::Usage(one_line(&err.render().to_string())))
}

/// The first word of argv that is neither a flag, a global flag's value, nor a command.
fn unknown_command(argv: &[String], root: &clap::Command) -> Option<String> {
    let mut skip = false;
    for arg in argv.iter().skip(1) {
        if std::mem::take(&mut skip) {
            continue;
        }
        if arg.starts_with('-') {
            skip = globals::value_flags().iter().any(|f| f == arg.as_str());
            continue;
        }
        if root.find_subcommand(arg).is_none() {
            return Some(arg.clone());
        }
    }
    None
}

/// The command most like `typed` (clap's own suggestion lists every `ns:` command as
/// similar, since they share the namespace).
fn nearest<'a>(typed: &str, names: &'a [String]) -> Option<&'a str> {
    let typed = typed.replace('-', "_");
    names
        .iter()
        .map(|n| (strsim::jaro_winkler(&typed, n), n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n.as_str())
}

/// clap's multi-line error as one line: the message, the lines right under it (the
/// missing flags, the possible values) and its tips.
fn one_line(rendered: &str) -> String {
    let mut lines = rendered.lines().map(str::trim).skip_while(|l| l.is_empty());
    let mut first = lines.next().unwrap_or("invalid command line").trim_start_matches("error: ").to_string();
    let mut details = Vec::new();
    let mut tips = Vec::new();
    for line in lines.by_ref().take_while(|l| !l.is_empty()) {
        match line.strip_prefix("tip: ") {
            Some(tip) => tips.push(tip),
            None => details.push(line),
        }
    }
    tips.extend(lines.filter_map(|l| l.strip_prefix("tip: ")));
    if !details.is_empty() {
        first = format!("{first} {}", details.join(", "));
    }
    if tips.is_empty() { first } else { format!("{first} ({})", tips.join("; ")) }
}
