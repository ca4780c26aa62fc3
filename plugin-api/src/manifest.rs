//! Declarations: what a plugin offers, as data. The host builds help, validation and
//! completion from these without calling plugin code.

use serde::{Deserialize, Serialize};

/// A plugin's self-description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Set by `export_plugin!` from [`crate::Plugin::NAMESPACE`].
    #[serde(default)]
    pub namespace: String,
    /// The plugin's name (usually its crate's name).
    pub name: String,
    pub version: String,
    pub description: String,
    /// Set by `export_plugin!`: the plugin-api version the plugin was built against.
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub commands: Vec<CommandDecl>,
    /// Free text shown by `statusctl plugins info` (limits, what the provider cannot do).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Named, versioned contracts the plugin implements (`apply_incident/1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// Environment variables the plugin reads itself (through [`crate::Host::env`]), besides
    /// those its arguments declare.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_vars: Vec<EnvVarDecl>,
}

impl Manifest {
    pub fn new(name: &str, version: &str, description: &str) -> Self {
        Self {
            namespace: String::new(),
            name: name.into(),
            version: version.into(),
            description: description.into(),
            api_version: String::new(),
            commands: Vec::new(),
            notes: Vec::new(),
            capabilities: Vec::new(),
            env_vars: Vec::new(),
        }
    }
    pub fn command(mut self, command: CommandDecl) -> Self {
        self.commands.push(command);
        self
    }
    pub fn note(mut self, note: &str) -> Self {
        self.notes.push(note.into());
        self
    }
    /// Declares a capability, `name/version` (`apply_incident/1`).
    pub fn capability(mut self, capability: &str) -> Self {
        self.capabilities.push(capability.into());
        self
    }
    /// Declares an environment variable the plugin reads itself.
    pub fn env_var(mut self, var: EnvVarDecl) -> Self {
        self.env_vars.push(var);
        self
    }
    /// The declaration of `name`, if the plugin has that command.
    pub fn find(&self, name: &str) -> Option<&CommandDecl> {
        self.commands.iter().find(|c| c.name == name)
    }

    /// The one manifest check: naming rules, no duplicates, no global flag of the host, and
    /// capabilities spelled `name/version`. Loading, `plugins install` and the SDK's own
    /// tests all call it; `reserved_namespaces` are the host's built-in command names.
    pub fn check(&self, reserved_namespaces: &[&str]) -> Result<(), String> {
        validate_name("namespace", &self.namespace)?;
        if reserved_namespaces.contains(&self.namespace.as_str()) {
            return Err(format!("the namespace `{}` is the name of a built-in command", self.namespace));
        }
        for (i, cmd) in self.commands.iter().enumerate() {
            validate_name("command", &cmd.name)?;
            if self.commands[..i].iter().any(|c| c.name == cmd.name) {
                return Err(format!("command `{}` is declared twice", cmd.name));
            }
            cmd.validate()?;
        }
        for capability in &self.capabilities {
            let ok = capability.split_once('/').is_some_and(|(name, version)| {
                validate_name("capability", name).is_ok()
                    && !version.is_empty()
                    && version.chars().all(|c| c.is_ascii_digit())
            });
            if !ok {
                return Err(format!("capability `{capability}` is not `name/version` (`apply_incident/1`)"));
            }
        }
        Ok(())
    }

    /// [`Manifest::check`] without reserved namespaces (`statusctl`'s own built-ins are
    /// `help`, `plugins`, `config`, `secrets`, `completions` and `sandbox`).
    pub fn validate(&self) -> Result<(), String> {
        self.check(HOST_COMMANDS)
    }
}

/// The flag spellings every statusctl host defines for all commands: a plugin may not declare
/// them. The host checks in its tests that this list matches its command-line definition.
pub const HOST_FLAGS: &[&str] = &[
    "-f",
    "--format",
    "--out-file",
    "-v",
    "--verbose",
    "-q",
    "--quiet",
    "--dry-run",
    "--plugin-dir",
    "--config",
    "--profile",
    "--no-color",
    "--max-wait",
    "--ca-file",
    "--allow-insecure-plugins",
    "--allow-http",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// The built-in commands of `statusctl` (an embedding host may add more).
pub const HOST_COMMANDS: &[&str] =
    &["help", "plugins", "config", "secrets", "completions", "sandbox", "serve", "mcp", "statusctl"];

/// Names are lowercase ASCII: a letter, then letters, digits and `_` (`create_incident`).
/// Dashes are not allowed in declarations: the host accepts them for `_` on the command line.
pub fn validate_name(what: &str, name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && !name.ends_with('_');
    if ok {
        Ok(())
    } else {
        Err(format!("invalid {what} name `{name}` (use lowercase letters, digits and `_`)"))
    }
}

/// One command of a plugin: `namespace:name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandDecl {
    pub name: String,
    /// One line, shown in `statusctl --help`.
    pub about: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_about: Option<String>,
    #[serde(default)]
    pub args: Vec<ArgDecl>,
    /// Whether the command changes something at the provider (shown in help; informative
    /// only: [`CommandDecl::effect`] is what decides).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mutating: bool,
    /// Example command lines, shown at the end of the command's help.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// What running the command does at the provider; absent means [`Effect::Changes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// Whether running the command twice with the same arguments leaves the same result.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub idempotent: bool,
    /// A JSON Schema of the command's data (what `-f json` prints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Schema>,
}

/// A JSON Schema, carried as JSON text: loading a plugin costs no parsing of it, only the
/// front ends that use schemas (an MCP server) read them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Schema(Box<serde_json::value::RawValue>);

impl Schema {
    /// A schema from JSON text (a constant, say); `None` if the text is not JSON.
    pub fn from_text(text: &str) -> Option<Self> {
        serde_json::value::RawValue::from_string(text.to_string()).ok().map(Schema)
    }
    pub fn from_value(value: &serde_json::Value) -> Self {
        Schema(serde_json::value::to_raw_value(value).expect("a JSON value serializes"))
    }
    /// The schema's JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }
    /// The schema, parsed.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).unwrap_or_default()
    }
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

/// What a command does at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Only reads.
    Reads,
    /// Creates or changes something.
    Changes,
    /// Deletes something or loses data.
    Destroys,
}

impl CommandDecl {
    pub fn new(name: &str, about: &str) -> Self {
        Self {
            name: name.into(),
            about: about.into(),
            long_about: None,
            args: Vec::new(),
            mutating: false,
            examples: Vec::new(),
            effect: None,
            idempotent: false,
            output_schema: None,
        }
    }
    /// The declared effect; a command that declares none counts as changing something.
    pub fn effect(&self) -> Effect {
        self.effect.unwrap_or(Effect::Changes)
    }
    /// The command only reads (and so is idempotent).
    pub fn reads(mut self) -> Self {
        self.effect = Some(Effect::Reads);
        self.idempotent = true;
        self
    }
    /// The command creates or changes something (also marks it `mutating` for help).
    pub fn changes(mut self) -> Self {
        self.effect = Some(Effect::Changes);
        self.mutating = true;
        self
    }
    /// The command deletes something.
    pub fn destroys(mut self) -> Self {
        self.effect = Some(Effect::Destroys);
        self.mutating = true;
        self
    }
    /// Running it twice with the same arguments is harmless.
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }
    /// A JSON Schema of the command's data.
    pub fn output_schema(mut self, schema: serde_json::Value) -> Self {
        self.output_schema = Some(Schema::from_value(&schema));
        self
    }
    /// A JSON Schema of the command's data, as JSON text (cheapest: a constant is copied,
    /// not built). Text that is not JSON is a bug in the plugin: it panics, which the
    /// export guard turns into a refused manifest and the test kit into a failed test.
    pub fn output_schema_text(mut self, schema: &str) -> Self {
        match Schema::from_text(schema) {
            Some(schema) => self.output_schema = Some(schema),
            None => panic!("the output schema of `{}` is not JSON", self.name),
        }
        self
    }
    pub fn long_about(mut self, text: &str) -> Self {
        self.long_about = Some(text.into());
        self
    }
    pub fn arg(mut self, arg: ArgDecl) -> Self {
        self.args.push(arg);
        self
    }
    pub fn args(mut self, args: impl IntoIterator<Item = ArgDecl>) -> Self {
        self.args.extend(args);
        self
    }
    pub fn mutating(mut self) -> Self {
        self.mutating = true;
        self
    }
    pub fn example(mut self, line: &str) -> Self {
        self.examples.push(line.into());
        self
    }

    fn validate(&self) -> Result<(), String> {
        if self.effect() == Effect::Reads && self.mutating {
            return Err(format!("{}: declared both `reads` and mutating", self.name));
        }
        // Small lists: linear looks cost less than hashing (this runs for every plugin at
        // every start).
        let mut spellings: Vec<String> = Vec::new();
        for (i, arg) in self.args.iter().enumerate() {
            validate_name("argument", &arg.id)?;
            if self.args[..i].iter().any(|a| a.id == arg.id) {
                return Err(format!("{}: argument `{}` is declared twice", self.name, arg.id));
            }
            for spelling in arg.spellings() {
                if HOST_FLAGS.contains(&spelling.as_str()) {
                    return Err(format!(
                        "its command `{}` declares `{spelling}`, which is a global flag of the host",
                        self.name
                    ));
                }
                if spellings.contains(&spelling) {
                    return Err(format!("{}: flag `{spelling}` is declared twice", self.name));
                }
                spellings.push(spelling);
            }
            for dash in &arg.dash_aliases {
                if dash.len() < 2 || !dash.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(format!("{}: bad single-dash spelling `-{dash}`", self.name));
                }
            }
            for other in &arg.conflicts_with {
                if !self.args.iter().any(|a| &a.id == other) {
                    return Err(format!("{}: `{}` conflicts with unknown `{other}`", self.name, arg.id));
                }
            }
        }
        Ok(())
    }
}

/// How an argument is given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArgKind {
    /// `--name` on its own: a boolean.
    Flag,
    /// `--name VALUE`.
    Value,
    /// `--name V1 V2 …`, repeatable (`--name V1 --name V2` collects both).
    List,
    /// A positional value.
    Positional,
}

/// The type a value is checked against before the plugin sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    #[default]
    String,
    /// A whole number; passed to the plugin as a JSON number.
    Integer,
    /// A file path (completion offers files).
    Path,
}

/// One argument of a command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArgDecl {
    /// snake_case id; the key in [`crate::Args`] and in config profiles.
    pub id: String,
    pub kind: ArgKind,
    /// Long flag without `--`; defaults to the id with `_` as `-`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short: Option<char>,
    /// Multi-letter single-dash spellings without the dash (`cs` for Conan's `-cs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dash_aliases: Vec<String>,
    /// Other long spellings without `--`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub long_aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
    #[serde(default, skip_serializing_if = "ValueType::is_default")]
    pub value_type: ValueType,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_name: Option<String>,
    /// An environment variable (read through the host's merged view, `.env` included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Whether the active config profile may supply the value (key: the id).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_profile: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// The value is a secret: never shown, redacted everywhere.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
    /// The value decides where requests (and so credentials) go: an API URL, a host.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub endpoint: bool,
    /// The value decides what is trusted: TLS verification, CA files, keyring selectors.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trust: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts_with: Vec<String>,
}

/// An environment variable a plugin reads itself, and what its value decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvVarDecl {
    pub name: String,
    #[serde(default)]
    pub help: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub endpoint: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trust: bool,
    /// The value names a local file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub path: bool,
}

impl EnvVarDecl {
    pub fn new(name: &str, help: &str) -> Self {
        Self {
            name: name.into(),
            help: help.into(),
            secret: false,
            endpoint: false,
            trust: false,
            path: false,
        }
    }
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    pub fn endpoint(mut self) -> Self {
        self.endpoint = true;
        self
    }
    pub fn trust(mut self) -> Self {
        self.trust = true;
        self
    }
    pub fn path(mut self) -> Self {
        self.path = true;
        self
    }
}

impl ValueType {
    fn is_default(&self) -> bool {
        *self == ValueType::String
    }
}

impl ArgDecl {
    fn new(id: &str, kind: ArgKind) -> Self {
        Self {
            id: id.into(),
            kind,
            long: None,
            short: None,
            dash_aliases: Vec::new(),
            long_aliases: Vec::new(),
            help: String::new(),
            value_type: ValueType::String,
            required: false,
            choices: Vec::new(),
            default: None,
            value_name: None,
            env: None,
            from_profile: false,
            hidden: false,
            secret: false,
            endpoint: false,
            trust: false,
            conflicts_with: Vec::new(),
        }
    }
    pub fn flag(id: &str) -> Self {
        Self::new(id, ArgKind::Flag)
    }
    pub fn value(id: &str) -> Self {
        Self::new(id, ArgKind::Value)
    }
    pub fn list(id: &str) -> Self {
        Self::new(id, ArgKind::List)
    }
    pub fn positional(id: &str) -> Self {
        Self::new(id, ArgKind::Positional)
    }
    pub fn long(mut self, long: &str) -> Self {
        self.long = Some(long.into());
        self
    }
    pub fn short(mut self, short: char) -> Self {
        self.short = Some(short);
        self
    }
    /// A Conan-style multi-letter single-dash spelling, e.g. `dash_alias("cs")` for `-cs`.
    pub fn dash_alias(mut self, spelling: &str) -> Self {
        self.dash_aliases.push(spelling.trim_start_matches('-').into());
        self
    }
    pub fn long_alias(mut self, spelling: &str) -> Self {
        self.long_aliases.push(spelling.trim_start_matches('-').into());
        self
    }
    pub fn help(mut self, help: &str) -> Self {
        self.help = help.into();
        self
    }
    pub fn integer(mut self) -> Self {
        self.value_type = ValueType::Integer;
        self
    }
    pub fn path(mut self) -> Self {
        self.value_type = ValueType::Path;
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn choices(mut self, choices: &[&str]) -> Self {
        self.choices = choices.iter().map(|c| c.to_string()).collect();
        self
    }
    pub fn default_value(mut self, value: &str) -> Self {
        self.default = Some(value.into());
        self
    }
    pub fn value_name(mut self, name: &str) -> Self {
        self.value_name = Some(name.into());
        self
    }
    pub fn env(mut self, var: &str) -> Self {
        self.env = Some(var.into());
        self
    }
    pub fn from_profile(mut self) -> Self {
        self.from_profile = true;
        self
    }
    pub fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    /// The value decides where requests go (an API URL).
    pub fn endpoint(mut self) -> Self {
        self.endpoint = true;
        self
    }
    /// The value decides what is trusted (TLS verification, CA files, keyring selectors).
    pub fn trust(mut self) -> Self {
        self.trust = true;
        self
    }
    /// Whether the value names a local file.
    pub fn is_path(&self) -> bool {
        self.value_type == ValueType::Path
    }
    pub fn conflicts_with(mut self, other: &str) -> Self {
        self.conflicts_with.push(other.into());
        self
    }

    /// The long flag as typed, without `--` (None for positionals).
    pub fn long_name(&self) -> Option<String> {
        match self.kind {
            ArgKind::Positional => None,
            _ => Some(self.long.clone().unwrap_or_else(|| self.id.replace('_', "-"))),
        }
    }

    /// Every spelling of this argument on the command line (`--x`, `-x`, `-xy`).
    pub fn spellings(&self) -> Vec<String> {
        let mut all = Vec::new();
        if let Some(long) = self.long_name() {
            all.push(format!("--{long}"));
        }
        all.extend(self.long_aliases.iter().map(|a| format!("--{a}")));
        all.extend(self.short.map(|s| format!("-{s}")));
        all.extend(self.dash_aliases.iter().map(|a| format!("-{a}")));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let mut m = Manifest::new("p", "1.0.0", "d").command(
            CommandDecl::new("create_incident", "x")
                .arg(ArgDecl::value("title").short('t'))
                .arg(ArgDecl::list("components").short('c').dash_alias("-cs")),
        );
        m.namespace = "ns".into();
        m
    }

    #[test]
    fn a_good_manifest_validates() {
        assert_eq!(manifest().validate(), Ok(()));
        assert_eq!(manifest().commands[0].args[1].dash_aliases, ["cs"]);
    }

    #[test]
    fn naming_rules_are_enforced() {
        for bad in ["", "Create", "create-incident", "1x", "x_", "a b", "ns:x"] {
            assert!(validate_name("command", bad).is_err(), "{bad}");
        }
        let mut m = manifest();
        m.commands.push(m.commands[0].clone());
        assert!(m.validate().unwrap_err().contains("declared twice"));
        let mut m = manifest();
        m.commands[0].args.push(ArgDecl::flag("tee").short('t'));
        assert!(m.validate().unwrap_err().contains("`-t`"));
    }

    #[test]
    fn the_sdk_check_is_the_hosts_check() {
        // A plugin declaring a global flag used to pass the SDK's check and be refused at
        // install: the one check refuses it everywhere.
        let mut m = manifest();
        m.commands[0].args.push(ArgDecl::value("fmt").short('f'));
        assert!(m.validate().unwrap_err().contains("`-f`, which is a global flag of the host"));
        let mut m = manifest();
        m.namespace = "plugins".into();
        assert!(m.validate().unwrap_err().contains("built-in command"));
        assert!(manifest().check(&["ns"]).is_err() && manifest().check(&[]).is_ok());
        let m = manifest().capability("apply_incident/1");
        assert_eq!(m.validate(), Ok(()));
        assert!(manifest().capability("apply_incident").validate().is_err());
    }

    #[test]
    fn manifests_from_older_plugins_load_and_change_by_default() {
        let json = r#"{"name":"p","version":"1","description":"d","commands":[{"name":"c","about":"a","mutating":false}]}"#;
        let m: Manifest = serde_json::from_str(json).unwrap();
        assert_eq!((m.commands[0].effect(), m.commands[0].idempotent), (Effect::Changes, false));
        assert!(m.capabilities.is_empty() && m.env_vars.is_empty());
        assert_eq!(CommandDecl::new("r", "r").reads().effect(), Effect::Reads);
    }

    #[test]
    fn schemas_travel_as_text() {
        let decl = CommandDecl::new("c", "c").output_schema_text(r#"{"type": "object"}"#);
        let json = serde_json::to_string(&decl).unwrap();
        assert!(json.contains(r#""output_schema":{"type": "object"}"#), "{json}");
        let back: CommandDecl = serde_json::from_str(&json).unwrap();
        assert_eq!(back.output_schema.unwrap().value(), serde_json::json!({"type": "object"}));
        let built = CommandDecl::new("c", "c").output_schema(serde_json::json!({"type": "array"}));
        assert_eq!(built.output_schema.unwrap().text(), r#"{"type":"array"}"#);
    }

    #[test]
    fn manifests_from_newer_plugins_parse() {
        let json = r#"{"name":"p","version":"1","description":"d","future":1,
            "commands":[{"name":"c","about":"a","args":[{"id":"x","kind":"value","new":true}]}]}"#;
        let m: Manifest = serde_json::from_str(json).unwrap();
        assert_eq!(m.commands[0].args[0].long_name().as_deref(), Some("x"));
    }
}
