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

    /// Checks the naming rules; the host refuses a manifest that breaks them.
    pub fn validate(&self) -> Result<(), String> {
        validate_name("namespace", &self.namespace)?;
        let mut seen = std::collections::HashSet::new();
        for cmd in &self.commands {
            validate_name("command", &cmd.name)?;
            if !seen.insert(cmd.name.as_str()) {
                return Err(format!("command `{}` is declared twice", cmd.name));
            }
            cmd.validate()?;
        }
        Ok(())
    }
}

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
    /// Whether the command changes something at the provider (shown in help; informative).
    #[serde(default)]
    pub mutating: bool,
    /// Example command lines, shown at the end of the command's help.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
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
        }
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
        let mut ids = std::collections::HashSet::new();
        let mut spellings = std::collections::HashSet::new();
        for arg in &self.args {
            validate_name("argument", &arg.id)?;
            if !ids.insert(arg.id.as_str()) {
                return Err(format!("{}: argument `{}` is declared twice", self.name, arg.id));
            }
            for spelling in arg.spellings() {
                if !spellings.insert(spelling.clone()) {
                    return Err(format!("{}: flag `{spelling}` is declared twice", self.name));
                }
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
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub value_type: ValueType,
    #[serde(default)]
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
    #[serde(default)]
    pub from_profile: bool,
    #[serde(default)]
    pub hidden: bool,
    /// The value is a secret: never shown, redacted everywhere.
    #[serde(default)]
    pub secret: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts_with: Vec<String>,
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
    fn manifests_from_newer_plugins_parse() {
        let json = r#"{"name":"p","version":"1","description":"d","future":1,
            "commands":[{"name":"c","about":"a","args":[{"id":"x","kind":"value","new":true}]}]}"#;
        let m: Manifest = serde_json::from_str(json).unwrap();
        assert_eq!(m.commands[0].args[0].long_name().as_deref(), Some("x"));
    }
}
