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
    let before_command = |arg: Arg| arg.help_heading("Global options");
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
        // The two that decide which code is loaded are read before the command tree exists,
        // so only where a word cannot be another flag's value: before the command name
        // (clap refuses them after it). See [`prescan`].
        before_command(
            Arg::new("plugin_dir")
                .long("plugin-dir")
                .value_name("DIR")
                .action(ArgAction::Append)
                .value_parser(value_parser!(PathBuf))
                .help("Look for plugins in DIR first (repeatable; before the command name)"),
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
            Arg::new("allow_http")
                .long("allow-http")
                .action(ArgAction::SetTrue)
                .help("Let credentials travel over plain http:// to hosts other than loopback"),
        ),
        before_command(
            Arg::new("allow_insecure_plugins")
                .long("allow-insecure-plugins")
                .action(ArgAction::SetTrue)
                .help("Load plugins even from files others could have changed (before the command name)"),
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
    pub allow_http: bool,
    /// `--allow-insecure-plugins` (given before the command name).
    pub allow_insecure_plugins: bool,
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
            allow_http: m.get_flag("allow_http"),
            allow_insecure_plugins: m.get_flag("allow_insecure_plugins"),
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

/// Reads argv before any plugin is loaded. `--plugin-dir` and `--allow-insecure-plugins`
/// count only before the command name (the first word that is neither a flag nor the value of
/// a global flag): after it, a word may be the value of a plugin's flag, whose arity is not
/// known until the plugins are loaded (`create-incident -m --plugin-dir=DIR` is a message,
/// not a directory to load code from). clap refuses the two after the command name, so what
/// is loaded and what clap parses agree. The rest (verbosity, colour, JSON) only shapes how
/// problems are reported and is read anywhere.
pub fn prescan(argv: &[String]) -> Prescan {
    let mut scan = Prescan::default();
    let mut quiet = false;
    let mut before_command = true;
    let mut iter = argv.iter().skip(1);
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        // Before the command, clap takes unambiguous prefixes of the root's long flags.
        let flag = if before_command { complete_long(flag) } else { flag };
        let mut value = || inline.clone().or_else(|| iter.next().cloned());
        match flag {
            "--" => break,
            "--plugin-dir" if before_command => scan.plugin_dirs.extend(value().map(PathBuf::from)),
            "--allow-insecure-plugins" if before_command => scan.allow_insecure = true,
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
            s if before_command && takes_value(s) && inline.is_none() => {
                iter.next();
            }
            s if !s.starts_with('-') || s == "-" => before_command = false,
            _ => {}
        }
    }
    if quiet {
        scan.verbosity = -1;
    }
    scan
}

/// Whether `word`, a flag before the command name, takes the next word as its value: a
/// global value flag (`--config`), or a cluster of short flags ending in one (`-vf`).
fn takes_value(word: &str) -> bool {
    if word.starts_with("--") {
        return value_flags().iter().any(|f| f == word);
    }
    let Some(shorts) = word.strip_prefix('-') else { return false };
    // In `-vfjson` the value is attached: only a value flag in last place takes the next word.
    let last = shorts.chars().position(|c| value_flags().iter().any(|f| *f == format!("-{c}")));
    last.is_some_and(|i| i + 1 == shorts.chars().count())
}

/// The root's long flag that `word` abbreviates, if exactly one (as clap's inference does).
fn complete_long(word: &str) -> &str {
    static LONGS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let longs = LONGS.get_or_init(|| {
        let mut all: Vec<String> = args()
            .iter()
            .flat_map(|a| a.get_long_and_visible_aliases().into_iter().flatten())
            .map(|l| format!("--{l}"))
            .collect();
        all.extend(["--help", "--version"].map(String::from));
        all
    });
    if word.len() <= 2 || !word.starts_with("--") || longs.iter().any(|l| l == word) {
        return word;
    }
    let mut found = longs.iter().filter(|l| l.starts_with(word));
    match (found.next(), found.next()) {
        (Some(one), None) => one,
        _ => word,
    }
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
            "statusctl -vv --plugin-dir a --plugin-dir=b --allow-insecure-plugins ns:cmd -f json",
        ));
        assert_eq!(p.plugin_dirs, [PathBuf::from("a"), PathBuf::from("b")]);
        assert!(p.allow_insecure && p.json);
        assert_eq!(p.verbosity, 2);
        let p = prescan(&argv("statusctl -q ns:cmd -- --plugin-dir x"));
        assert!(p.plugin_dirs.is_empty());
        assert_eq!(p.verbosity, -1);
    }

    /// After the command name a word may be a plugin flag's value (`-m --plugin-dir=DIR` is a
    /// message): the two flags that load code count only before it.
    #[test]
    fn prescan_loads_nothing_named_after_the_command() {
        let p = prescan(&argv(
            "statusctl --plugin-dir a --allow-insecure-plugins ns:cmd -m --plugin-dir=b --plugin-dir c",
        ));
        assert_eq!(p.plugin_dirs, [PathBuf::from("a")]);
        assert!(p.allow_insecure);
        let p = prescan(&argv("statusctl ns:cmd -t x -m --plugin-dir=evil --allow-insecure-plugins -vv"));
        assert!(p.plugin_dirs.is_empty() && !p.allow_insecure);
        assert_eq!(p.verbosity, 2, "reporting flags still count anywhere");
        // Global flags' values are not the command name; abbreviations are clap's.
        let p = prescan(&argv(
            "statusctl --config c.toml -f json --profile=p -vf text --plug a --allow-i --pl=b ns:cmd",
        ));
        assert_eq!(p.plugin_dirs, [PathBuf::from("a"), PathBuf::from("b")]);
        assert!(p.allow_insecure);
        let p = prescan(&argv("statusctl -fjson --max-wait 3 plugins list --plugin-dir x"));
        assert!(p.plugin_dirs.is_empty() && p.json);
        // `--p` is ambiguous (--profile, --plugin-dir): clap refuses it, nothing is loaded.
        assert!(prescan(&argv("statusctl --p a ns:cmd")).plugin_dirs.is_empty());
    }
}
