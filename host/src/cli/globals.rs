//! Flags every command accepts, before or after the command name.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, value_parser};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// Global flags that take a value (for finding the command name in argv), derived from
/// the one definition in [`args`].
pub fn value_flags() -> &'static [String] {
    static FLAGS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FLAGS
        .get_or_init(|| args().iter().filter(|a| a.get_action().takes_values()).flat_map(spellings).collect())
}

/// Every spelling of a global argument (`-f`, `--format`).
fn spellings(arg: &Arg) -> Vec<String> {
    let mut all: Vec<String> =
        arg.get_short_and_visible_aliases().into_iter().flatten().map(|c| format!("-{c}")).collect();
    all.extend(arg.get_long_and_visible_aliases().into_iter().flatten().map(|l| format!("--{l}")));
    all
}

pub fn args() -> Vec<Arg> {
    let global = |arg: Arg| arg.global(true).help_heading("Global options");
    vec![
        global(
            Arg::new("format")
                .short('f')
                .long("format")
                .value_name("FORMAT")
                .value_parser(["text", "json"])
                .default_value("text")
                .help("Output format"),
        ),
        global(
            Arg::new("out_file")
                .long("out-file")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Write the result to FILE instead of stdout"),
        ),
        global(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::Count)
                .help("Show more: -v each HTTP call, -vv everything"),
        ),
        global(
            Arg::new("quiet").short('q').long("quiet").action(ArgAction::SetTrue).help("Show errors only"),
        ),
        global(
            Arg::new("dry_run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .help("Print the requests that would change something instead of sending them"),
        ),
        global(
            Arg::new("plugin_dir")
                .long("plugin-dir")
                .value_name("DIR")
                .action(ArgAction::Append)
                .value_parser(value_parser!(PathBuf))
                .help("Look for plugins in DIR first (repeatable)"),
        ),
        global(
            Arg::new("config")
                .long("config")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Config file [default: $XDG_CONFIG_HOME/statusctl/config.toml]"),
        ),
        global(Arg::new("profile").long("profile").value_name("NAME").help("Config profile to use")),
        global(
            Arg::new("no_color")
                .long("no-color")
                .action(ArgAction::SetTrue)
                .help("No colors (also NO_COLOR)"),
        ),
        global(
            Arg::new("max_wait")
                .long("max-wait")
                .value_name("SECONDS")
                .value_parser(value_parser!(u64))
                .default_value("120")
                .help("Longest total wait on backoff and Retry-After before giving up"),
        ),
        global(
            Arg::new("ca_file")
                .long("ca-file")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Extra CA certificates (PEM) to trust"),
        ),
        global(
            Arg::new("allow_insecure_plugins")
                .long("allow-insecure-plugins")
                .action(ArgAction::SetTrue)
                .help("Load plugins even from files others could have changed"),
        ),
    ]
}

/// The global options after parsing.
#[derive(Debug, Clone, Default)]
pub struct GlobalOptions {
    pub format: Format,
    pub out_file: Option<PathBuf>,
    pub verbosity: i8,
    pub dry_run: bool,
    pub config: Option<PathBuf>,
    pub profile: Option<String>,
    pub max_wait: Duration,
    pub ca_file: Option<PathBuf>,
}

impl GlobalOptions {
    pub fn from_matches(m: &ArgMatches) -> Self {
        let quiet = m.get_flag("quiet");
        let verbose = m.get_count("verbose") as i8;
        Self {
            format: if m.get_one::<String>("format").map(String::as_str) == Some("json") {
                Format::Json
            } else {
                Format::Text
            },
            out_file: m.get_one::<PathBuf>("out_file").cloned(),
            verbosity: if quiet { -1 } else { verbose },
            dry_run: m.get_flag("dry_run"),
            config: m.get_one::<PathBuf>("config").cloned(),
            profile: m.get_one::<String>("profile").cloned(),
            max_wait: Duration::from_secs(m.get_one::<u64>("max_wait").copied().unwrap_or(120)),
            ca_file: m.get_one::<PathBuf>("ca_file").cloned(),
        }
    }
}

/// What must be known before the command tree exists (to find and load plugins, and to
/// report problems in the right form). Read straight from argv.
#[derive(Debug, Clone, Default)]
pub struct Prescan {
    pub plugin_dirs: Vec<PathBuf>,
    pub allow_insecure: bool,
    pub verbosity: i8,
    pub no_color: bool,
    pub json: bool,
}

pub fn prescan(argv: &[String]) -> Prescan {
    let mut scan = Prescan::default();
    let mut quiet = false;
    let mut iter = argv.iter().skip(1);
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| iter.next().cloned());
        match flag {
            "--" => break,
            "--plugin-dir" => scan.plugin_dirs.extend(value().map(PathBuf::from)),
            "--allow-insecure-plugins" => scan.allow_insecure = true,
            "--no-color" => scan.no_color = true,
            "-q" | "--quiet" => quiet = true,
            "--verbose" => scan.verbosity += 1,
            "--format" => scan.json = value().as_deref() == Some("json"),
            "-f" => scan.json = iter.next().map(String::as_str) == Some("json"),
            "-fjson" => scan.json = true,
            s if s.len() > 1
                && s.starts_with('-')
                && !s.starts_with("--")
                && s[1..].chars().all(|c| c == 'v') =>
            {
                scan.verbosity += (s.len() - 1) as i8
            }
            _ => {}
        }
    }
    if quiet {
        scan.verbosity = -1;
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    /// The SDK refuses plugins that declare the host's flags: its list must be this
    /// definition's (plus clap's own help and version).
    #[test]
    fn the_sdk_reserves_exactly_these_flags() {
        let mut ours: Vec<String> = args().iter().flat_map(spellings).collect();
        ours.extend(["-h", "--help", "-V", "--version"].map(String::from));
        ours.sort();
        let mut sdk: Vec<String> = statusctl_plugin_api::HOST_FLAGS.iter().map(|s| s.to_string()).collect();
        sdk.sort();
        assert_eq!(ours, sdk);
        assert!(
            value_flags().iter().any(|f| f == "--plugin-dir") && !value_flags().iter().any(|f| f == "-v")
        );
    }

    #[test]
    fn prescan_reads_what_loading_needs() {
        let p = prescan(&argv(
            "statusctl -vv ns:cmd --plugin-dir a --plugin-dir=b -f json --allow-insecure-plugins",
        ));
        assert_eq!(p.plugin_dirs, [PathBuf::from("a"), PathBuf::from("b")]);
        assert!(p.allow_insecure && p.json);
        assert_eq!(p.verbosity, 2);
        let p = prescan(&argv("statusctl -q ns:cmd -- --plugin-dir x"));
        assert!(p.plugin_dirs.is_empty());
        assert_eq!(p.verbosity, -1);
    }
}
