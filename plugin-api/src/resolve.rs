//! Value resolution, in one place: each argument's value and each secret, with where it
//! came from. The host, `config show`, `secrets check` and the test kit all call these
//! functions, so they cannot disagree.
//!
//! Arguments: the command line, then the environment (`./.env` included; an empty variable
//! counts as unset), then the active profile, then the declared default.
//! Secrets: the argument, then each variable (`VAR`, then the file named by `VAR_FILE`), then
//! the profile (`key`, then the file named by `key_file`), then the keyring.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::{ArgDecl, ArgKind, CommandDecl, Error, SecretRequest, SecretValue, ValueType};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The command line, with the flag's long spelling (`--token`, `<INCIDENT>`).
    Flag(String),
    /// An environment variable; `file` is the `.env` file it was read from, if any.
    Env { var: String, file: Option<PathBuf> },
    /// A key of the active profile.
    Profile { profile: String, key: String },
    /// The declared default.
    Default,
    /// The OS keyring (or the test store standing in for it).
    Keyring { service: String, user: String },
    /// A file whose path came from `via` (`VAR_FILE`, profile key `key_file`).
    File { path: PathBuf, via: Box<Source> },
}

impl Source {
    /// Whether the value (or, for a file, its path) came from a `./.env` file.
    pub fn dotenv_file(&self) -> Option<&PathBuf> {
        match self {
            Source::Env { file, .. } => file.as_ref(),
            Source::File { via, .. } => via.dotenv_file(),
            _ => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => f.write_str(flag),
            Source::Env { var, file: None } => write!(f, "env {var}"),
            Source::Env { var, file: Some(file) } => write!(f, "{var} in {}", file.display()),
            Source::Profile { profile, key } => write!(f, "profile {profile}, key {key}"),
            Source::Default => f.write_str("the default"),
            Source::Keyring { service, user } => write!(f, "keyring ({service}, user {user})"),
            Source::File { path, via } => write!(f, "file {} (from {via})", path.display()),
        }
    }
}

/// A variable's value and the `.env` file it came from (`None`: the real environment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvValue {
    pub value: String,
    pub file: Option<PathBuf>,
}

/// What resolution reads. The host implements it over the process, `./.env`, the config
/// file and the keyring; the test kit over fixtures.
pub trait Inputs {
    /// A variable (real environment over `./.env`).
    fn env(&self, name: &str) -> Option<EnvValue>;
    /// The active profile's name and this plugin's table in it.
    fn profile(&self) -> Option<(&str, &Map<String, Value>)>;
    /// A keyring entry. Errors are reported as "not found" by the chain (logged by the host).
    fn keyring(&self, service: &str, user: &str) -> Result<Option<String>, String>;
    /// The login name (real environment or OS account, never `./.env`).
    fn login_name(&self) -> String;
    /// Reads a secret file.
    fn read_file(&self, path: &std::path::Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// A command's arguments, resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolvedArgs {
    pub values: Map<String, Value>,
    /// Where each present value came from, by argument id.
    pub sources: BTreeMap<String, Source>,
    /// Values of arguments declared secret.
    pub secrets: Vec<String>,
}

/// Resolves every argument of `decl`. `given` holds the values typed on the command line
/// (already checked by the parser), by argument id.
pub fn resolve_args(
    decl: &CommandDecl,
    given: &Map<String, Value>,
    inputs: &dyn Inputs,
) -> Result<ResolvedArgs, Error> {
    let mut out = ResolvedArgs::default();
    for arg in &decl.args {
        let flag = display_name(arg);
        let found = if let Some(value) = given.get(&arg.id) {
            Some((value.clone(), Source::Flag(flag.clone())))
        } else if let Some(env) = arg.env.as_ref().and_then(|var| inputs.env(var).map(|v| (var, v)))
            && !env.1.value.is_empty()
        {
            let source = Source::Env { var: env.0.clone(), file: env.1.file };
            Some((parse_text(arg, &env.1.value, &flag, &source)?, source))
        } else if let Some((profile, table)) = inputs.profile().filter(|_| arg.from_profile)
            && let Some(raw) = table.get(&arg.id)
        {
            let source = Source::Profile { profile: profile.into(), key: arg.id.clone() };
            Some((from_profile(arg, raw, &flag, &source)?, source))
        } else if let Some(default) = &arg.default {
            Some((parse_text(arg, default, &flag, &Source::Default)?, Source::Default))
        } else {
            None
        };
        match found {
            Some((Value::Bool(false), _)) | None => {
                if arg.required && arg.kind != ArgKind::Flag {
                    return Err(Error::usage(missing(arg, &flag)));
                }
            }
            Some((value, source)) => {
                // No API takes a NUL, and it would be cut or sent as given: refused wherever
                // it came from, without showing the value (it may be a secret).
                if has_nul(&value) {
                    return Err(Error::usage(format!("{flag} contains a NUL character (U+0000)")));
                }
                if arg.endpoint
                    && let Some(url) = value.as_str()
                    && let Err(why) = check_endpoint(url)
                {
                    // Where the value came from decides whose mistake it is: a flag is bad
                    // input (exit 2), anything else is configuration (exit 4).
                    let message =
                        format!("invalid URL '{}' for {flag} (from {source}): {why}", shown(arg, url));
                    return Err(match source {
                        Source::Flag(_) => Error::usage(message),
                        _ => Error::config(message),
                    });
                }
                if arg.secret {
                    collect_strings(&value, &mut out.secrets);
                }
                out.values.insert(arg.id.clone(), value);
                out.sources.insert(arg.id.clone(), source);
            }
        }
    }
    Ok(out)
}

/// Whether `url` can be sent to at all: `http://` or `https://` with a host, no spaces.
/// Checked before anything is sent, so a typo is one clear line, not a network failure
/// retried for seconds.
pub fn check_endpoint(url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or_else(|| {
        if url.is_empty() {
            "it is empty".to_string()
        } else {
            "it must start with http:// or https://".to_string()
        }
    })?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err("it has no host".into());
    }
    if url.chars().any(char::is_whitespace) {
        return Err("it contains spaces".into());
    }
    Ok(())
}

/// Checks values given by argument id (by an API caller rather than a command-line parser):
/// every id is declared, and every value has its argument's shape, type and choices.
pub fn check_given(decl: &CommandDecl, given: &Map<String, Value>) -> Result<(), Error> {
    for (id, value) in given {
        let arg = decl
            .args
            .iter()
            .find(|a| &a.id == id)
            .ok_or_else(|| Error::usage(format!("{} has no argument `{id}`", decl.name)))?;
        let flag = display_name(arg);
        let source = Source::Flag(flag.clone());
        let one = |v: &Value| match v {
            Value::String(s) => scalar(arg, s, &flag, &source).map(|_| ()),
            Value::Number(n) if arg.value_type == ValueType::Integer && n.is_i64() => Ok(()),
            _ => Err(Error::usage(format!("{flag}: expected {}", expected(arg)))),
        };
        match (arg.kind, value) {
            (ArgKind::Flag, Value::Bool(_)) => {}
            (ArgKind::Flag, _) => return Err(Error::usage(format!("{flag}: expected true or false"))),
            (ArgKind::List, Value::Array(items)) => items.iter().try_for_each(one)?,
            (ArgKind::List, _) => {
                return Err(Error::usage(format!("{flag}: expected a list of {}", expected(arg))));
            }
            (_, v) => one(v)?,
        }
    }
    Ok(())
}

fn expected(arg: &ArgDecl) -> &'static str {
    match arg.value_type {
        ValueType::Integer if arg.choices.is_empty() => "whole numbers",
        _ => "text",
    }
}

/// Walks a secret's chain. The answer's `source` names where it was found; a file that
/// cannot be read is a configuration error naming the file (never its contents).
pub fn resolve_secret(
    req: &SecretRequest,
    args: &ResolvedArgs,
    inputs: &dyn Inputs,
) -> Result<Option<SecretValue>, Error> {
    Ok(find_secret(req, args, inputs)?.map(|(secret, _)| secret))
}

/// [`resolve_secret`], with where the secret came from as data (for rules that depend on
/// it: a `./.env` may choose where a credential goes only if the credential is from it too).
pub fn find_secret(
    req: &SecretRequest,
    args: &ResolvedArgs,
    inputs: &dyn Inputs,
) -> Result<Option<(SecretValue, Source)>, Error> {
    let found = |value: &str, source: Source| {
        (!value.is_empty())
            .then(|| (SecretValue { value: value.to_owned(), source: source.to_string() }, source))
    };
    if let Some(id) = &req.arg
        && let Some(value) = args.values.get(id).and_then(Value::as_str)
    {
        let source = args.sources.get(id).cloned().unwrap_or_else(|| Source::Flag(id.clone()));
        return Ok(found(value, source));
    }
    for var in &req.env {
        if let Some(env) = inputs.env(var).filter(|v| !v.value.is_empty()) {
            return Ok(found(&env.value, Source::Env { var: var.clone(), file: env.file }));
        }
        let file_var = format!("{var}_FILE");
        if let Some(env) = inputs.env(&file_var).filter(|v| !v.value.is_empty()) {
            let via = Source::Env { var: file_var, file: env.file };
            return read_secret_file(req, &env.value, via, inputs);
        }
    }
    if let (Some(key), Some((profile, table))) = (&req.profile_key, inputs.profile()) {
        if let Some(value) = table.get(key).and_then(Value::as_str).filter(|v| !v.is_empty()) {
            return Ok(found(value, Source::Profile { profile: profile.into(), key: key.clone() }));
        }
        let file_key = format!("{key}_file");
        if let Some(path) = table.get(&file_key).and_then(Value::as_str).filter(|v| !v.is_empty()) {
            let via = Source::Profile { profile: profile.into(), key: file_key };
            return read_secret_file(req, path, via, inputs);
        }
    }
    if let Some((service, user)) = &req.keyring {
        let user = if user.is_empty() { inputs.login_name() } else { user.clone() };
        if let Ok(Some(value)) = inputs.keyring(service, &user) {
            return Ok(found(&value, Source::Keyring { service: service.clone(), user }));
        }
    }
    Ok(None)
}

fn read_secret_file(
    req: &SecretRequest,
    path: &str,
    via: Source,
    inputs: &dyn Inputs,
) -> Result<Option<(SecretValue, Source)>, Error> {
    let path = PathBuf::from(path);
    let text = inputs.read_file(&path).map_err(|e| {
        Error::config(format!("{}: cannot read {} (from {via}): {e}", req.label, path.display()))
    })?;
    // A trailing newline is how editors and `echo` save a file, never part of a token.
    let value = text.trim_end_matches(['\n', '\r']);
    if value.is_empty() {
        return Err(Error::config(format!("{}: {} (from {via}) is empty", req.label, path.display())));
    }
    let source = Source::File { path, via: Box::new(via) };
    Ok(Some((SecretValue { value: value.to_owned(), source: source.to_string() }, source)))
}

/// How an argument is named in messages: its long flag, or `<NAME>` for a positional.
pub fn display_name(arg: &ArgDecl) -> String {
    match arg.long_name() {
        Some(long) => format!("--{long}"),
        None => format!("<{}>", arg.value_name.clone().unwrap_or_else(|| arg.id.to_uppercase())),
    }
}

fn missing(arg: &ArgDecl, flag: &str) -> String {
    let mut where_else = Vec::new();
    if let Some(env) = &arg.env {
        where_else.push(format!("env {env}"));
    }
    if arg.from_profile {
        where_else.push(format!("profile key `{}`", arg.id));
    }
    let mut msg = format!("the required argument {flag} was not provided");
    if !where_else.is_empty() {
        msg.push_str(&format!(" (nor {})", where_else.join(" or ")));
    }
    msg
}

/// A value given as text (environment, default): checked as the command line would be.
pub fn parse_text(arg: &ArgDecl, raw: &str, flag: &str, source: &Source) -> Result<Value, Error> {
    match arg.kind {
        ArgKind::Flag => match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Value::Bool(true)),
            "" | "0" | "false" | "no" | "off" => Ok(Value::Bool(false)),
            _ => Err(bad(flag, &shown(arg, raw), source, "expected true or false")),
        },
        ArgKind::List => raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| scalar(arg, item, flag, source))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        _ => scalar(arg, raw, flag, source),
    }
}

fn from_profile(arg: &ArgDecl, raw: &Value, flag: &str, source: &Source) -> Result<Value, Error> {
    match (arg.kind, raw) {
        (ArgKind::Flag, Value::Bool(_)) => Ok(raw.clone()),
        (ArgKind::List, Value::Array(items)) => items
            .iter()
            .map(|item| scalar(arg, &plain(item), flag, source))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        (ArgKind::Flag, _) => Err(bad(flag, &shown(arg, &plain(raw)), source, "expected true or false")),
        _ => parse_text(arg, &plain(raw), flag, source),
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn scalar(arg: &ArgDecl, raw: &str, flag: &str, source: &Source) -> Result<Value, Error> {
    if !arg.choices.is_empty() && !arg.choices.iter().any(|c| c == raw) {
        let why = format!("possible values: {}", arg.choices.join(", "));
        return Err(bad(flag, &shown(arg, raw), source, &why));
    }
    match arg.value_type {
        ValueType::Integer if arg.choices.is_empty() => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| bad(flag, &shown(arg, raw), source, "expected a whole number")),
        _ => Ok(Value::from(raw)),
    }
}

/// A secret's value never appears in a message.
fn shown(arg: &ArgDecl, raw: &str) -> String {
    if arg.secret { "***".to_string() } else { raw.to_string() }
}

fn bad(flag: &str, raw: &str, source: &Source, why: &str) -> Error {
    Error::usage(format!("invalid value '{raw}' for {flag} (from {source}): {why}"))
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        _ => false,
    }
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(Default)]
    struct Fixture {
        env: HashMap<String, EnvValue>,
        profile: Option<(String, Map<String, Value>)>,
        keyring: HashMap<(String, String), String>,
        files: HashMap<PathBuf, String>,
    }

    impl Inputs for Fixture {
        fn env(&self, name: &str) -> Option<EnvValue> {
            self.env.get(name).cloned()
        }
        fn profile(&self) -> Option<(&str, &Map<String, Value>)> {
            self.profile.as_ref().map(|(n, t)| (n.as_str(), t))
        }
        fn keyring(&self, service: &str, user: &str) -> Result<Option<String>, String> {
            Ok(self.keyring.get(&(service.into(), user.into())).cloned())
        }
        fn login_name(&self) -> String {
            "me".into()
        }
        fn read_file(&self, path: &std::path::Path) -> std::io::Result<String> {
            self.files.get(path).cloned().ok_or_else(|| std::io::ErrorKind::NotFound.into())
        }
    }

    fn env(value: &str, file: Option<&str>) -> EnvValue {
        EnvValue { value: value.into(), file: file.map(PathBuf::from) }
    }

    fn decl() -> CommandDecl {
        CommandDecl::new("c", "c")
            .arg(ArgDecl::value("page").env("PAGE").from_profile())
            .arg(ArgDecl::value("url").env("URL").default_value("https://x"))
            .arg(ArgDecl::value("n").integer().env("N"))
            .arg(ArgDecl::flag("yes").env("YES"))
            .arg(ArgDecl::value("token").secret())
    }

    #[test]
    fn arguments_come_with_their_source_in_order() {
        let mut fx = Fixture::default();
        fx.env.insert("PAGE".into(), env("from-dotenv", Some("/w/.env")));
        fx.env.insert("N".into(), env("", None));
        fx.profile = Some(("prod".into(), serde_json::from_str(r#"{"page":"from-profile"}"#).unwrap()));
        let given: Map<String, Value> = serde_json::from_str(r#"{"token":"s3cret"}"#).unwrap();
        let r = resolve_args(&decl(), &given, &fx).unwrap();
        assert_eq!(r.values["page"], "from-dotenv");
        assert_eq!(r.sources["page"].to_string(), "PAGE in /w/.env");
        assert_eq!(r.sources["page"].dotenv_file(), Some(&PathBuf::from("/w/.env")));
        assert_eq!(r.sources["url"], Source::Default);
        assert!(!r.values.contains_key("n"), "an empty variable counts as unset");
        assert_eq!(r.sources["token"], Source::Flag("--token".into()));
        assert_eq!(r.secrets, ["s3cret"]);
        fx.env.remove("PAGE");
        let r = resolve_args(&decl(), &Map::new(), &fx).unwrap();
        assert_eq!(r.sources["page"].to_string(), "profile prod, key page");
    }

    #[test]
    fn endpoints_are_checked_before_anything_is_sent() {
        let decl = CommandDecl::new("c", "c").arg(ArgDecl::value("api_url").endpoint().env("API_URL"));
        let mut fx = Fixture::default();
        let given: Map<String, Value> = serde_json::from_str(r#"{"api_url": "api.test/v1"}"#).unwrap();
        let err = resolve_args(&decl, &given, &fx).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::Usage);
        assert_eq!(
            err.message,
            "invalid URL 'api.test/v1' for --api-url (from --api-url): it must start with http:// or https://"
        );
        fx.env.insert("API_URL".into(), env("https:///v1", Some("/w/.env")));
        let err = resolve_args(&decl, &Map::new(), &fx).unwrap_err();
        assert_eq!(
            (err.kind, err.message.ends_with("(from API_URL in /w/.env): it has no host")),
            (crate::ErrorKind::Config, true)
        );
        assert!(check_endpoint("http://127.0.0.1:8787/v1").is_ok() && check_endpoint("").is_err());
    }

    #[test]
    fn values_given_by_id_are_checked_like_a_command_line() {
        let decl = decl().arg(ArgDecl::list("tags").choices(&["a", "b"]));
        let ok: Map<String, Value> =
            serde_json::from_str(r#"{"n": 3, "yes": true, "tags": ["a"], "page": "p"}"#).unwrap();
        assert_eq!(check_given(&decl, &ok), Ok(()));
        for bad in [
            r#"{"nope": 1}"#,
            r#"{"n": "x"}"#,
            r#"{"yes": "true"}"#,
            r#"{"tags": ["c"]}"#,
            r#"{"tags": "a"}"#,
            r#"{"page": 5}"#,
        ] {
            let given: Map<String, Value> = serde_json::from_str(bad).unwrap();
            assert_eq!(check_given(&decl, &given).unwrap_err().kind, crate::ErrorKind::Usage, "{bad}");
        }
    }

    #[test]
    fn bad_values_name_their_source_and_hide_secrets() {
        let mut fx = Fixture::default();
        fx.env.insert("N".into(), env("many", None));
        let err = resolve_args(&decl(), &Map::new(), &fx).unwrap_err();
        assert_eq!(err.message, "invalid value 'many' for --n (from env N): expected a whole number");
        let secret = CommandDecl::new("c", "c").arg(ArgDecl::value("k").secret().choices(&["a"]).env("K"));
        fx.env.insert("K".into(), env("hunter2", None));
        let err = resolve_args(&secret, &Map::new(), &fx).unwrap_err();
        assert!(!err.message.contains("hunter2") && err.message.contains("***"), "{}", err.message);
    }

    #[test]
    fn the_secret_chain_with_files_and_the_login_name() {
        let mut fx = Fixture::default();
        let req = SecretRequest::new("API token")
            .arg("token")
            .env("TOKEN")
            .profile_key("token")
            .keyring_for_login("svc");
        let none = ResolvedArgs::default();
        assert_eq!(resolve_secret(&req, &none, &fx).unwrap(), None);
        fx.keyring.insert(("svc".into(), "me".into()), "from-keyring".into());
        let got = resolve_secret(&req, &none, &fx).unwrap().unwrap();
        assert_eq!((got.value.as_str(), got.source.as_str()), ("from-keyring", "keyring (svc, user me)"));
        fx.profile = Some(("p".into(), serde_json::from_str(r#"{"token_file":"/run/t"}"#).unwrap()));
        fx.files.insert("/run/t".into(), "from-file\n".into());
        let got = resolve_secret(&req, &none, &fx).unwrap().unwrap();
        assert_eq!(got.value, "from-file");
        assert_eq!(got.source, "file /run/t (from profile p, key token_file)");
        fx.env.insert("TOKEN_FILE".into(), env("/missing", Some("/w/.env")));
        let err = resolve_secret(&req, &none, &fx).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::Config);
        assert!(err.message.contains("/missing (from TOKEN_FILE in /w/.env)"), "{}", err.message);
        fx.env.insert("TOKEN".into(), env("from-env", None));
        assert_eq!(resolve_secret(&req, &none, &fx).unwrap().unwrap().source, "env TOKEN");
        let args = resolve_args(&decl(), &serde_json::from_str(r#"{"token":"cli"}"#).unwrap(), &fx).unwrap();
        assert_eq!(resolve_secret(&req, &args, &fx).unwrap().unwrap().source, "--token");
    }
}
