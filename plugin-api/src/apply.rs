//! The `apply_incident/1` contract: "make the provider show this key's alert state",
//! idempotent and owned. A plugin that declares [`APPLY_INCIDENT`] provides
//! `ns:apply_incident`; the SDK supplies its arguments ([`declare`]), their typed form
//! ([`ApplyArgs::from_call`]) and the result ([`Applied`]), so a provider implements only
//! its side: find the key's owned incident, compare, write at most what differs.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::{ArgDecl, Args, CommandDecl, Error, Output};

/// The capability name, versioned.
pub const APPLY_INCIDENT: &str = "apply_incident/1";

/// The command's name.
pub const COMMAND: &str = "apply_incident";

/// How the error of a provider that drops the owner marker begins (a configuration error,
/// exit 4): front ends that run applies for others (`statusctl serve`) report themselves
/// not ready on it, since no apply on that page can be safe.
pub const NO_METADATA: &str = "this page does not keep metadata";

/// The error for a page that answered a write without the owner marker just sent; `what`
/// names the write.
pub fn no_metadata(what: &str) -> Error {
    Error::config(format!(
        "{NO_METADATA}: {what} answered without the statusctl marker just sent \
         (apply_incident needs incident metadata to know which incidents it owns)"
    ))
}

/// The alert state a key is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Firing,
    Resolved,
}

/// What an apply did. Every action is a success (exit 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    /// The provider already shows this state: nothing written.
    Unchanged,
    Resolved,
    /// The input asks for something the provider will not do now (unknown severity, a
    /// held component, a stale alert, a person took over); `reason` says which.
    Skipped,
    /// Ownership of the key's incident was dropped; the incident is left as it is.
    Released,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Unchanged => "unchanged",
            Action::Resolved => "resolved",
            Action::Skipped => "skipped",
            Action::Released => "released",
        }
    }

    /// Whether the apply wrote to the provider.
    pub fn wrote(self) -> bool {
        matches!(self, Action::Created | Action::Updated | Action::Resolved | Action::Released)
    }
}

/// The declaration of `ns:apply_incident`: the same arguments for every provider.
/// `impact` is offered only where the provider has it.
pub fn declare(about: &str, with_impact: bool) -> CommandDecl {
    let mut decl = CommandDecl::new(COMMAND, about)
        .changes()
        .idempotent()
        .arg(ArgDecl::value("key").required().help("The alert key this incident belongs to (owned by statusctl)"))
        .arg(ArgDecl::value("state").required().choices(&["firing", "resolved"]).help("The key's alert state"))
        .arg(
            ArgDecl::list("set")
                .value_name("COMPONENT=STATUS")
                .help("A component and the status it should show while the key fires (repeatable)"),
        )
        .arg(ArgDecl::list("components").short('c').help("Components that all get --component-status"))
        .arg(
            ArgDecl::value("component_status")
                .dash_alias("cs")
                .value_name("STATUS")
                .help("The status of every -c component"),
        )
        .arg(ArgDecl::value("title").short('t').help("Title, needed when an incident is created"))
        .arg(ArgDecl::value("message").short('m').help("Message (a change of the message alone is not written)"))
        .arg(ArgDecl::flag("no_notify").help("Do not notify subscribers"))
        .arg(ArgDecl::flag("release").help("Drop ownership of the key's incident without changing it"))
        .arg(
            ArgDecl::value("started_at")
                .value_name("TIME")
                .help("When the key's alerts started (RFC 3339): a firing older than the key's last resolve is stale"),
        )
        .arg(
            ArgDecl::value("reopen_within")
                .integer()
                .value_name("SECONDS")
                .default_value("600")
                .help("A key firing again within this many seconds of its resolve reopens that incident"),
        )
        .arg(
            ArgDecl::value("during_maintenance")
                .choices(&["hold", "post"])
                .default_value("hold")
                .help("While a component is under maintenance: create nothing for it (hold) or post anyway"),
        )
        .output_schema_text(RESULT_SCHEMA)
        .example("statusctl NS:apply-incident --key deploy-42 --state firing -t \"Deploy failing\" --set API=major_outage");
    if with_impact {
        decl = decl.arg(
            ArgDecl::value("impact")
                .short('i')
                .choices(&["none", "minor", "major", "critical"])
                .help("Impact"),
        );
    }
    decl
}

/// The JSON Schema of [`Applied`].
pub const RESULT_SCHEMA: &str = r#"{"type":"object","required":["action","incident_ids","components"],"properties":{"action":{"type":"string","enum":["created","updated","unchanged","resolved","skipped","released"]},"incident_ids":{"type":"array","items":{"type":"string"}},"reason":{"type":["string","null"]},"components":{"type":"object","additionalProperties":{"type":"string"}},"request_ids":{"type":"array","items":{"type":"string"}}}}"#;

/// The arguments, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyArgs {
    pub key: String,
    pub state: AlertState,
    /// Wanted status per component, in the order given (`--set`, then `-c … -cs S`); the
    /// status is empty for components named by `-c` alone when resolving or releasing.
    pub components: Vec<(String, String)>,
    pub title: Option<String>,
    pub message: Option<String>,
    pub impact: Option<String>,
    pub no_notify: bool,
    pub release: bool,
    /// When the key's alerts started (RFC 3339, as given).
    pub started_at: Option<String>,
    pub reopen_within_secs: i64,
    /// Post even while a component is under maintenance.
    pub post_during_maintenance: bool,
}

impl ApplyArgs {
    /// Reads and checks the arguments: a non-empty key, `COMPONENT=STATUS` pairs, `-cs`
    /// with `-c`, no component given twice with two statuses. Bad input is a usage error.
    pub fn from_call(args: &Args) -> Result<Self, Error> {
        let key = args.str("key").map(str::trim).filter(|k| !k.is_empty());
        let key = key.ok_or_else(|| Error::usage("--key is required and may not be empty"))?.to_string();
        let state = match args.str("state") {
            Some("firing") => AlertState::Firing,
            Some("resolved") => AlertState::Resolved,
            other => return Err(Error::usage(format!("--state must be firing or resolved, not {other:?}"))),
        };
        let mut components: Vec<(String, String)> = Vec::new();
        let mut add = |name: &str, status: &str| -> Result<(), Error> {
            let (name, status) = (name.trim(), status.trim());
            if name.is_empty() || status.is_empty() {
                return Err(Error::usage(format!("--set wants COMPONENT=STATUS, got `{name}={status}`")));
            }
            match components.iter().find(|(n, _)| n == name) {
                Some((_, s)) if s != status => {
                    Err(Error::usage(format!("component `{name}` is given two statuses: {s} and {status}")))
                }
                Some(_) => Ok(()),
                None => {
                    components.push((name.to_string(), status.to_string()));
                    Ok(())
                }
            }
        };
        for pair in args.list("set") {
            let (name, status) = pair
                .split_once('=')
                .ok_or_else(|| Error::usage(format!("--set wants COMPONENT=STATUS, got `{pair}`")))?;
            add(name, status)?;
        }
        let listed = args.list("components");
        match (args.str("component_status"), listed.is_empty()) {
            (Some(status), false) => listed.iter().try_for_each(|c| add(c, status))?,
            (Some(_), true) => return Err(Error::usage("--component-status (-cs) needs components (-c)")),
            // Resolving or releasing needs no status: the components are only named.
            (None, false) if state == AlertState::Resolved || args.flag("release") => {
                for name in listed.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
                    if !components.iter().any(|(n, _)| n == name) {
                        components.push((name.to_string(), String::new()));
                    }
                }
            }
            (None, false) => {
                return Err(Error::usage("-c needs --component-status (-cs), or use --set COMPONENT=STATUS"));
            }
            (None, true) => {}
        }
        let text = |id: &str| args.str(id).map(str::to_string).filter(|s| !s.trim().is_empty());
        Ok(Self {
            key,
            state,
            components,
            title: text("title"),
            message: text("message"),
            impact: text("impact"),
            no_notify: args.flag("no_notify"),
            release: args.flag("release"),
            started_at: text("started_at"),
            reopen_within_secs: args.int("reopen_within").unwrap_or(600).max(0),
            post_during_maintenance: args.str("during_maintenance") == Some("post"),
        })
    }
}

/// What an apply did, as data (`-f json`) and one line of text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    pub action: Action,
    pub incident_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The status each named component shows (or will show) after the apply.
    #[serde(default)]
    pub components: Map<String, Value>,
    /// The request ids the apply's writes carried, if the provider has such a thing (for
    /// logs: what to ask the provider about). Empty when nothing was written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_ids: Vec<String>,
}

impl Applied {
    pub fn new(action: Action) -> Self {
        Self {
            action,
            incident_ids: Vec::new(),
            reason: None,
            components: Map::new(),
            request_ids: Vec::new(),
        }
    }
    /// Names the request id the writes carried (kept only for an action that wrote).
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        if self.action.wrote() && !id.is_empty() && !self.request_ids.contains(&id) {
            self.request_ids.push(id);
        }
        self
    }
    pub fn incident(mut self, id: impl Into<String>) -> Self {
        self.incident_ids.push(id.into());
        self
    }
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
    pub fn component(mut self, name: impl Into<String>, status: impl Into<String>) -> Self {
        self.components.insert(name.into(), Value::String(status.into()));
        self
    }

    /// The output: the data, and one line of text (`created incident abc (API=major_outage)`).
    pub fn output(&self, key: &str) -> Output {
        let mut line = format!("{} key {key}", self.action.as_str());
        if !self.incident_ids.is_empty() {
            line.push_str(&format!(": incident {}", self.incident_ids.join(", ")));
        }
        if !self.components.is_empty() {
            let parts: Vec<String> = self
                .components
                .iter()
                .map(|(c, s)| format!("{c}={}", s.as_str().unwrap_or_default()))
                .collect();
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
        if let Some(reason) = &self.reason {
            line.push_str(&format!(" — {reason}"));
        }
        line.push('\n');
        Output::data(json!(self)).with_text(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(value: Value) -> Args {
        Args(value.as_object().cloned().unwrap())
    }

    #[test]
    fn the_shared_arguments_are_read_and_checked() {
        let decl = declare("Apply", true);
        let mut m = crate::Manifest::new("p", "1", "d").capability(APPLY_INCIDENT).command(decl);
        m.namespace = "ns".into();
        assert_eq!(m.validate(), Ok(()));
        let a =
            ApplyArgs::from_call(&args(json!({"key": "k1", "state": "firing", "set": ["API=major_outage"],
            "components": ["Web", "API"], "component_status": "major_outage", "title": "Down"})))
            .unwrap();
        assert_eq!(
            a.components,
            [("API".into(), "major_outage".into()), ("Web".into(), "major_outage".into())]
        );
        assert_eq!((a.state, a.title.as_deref(), a.release), (AlertState::Firing, Some("Down"), false));
        let resolved =
            ApplyArgs::from_call(&args(json!({"key": "k", "state": "resolved", "components": ["API"]})))
                .unwrap();
        assert_eq!(resolved.components, [("API".into(), String::new())]);
        for bad in [
            json!({"key": " ", "state": "firing"}),
            json!({"key": "k", "state": "firing", "set": ["API"]}),
            json!({"key": "k", "state": "firing", "set": ["API=a", "API=b"]}),
            json!({"key": "k", "state": "firing", "component_status": "x"}),
            json!({"key": "k", "state": "firing", "components": ["A"]}),
        ] {
            assert_eq!(
                ApplyArgs::from_call(&args(bad.clone())).unwrap_err().kind,
                crate::ErrorKind::Usage,
                "{bad}"
            );
        }
    }

    #[test]
    fn the_result_is_data_and_one_line() {
        let out = Applied::new(Action::Created).incident("abc").component("API", "major_outage").output("k1");
        assert_eq!(out.text.as_deref(), Some("created key k1: incident abc (API=major_outage)\n"));
        assert_eq!(out.data["action"], "created");
        let skipped = Applied::new(Action::Skipped).reason("held by a person").output("k1");
        assert_eq!(skipped.text.as_deref(), Some("skipped key k1 — held by a person\n"));
        assert!(serde_json::from_str::<Value>(RESULT_SCHEMA).is_ok());
    }
}
