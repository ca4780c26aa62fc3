//! The routing file (TOML): which alerts become which `apply_incident` calls, and the
//! receiver's own settings (auth, answer deadlines). Read and checked once at start; every
//! error names the file's line and column.
//!
//! ```toml
//! [auth]
//! bearer = { env = "STATUSCTL_SERVE_TOKEN" }
//!
//! [[rule]]
//! name = "api"
//! match = { service = "api" }
//! match_re = { severity = "critical|warning" }
//! namespace = "statuspage"
//! profile = "production"
//! components = ["API", "{{ alert.annotations.statuspage_component }}"]
//! status = { critical = "major_outage", warning = "degraded_performance" }
//! title = "{{ group.commonAnnotations.summary }}"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::sources::Endpoint;

/// The statuses of the `apply_incident/1` vocabulary, least to most severe.
pub const STATUSES: [&str; 5] =
    ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"];

/// The impacts a rule may set (Statuspage's), least to most severe.
pub const IMPACTS: [&str; 4] = ["none", "minor", "major", "critical"];

/// The default `status` map, used by a rule that has none.
pub const DEFAULT_STATUS: [(&str, &str); 3] =
    [("critical", "major_outage"), ("error", "partial_outage"), ("warning", "degraded_performance")];

/// The default title: the group's summary, else its alert name, else its key.
pub const DEFAULT_TITLE: &str =
    "{{ group.commonAnnotations.summary or group.commonLabels.alertname or group.groupKey }}";

/// The default message: the group's description, if it has one.
pub const DEFAULT_MESSAGE: &str = "{{ group.commonAnnotations.description }}";

/// The answer deadline of a source unless the file says otherwise (below Datadog's 15 s).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);

/// A checked routing file.
#[derive(Debug)]
pub struct Routes {
    pub path: PathBuf,
    pub auth: Option<AuthConfig>,
    pub rules: Vec<Rule>,
    /// Whether `GET /metrics` asks for the senders' credential (when `[auth]` has one).
    pub metrics_auth: bool,
    deadlines: BTreeMap<&'static str, Duration>,
}

/// How the receiver authenticates senders. Secrets are named by where they live.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthConfig {
    Bearer(SecretRef),
    Basic { username: String, password: SecretRef },
}

/// Where a secret lives: never in the file itself.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum SecretRef {
    Env {
        env: String,
    },
    File {
        file: PathBuf,
    },
    Keyring {
        keyring: String,
        #[serde(default)]
        user: Option<String>,
    },
}

impl SecretRef {
    pub fn describe(&self) -> String {
        match self {
            SecretRef::Env { env } => format!("environment variable {env}"),
            SecretRef::File { file } => format!("file {}", file.display()),
            SecretRef::Keyring { keyring, user } => match user {
                Some(user) => format!("keyring service {keyring} (user {user})"),
                None => format!("keyring service {keyring}"),
            },
        }
    }
}

/// Whether a rule's incidents notify subscribers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Incident,
    /// Incidents without notifications (`--no-notify`).
    Silent,
}

/// What to do while a component is under maintenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuringMaintenance {
    #[default]
    Hold,
    Post,
}

impl DuringMaintenance {
    pub fn as_str(self) -> &'static str {
        match self {
            DuringMaintenance::Hold => "hold",
            DuringMaintenance::Post => "post",
        }
    }
}

/// One matcher: a label or annotation, equal to a text or matching an anchored regex.
#[derive(Debug, Clone)]
pub enum Matcher {
    Equal { name: String, value: String, annotation: bool },
    Regex { name: String, regex: Regex, annotation: bool },
}

impl Matcher {
    /// A label or annotation that is absent counts as empty (as in Alertmanager).
    pub fn matches(&self, alert: &crate::sources::Alert) -> bool {
        let value = |name: &str, annotation: bool| {
            let map = if annotation { &alert.annotations } else { &alert.labels };
            map.get(name).map(String::as_str).unwrap_or("")
        };
        match self {
            Matcher::Equal { name, value: want, annotation } => value(name, *annotation) == want,
            Matcher::Regex { name, regex, annotation } => regex.is_match(value(name, *annotation)),
        }
    }

    /// Whether this matcher names `alertname` = `name` (a Grafana datasource alert is
    /// routed only by a rule that names it).
    fn names_alert(&self, alert_name: &str) -> bool {
        match self {
            Matcher::Equal { name, value, annotation: false } => name == "alertname" && value == alert_name,
            Matcher::Regex { name, regex, annotation: false } => {
                name == "alertname" && regex.as_str().contains(alert_name)
            }
            _ => false,
        }
    }
}

/// One checked rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    /// Where the rule starts in the file (`line:col`), for messages.
    pub at: String,
    pub matchers: Vec<Matcher>,
    pub continue_matching: bool,
    pub namespace: String,
    pub profile: Option<String>,
    /// Component names, each a template (a plain name is a template that renders itself).
    pub components: Vec<String>,
    pub severity_label: String,
    /// Severity → component status.
    pub status: BTreeMap<String, String>,
    /// Severity → impact (sent only when set).
    pub impact: BTreeMap<String, String>,
    pub title: String,
    pub message: String,
    pub mode: Mode,
    pub during_maintenance: DuringMaintenance,
    pub reopen_within: Option<Duration>,
    /// Further arguments of the namespace's `apply_incident`, by id, passed as given
    /// (`extra_args = { race_settle_ms = 200 }`); checked against the plugin at start.
    pub extra_args: BTreeMap<String, serde_json::Value>,
}

/// The arguments serve sets itself: a rule's `extra_args` may not name them.
pub const PLANNED_ARGS: [&str; 10] = [
    "key",
    "state",
    "set",
    "title",
    "message",
    "impact",
    "started_at",
    "no_notify",
    "reopen_within",
    "during_maintenance",
];

impl Rule {
    /// Whether the rule takes `alert`.
    pub fn matches(&self, alert: &crate::sources::Alert) -> bool {
        if alert.datasource_state {
            let name = alert.labels.get("alertname").map(String::as_str).unwrap_or("");
            if !self.matchers.iter().any(|m| m.names_alert(name)) {
                return false;
            }
        }
        self.matchers.iter().all(|m| m.matches(alert))
    }
}

impl Routes {
    /// Reads and checks `path`. The error is one line per problem, each `FILE:LINE:COL: …`.
    pub fn load(path: &Path) -> Result<Self, RoutesError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RoutesError(format!("{}: cannot read the routes file: {e}", path.display())))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, RoutesError> {
        let at = |span: std::ops::Range<usize>| {
            let (line, col) = line_col(text, span.start);
            format!("{}:{line}:{col}", path.display())
        };
        let file: FileIn = toml::from_str(text).map_err(|e| {
            let place = e.span().map(&at).unwrap_or_else(|| path.display().to_string());
            RoutesError(format!("{place}: {}", e.message().trim()))
        })?;
        let mut errors = Vec::new();
        let auth = match file.auth {
            None => None,
            Some(auth) => {
                let span = auth.span();
                match auth.into_inner().check() {
                    Ok(auth) => Some(auth),
                    Err(message) => {
                        errors.push(format!("{}: {message}", at(span)));
                        None
                    }
                }
            }
        };
        let mut deadlines = BTreeMap::new();
        for (name, source) in file.sources {
            let Some(endpoint) = Endpoint::parse(name.get_ref()) else {
                errors.push(format!(
                    "{}: unknown source `{}` (alertmanager, grafana, datadog, generic)",
                    at(name.span()),
                    name.get_ref()
                ));
                continue;
            };
            if let Some(deadline) = source.deadline {
                match deadline.get_ref().seconds() {
                    Some(d) if d > Duration::ZERO && d <= Duration::from_secs(300) => {
                        deadlines.insert(endpoint_name(endpoint), d);
                    }
                    _ => errors.push(format!(
                        "{}: deadline must be a duration from 1s to 300s (\"10s\", 10)",
                        at(deadline.span())
                    )),
                }
            }
        }
        let template_env = crate::render::environment();
        let mut rules: Vec<Rule> = Vec::new();
        if file.rule.is_empty() {
            errors.push(format!("{}: no [[rule]]: every alert would be dropped", path.display()));
        }
        for rule in file.rule {
            let span = rule.span();
            match rule.into_inner().check(&at, &template_env) {
                Ok(rule) => {
                    if let Some(first) = rules.iter().find(|r| r.name == rule.name) {
                        errors.push(format!(
                            "{}: rule name `{}` is used twice (first at {}): the key is (group, rule)",
                            at(span),
                            rule.name,
                            first.at
                        ));
                    }
                    rules.push(rule);
                }
                Err(mut problems) => errors.append(&mut problems),
            }
        }
        if !errors.is_empty() {
            return Err(RoutesError(errors.join("\n")));
        }
        let metrics_auth = file.metrics.is_none_or(|m| m.auth);
        Ok(Routes { path: path.to_path_buf(), auth, rules, metrics_auth, deadlines })
    }

    /// The answer deadline for a source.
    pub fn deadline(&self, endpoint: Endpoint) -> Duration {
        self.deadlines.get(endpoint_name(endpoint)).copied().unwrap_or(DEFAULT_DEADLINE)
    }

    /// Checks each rule's namespace against what the loaded plugins offer: `offers`
    /// answers the `apply_incident` argument ids of a namespace, or why it has none.
    pub fn check_targets(
        &self,
        offers: &dyn Fn(&str) -> Result<Vec<String>, String>,
    ) -> Result<(), RoutesError> {
        let mut errors = Vec::new();
        for rule in &self.rules {
            match offers(&rule.namespace) {
                Err(why) => errors.push(format!("{}: rule `{}`: {why}", rule.at, rule.name)),
                Ok(args) => {
                    for id in rule.extra_args.keys() {
                        if !args.iter().any(|a| a == id) {
                            errors.push(format!(
                                "{}: rule `{}`: extra_args: `{}:apply_incident` takes no argument `{id}`",
                                rule.at, rule.name, rule.namespace
                            ));
                        }
                    }
                    if !rule.impact.is_empty() && !args.iter().any(|a| a == "impact") {
                        errors.push(format!(
                            "{}: rule `{}`: `{}` has no impact: remove `impact`",
                            rule.at, rule.name, rule.namespace
                        ));
                    }
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(RoutesError(errors.join("\n"))) }
    }
}

fn endpoint_name(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Alertmanager => "alertmanager",
        Endpoint::Datadog => "datadog",
        Endpoint::Generic => "generic",
    }
}

/// A routing file that cannot be used: one line per problem.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RoutesError(pub String);

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

// ---- the file as written ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[serde(default)]
    auth: Option<Spanned<AuthIn>>,
    #[serde(default)]
    sources: BTreeMap<Spanned<String>, SourceIn>,
    #[serde(default)]
    metrics: Option<MetricsIn>,
    #[serde(default)]
    rule: Vec<Spanned<RuleIn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricsIn {
    /// `false`: `GET /metrics` is open (the `Host` check still applies without `[auth]`).
    #[serde(default = "yes")]
    auth: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceIn {
    #[serde(default)]
    deadline: Option<Spanned<DurationIn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthIn {
    #[serde(default)]
    bearer: Option<SecretIn>,
    #[serde(default)]
    basic: Option<BasicIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BasicIn {
    username: String,
    password: SecretIn,
}

/// A secret as written: a reference, or (refused) the secret itself.
#[derive(Deserialize)]
#[serde(untagged)]
enum SecretIn {
    Ref(SecretRef),
    Clear(serde::de::IgnoredAny),
}

impl SecretIn {
    fn check(self, what: &str) -> Result<SecretRef, String> {
        match self {
            SecretIn::Ref(r) => {
                let empty = match &r {
                    SecretRef::Env { env } => env.is_empty(),
                    SecretRef::File { file } => file.as_os_str().is_empty(),
                    SecretRef::Keyring { keyring, .. } => keyring.is_empty(),
                };
                if empty { Err(format!("{what}: the reference is empty")) } else { Ok(r) }
            }
            SecretIn::Clear(_) => Err(format!(
                "{what}: a secret is never written in the routes file; name where it lives: \
                 {{env = \"VAR\"}}, {{file = \"/run/secrets/…\"}} or {{keyring = \"service\"}}"
            )),
        }
    }
}

impl AuthIn {
    fn check(self) -> Result<AuthConfig, String> {
        match (self.bearer, self.basic) {
            (Some(token), None) => Ok(AuthConfig::Bearer(token.check("auth.bearer")?)),
            (None, Some(basic)) => {
                if basic.username.is_empty() || basic.username.contains(':') {
                    return Err("auth.basic.username must be non-empty, without `:`".into());
                }
                Ok(AuthConfig::Basic {
                    username: basic.username,
                    password: basic.password.check("auth.basic.password")?,
                })
            }
            (Some(_), Some(_)) => Err("[auth] takes `bearer` or `basic`, not both".into()),
            (None, None) => {
                Err("[auth] needs `bearer = {env = …}` or `basic = {username = …, password = {…}}`".into())
            }
        }
    }
}

/// A duration: whole seconds, or text such as `"90s"`, `"10m"`, `"1h"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum DurationIn {
    Seconds(i64),
    Text(String),
}

impl DurationIn {
    fn seconds(&self) -> Option<Duration> {
        match self {
            DurationIn::Seconds(s) => u64::try_from(*s).ok().map(Duration::from_secs),
            DurationIn::Text(text) => {
                let text = text.trim();
                let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
                let (number, unit) = text.split_at(split);
                let n: u64 = number.parse().ok()?;
                let factor = match unit.trim() {
                    "" | "s" => 1,
                    "m" => 60,
                    "h" => 3600,
                    _ => return None,
                };
                n.checked_mul(factor).map(Duration::from_secs)
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleIn {
    name: Spanned<String>,
    #[serde(default, rename = "match")]
    match_labels: BTreeMap<String, String>,
    #[serde(default)]
    match_re: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    match_annotations: BTreeMap<String, String>,
    #[serde(default)]
    match_annotations_re: BTreeMap<String, Spanned<String>>,
    #[serde(default, rename = "continue")]
    continue_matching: bool,
    namespace: Spanned<String>,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    components: Vec<Spanned<String>>,
    #[serde(default)]
    severity_label: Option<String>,
    #[serde(default)]
    status: Option<BTreeMap<String, Spanned<String>>>,
    #[serde(default)]
    impact: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    title: Option<Spanned<String>>,
    #[serde(default)]
    message: Option<Spanned<String>>,
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    during_maintenance: DuringMaintenance,
    #[serde(default)]
    reopen_within: Option<Spanned<DurationIn>>,
    #[serde(default)]
    extra_args: Option<Spanned<BTreeMap<String, toml::Value>>>,
}

impl RuleIn {
    fn check(
        self,
        at: &dyn Fn(std::ops::Range<usize>) -> String,
        env: &minijinja::Environment<'static>,
    ) -> Result<Rule, Vec<String>> {
        let mut errors = Vec::new();
        let name = self.name.get_ref().trim().to_string();
        let rule_at = at(self.name.span());
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            errors.push(format!("{rule_at}: rule name must be letters, digits, `-`, `_` or `.`"));
        }
        let mut matchers = Vec::new();
        for (labels, annotation) in [(self.match_labels, false), (self.match_annotations, true)] {
            for (name, value) in labels {
                matchers.push(Matcher::Equal { name, value, annotation });
            }
        }
        for (patterns, annotation) in [(self.match_re, false), (self.match_annotations_re, true)] {
            for (name, pattern) in patterns {
                match Regex::new(&format!("^(?:{})$", pattern.get_ref())) {
                    Ok(regex) => matchers.push(Matcher::Regex { name, regex, annotation }),
                    Err(err) => errors.push(format!(
                        "{}: not a valid regex: {}",
                        at(pattern.span()),
                        err.to_string().lines().last().unwrap_or("").trim()
                    )),
                }
            }
        }
        let namespace = self.namespace.get_ref().trim().replace('-', "_");
        if namespace.is_empty() || namespace.contains(':') {
            errors.push(format!(
                "{}: namespace must be a plugin namespace (`statuspage`)",
                at(self.namespace.span())
            ));
        }
        for component in &self.components {
            if component.get_ref().trim().is_empty() {
                errors.push(format!("{}: an empty component name", at(component.span())));
            }
        }
        let mut check_template = |source: &Spanned<String>, what: &str| {
            if let Err(err) = crate::render::check(env, source.get_ref()) {
                errors.push(format!("{}: {what}: {err}", at(source.span())));
            }
        };
        for component in &self.components {
            check_template(component, "component template");
        }
        if let Some(title) = &self.title {
            check_template(title, "title template");
        }
        if let Some(message) = &self.message {
            check_template(message, "message template");
        }
        let status: BTreeMap<String, String> = match self.status {
            None => DEFAULT_STATUS.iter().map(|(s, c)| (s.to_string(), c.to_string())).collect(),
            Some(map) => {
                if map.is_empty() {
                    errors.push(format!("{rule_at}: `status` is empty: no severity would change anything"));
                }
                let mut out = BTreeMap::new();
                for (severity, status) in map {
                    if !STATUSES.contains(&status.get_ref().as_str()) {
                        errors.push(format!(
                            "{}: unknown status `{}` (one of {})",
                            at(status.span()),
                            status.get_ref(),
                            STATUSES.join(", ")
                        ));
                    }
                    out.insert(severity, status.into_inner());
                }
                out
            }
        };
        let mut impact = BTreeMap::new();
        for (severity, value) in self.impact {
            if !IMPACTS.contains(&value.get_ref().as_str()) {
                errors.push(format!(
                    "{}: unknown impact `{}` (one of {})",
                    at(value.span()),
                    value.get_ref(),
                    IMPACTS.join(", ")
                ));
            }
            impact.insert(severity, value.into_inner());
        }
        let reopen_within = match &self.reopen_within {
            None => None,
            Some(d) => match d.get_ref().seconds() {
                Some(d) => Some(d),
                None => {
                    errors.push(format!("{}: reopen_within must be a duration (\"10m\", 600)", at(d.span())));
                    None
                }
            },
        };
        let mut extra_args = BTreeMap::new();
        if let Some(extra) = self.extra_args {
            let where_ = at(extra.span());
            for (id, value) in extra.into_inner() {
                let id = id.replace('-', "_");
                if PLANNED_ARGS.contains(&id.as_str()) {
                    errors.push(format!(
                        "{where_}: extra_args: `{id}` is set by serve itself (use the rule's fields)"
                    ));
                    continue;
                }
                let value = match value {
                    toml::Value::String(_)
                    | toml::Value::Integer(_)
                    | toml::Value::Boolean(_)
                    | toml::Value::Float(_) => serde_json::to_value(&value).unwrap_or_default(),
                    toml::Value::Array(items) if items.iter().all(|i| i.is_str()) => {
                        serde_json::to_value(&items).unwrap_or_default()
                    }
                    _ => {
                        errors.push(format!(
                            "{where_}: extra_args: `{id}` must be a text, number, boolean or list of texts"
                        ));
                        continue;
                    }
                };
                extra_args.insert(id, value);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Rule {
            name,
            at: rule_at,
            matchers,
            continue_matching: self.continue_matching,
            namespace,
            profile: self.profile.filter(|p| !p.trim().is_empty()),
            components: self.components.into_iter().map(|c| c.into_inner().trim().to_string()).collect(),
            severity_label: self.severity_label.unwrap_or_else(|| "severity".into()),
            status,
            impact,
            title: self.title.map(Spanned::into_inner).unwrap_or_else(|| DEFAULT_TITLE.into()),
            message: self.message.map(Spanned::into_inner).unwrap_or_else(|| DEFAULT_MESSAGE.into()),
            mode: self.mode,
            during_maintenance: self.during_maintenance,
            reopen_within,
            extra_args,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Routes, String> {
        Routes::parse(Path::new("routes.toml"), text).map_err(|e| e.0)
    }

    const GOOD: &str = r#"
[auth]
bearer = { env = "SERVE_TOKEN" }

[sources.datadog]
deadline = "12s"

[[rule]]
name = "api"
match = { service = "api" }
match_re = { severity = "critical|warning" }
namespace = "statuspage"
profile = "sandbox"
components = ["API", "{{ alert.annotations.statuspage_component }}"]
status = { critical = "major_outage", warning = "degraded_performance" }
impact = { critical = "critical" }
title = "{{ group.commonAnnotations.summary }}"
mode = "silent"
during_maintenance = "post"
reopen_within = "5m"
continue = true

[[rule]]
name = "catch-all"
namespace = "nobl9"
"#;

    #[test]
    fn a_good_file() {
        let routes = parse(GOOD).unwrap();
        assert_eq!(routes.auth, Some(AuthConfig::Bearer(SecretRef::Env { env: "SERVE_TOKEN".into() })));
        assert!(routes.metrics_auth);
        assert!(!parse(&format!("[metrics]\nauth = false\n{GOOD}")).unwrap().metrics_auth);
        assert_eq!(routes.deadline(Endpoint::Datadog), Duration::from_secs(12));
        assert_eq!(routes.deadline(Endpoint::Alertmanager), DEFAULT_DEADLINE);
        let api = &routes.rules[0];
        assert_eq!((api.name.as_str(), api.at.as_str()), ("api", "routes.toml:9:8"));
        assert_eq!(api.matchers.len(), 2);
        assert!(api.continue_matching);
        assert_eq!((api.mode, api.during_maintenance), (Mode::Silent, DuringMaintenance::Post));
        assert_eq!(api.reopen_within, Some(Duration::from_secs(300)));
        let all = &routes.rules[1];
        assert_eq!(all.status["critical"], "major_outage");
        assert_eq!(all.title, DEFAULT_TITLE);
        assert_eq!(all.profile, None);
    }

    #[test]
    fn errors_name_line_and_column() {
        for (text, want) in [
            ("[[rule]]\nname = \"a\"\nnamespace = 3\n", "routes.toml:3:13:"),
            (
                "[[rule]]\nname = \"a\"\nnamespace = \"x\"\nmatch_re = { a = \"(\" }\n",
                "routes.toml:4:18: not a valid regex",
            ),
            (
                "[[rule]]\nname = \"a\"\nnamespace = \"x\"\nstatus = { critical = \"down\" }\n",
                "routes.toml:4:23: unknown status `down`",
            ),
            (
                "[[rule]]\nname = \"a\"\nnamespace = \"x\"\ntitle = \"{{ oops\"\n",
                "routes.toml:4:9: title template",
            ),
            (
                "[[rule]]\nname = \"a\"\nnamespace = \"x\"\ncolour = 1\n",
                "routes.toml:4:1: unknown field `colour`",
            ),
            (
                "[[rule]]\nname = \"a\"\nnamespace = \"x\"\n[[rule]]\nname = \"a\"\nnamespace = \"y\"\n",
                "used twice",
            ),
            ("[[rule]]\nname = \"a b\"\nnamespace = \"x\"\n", "routes.toml:2:8: rule name"),
            ("", "no [[rule]]"),
            (
                "[sources.pagerduty]\n[[rule]]\nname = \"a\"\nnamespace = \"x\"\n",
                "routes.toml:1:10: unknown source",
            ),
            (
                "[[rule]]\nname = \"a\"\nnamespace = \"x\"\nreopen_within = \"soon\"\n",
                "routes.toml:4:17: reopen_within",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn extra_args_pass_through_and_are_checked() {
        let rule = "[[rule]]\nname = \"a\"\nnamespace = \"statuspage\"\n";
        let routes =
            parse(&format!("{rule}extra_args = {{ race_settle_ms = 200, race-x = \"y\" }}\n")).unwrap();
        let extra = &routes.rules[0].extra_args;
        assert_eq!(extra["race_settle_ms"], serde_json::json!(200));
        assert_eq!(extra["race_x"], serde_json::json!("y"));
        let only_settle = |_: &str| Ok(vec!["key".to_string(), "race_settle_ms".to_string()]);
        let err = routes.check_targets(&only_settle).unwrap_err().0;
        assert!(err.contains("takes no argument `race_x`"), "{err}");
        let err = parse(&format!("{rule}extra_args = {{ key = \"k\" }}\n")).unwrap_err();
        assert!(err.contains("routes.toml:4:14: extra_args: `key` is set by serve itself"), "{err}");
        let err = parse(&format!("{rule}extra_args = {{ t = {{ a = 1 }} }}\n")).unwrap_err();
        assert!(err.contains("must be a text"), "{err}");
    }

    #[test]
    fn secrets_are_never_in_clear() {
        let rule = "\n[[rule]]\nname = \"a\"\nnamespace = \"x\"\n";
        let err = parse(&format!("[auth]\nbearer = \"s3cret\"\n{rule}")).unwrap_err();
        assert!(err.contains("routes.toml:1:1") && err.contains("never written"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
        let err = parse(&format!("[auth]\nbasic = {{ username = \"am\", password = \"pw\" }}\n{rule}"))
            .unwrap_err();
        assert!(err.contains("auth.basic.password") && !err.contains("pw\""), "{err}");
        let ok = parse(&format!(
            "[auth]\nbasic = {{ username = \"am\", password = {{ file = \"/run/secrets/am\" }} }}\n{rule}"
        ))
        .unwrap();
        assert!(matches!(ok.auth, Some(AuthConfig::Basic { .. })));
        let ok = parse(&format!("[auth]\nbearer = {{ keyring = \"serve-token\" }}\n{rule}")).unwrap();
        assert_eq!(
            ok.auth,
            Some(AuthConfig::Bearer(SecretRef::Keyring { keyring: "serve-token".into(), user: None }))
        );
    }

    #[test]
    fn targets_are_checked_against_the_plugins() {
        let routes = parse(GOOD).unwrap();
        let offers = |ns: &str| match ns {
            "statuspage" => Ok(vec!["key".to_string(), "impact".to_string()]),
            "nobl9" => Err("plugin `nobl9` lacks the apply_incident/1 capability".to_string()),
            _ => unreachable!(),
        };
        let err = routes.check_targets(&offers).unwrap_err().0;
        assert!(err.contains("rule `catch-all`") && err.contains("apply_incident/1"), "{err}");
        assert!(err.starts_with("routes.toml:24:8"), "{err}");
        let no_impact = |_: &str| Ok(vec!["key".to_string()]);
        assert!(routes.check_targets(&no_impact).unwrap_err().0.contains("has no impact"));
    }
}
