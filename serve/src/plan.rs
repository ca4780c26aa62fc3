//! A notification and the routes → the `apply_incident` calls to make (namespace, profile,
//! arguments by id as the contract declares them), and what was left out and why.
//!
//! Each alert goes to the first rule that matches it, and on to the next matching ones
//! while a matched rule says `continue = true`. Each rule with alerts makes one call, keyed
//! (group key, rule): firing while any of its alerts fires with a known severity, resolved
//! when none of its alerts fires.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::render::{self, clean_message, clean_title};
use crate::routes::{Mode, Routes, Rule, STATUSES};
use crate::sources::{Alert, Notification, State};

/// The command every call runs.
pub const COMMAND: &str = "apply_incident";

/// One call to make.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub rule: String,
    pub namespace: String,
    pub profile: Option<String>,
    pub key: String,
    /// Arguments by id, as the `apply_incident/1` contract names them.
    pub args: Map<String, Value>,
}

impl Call {
    /// `namespace:apply_incident`.
    pub fn command(&self) -> String {
        format!("{}:{COMMAND}", self.namespace)
    }

    /// The call as a command line (for `serve check` and the logs).
    pub fn command_line(&self) -> String {
        let mut words = Vec::new();
        if let Some(profile) = &self.profile {
            words.push("--profile".to_string());
            words.push(quote(profile));
        }
        words.push(format!("{}:apply-incident", self.namespace));
        for (id, value) in &self.args {
            let flag = format!("--{}", id.replace('_', "-"));
            match value {
                Value::Bool(true) => words.push(flag),
                Value::Bool(false) => {}
                Value::Array(items) => {
                    for item in items {
                        words.push(flag.clone());
                        words.push(quote(&text(item)));
                    }
                }
                other => {
                    words.push(flag);
                    words.push(quote(&text(other)));
                }
            }
        }
        words.join(" ")
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn quote(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_:./=,@".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A rule that matched but makes no call, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skip {
    pub rule: String,
    pub key: String,
    pub reason: String,
}

/// What a notification asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    pub calls: Vec<Call>,
    pub skipped: Vec<Skip>,
    /// Things worth a log line that do not stop a call (an alert of unknown severity left
    /// out, an alert no rule takes, a template that failed).
    pub notes: Vec<String>,
}

/// The key of a group under a rule.
pub fn key(rule: &str, group_key: &str) -> String {
    format!("{rule}:{group_key}")
}

/// Routes `n` and builds the calls.
pub fn plan(n: &Notification, routes: &Routes) -> Plan {
    let mut out = Plan::default();
    if let Some(why) = &n.ignored {
        out.skipped.push(Skip { rule: String::new(), key: n.group_key.clone(), reason: why.clone() });
        return out;
    }
    // Rule index → its alerts, in the rules' order.
    let mut taken: BTreeMap<usize, Vec<&Alert>> = BTreeMap::new();
    for alert in &n.alerts {
        let mut matched = false;
        for (i, rule) in routes.rules.iter().enumerate() {
            if rule.matches(alert) {
                matched = true;
                taken.entry(i).or_default().push(alert);
                if !rule.continue_matching {
                    break;
                }
            }
        }
        if !matched {
            let name = alert.labels.get("alertname").map(String::as_str).unwrap_or("(no alertname)");
            let why = if alert.datasource_state {
                " (a datasource alert: only a rule naming it takes it)"
            } else {
                ""
            };
            out.notes.push(format!("alert {name} matched no rule{why}"));
        }
    }
    let env = render::environment();
    for (i, alerts) in taken {
        let rule = &routes.rules[i];
        match call_for(n, rule, &alerts, &env, &mut out.notes) {
            Ok(call) => out.calls.push(call),
            Err(reason) => {
                out.skipped.push(Skip { rule: rule.name.clone(), key: key(&rule.name, &n.group_key), reason })
            }
        }
    }
    out
}

/// The rank of a status (operational lowest).
fn rank(status: &str) -> usize {
    STATUSES.iter().position(|s| *s == status).unwrap_or(0)
}

fn impact_rank(impact: &str) -> Option<usize> {
    crate::routes::IMPACTS.iter().position(|x| *x == impact)
}

fn call_for(
    n: &Notification,
    rule: &Rule,
    alerts: &[&Alert],
    env: &minijinja::Environment<'static>,
    notes: &mut Vec<String>,
) -> Result<Call, String> {
    let key = key(&rule.name, &n.group_key);
    let firing: Vec<&Alert> = alerts.iter().copied().filter(|a| a.status == State::Firing).collect();
    let group = json!({
        "groupKey": n.group_key,
        "source": n.source.as_str(),
        "status": n.status.as_str(),
        "groupLabels": n.group_labels,
        "commonLabels": n.common_labels,
        "commonAnnotations": n.common_annotations,
        "truncatedAlerts": n.truncated_alerts,
        "rule": rule.name,
    });
    let mut args = Map::new();
    args.insert("key".into(), json!(key));
    let render_text = |source: &str, ctx: &Value, what: &str, notes: &mut Vec<String>| -> String {
        match render::render(env, source, ctx) {
            Ok(text) => text,
            Err(err) => {
                notes.push(format!("rule {}: the {what} template failed: {err}", rule.name));
                String::new()
            }
        }
    };
    if firing.is_empty() {
        args.insert("state".into(), json!("resolved"));
        let ctx = json!({"group": group, "alerts": alerts});
        let message = clean_message(&render_text(&rule.message, &ctx, "message", notes));
        if !message.is_empty() {
            args.insert("message".into(), json!(message));
        }
        common_args(rule, &mut args);
        return Ok(Call {
            rule: rule.name.clone(),
            namespace: rule.namespace.clone(),
            profile: rule.profile.clone(),
            key,
            args,
        });
    }
    // Firing: each alert of a known severity wants its components at its status.
    let mut wanted: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut known: Vec<&Alert> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut impact: Option<&str> = None;
    for alert in &firing {
        let severity = alert.labels.get(&rule.severity_label).map(String::as_str).unwrap_or("");
        let Some(status) = rule.status.get(severity) else {
            unknown.push(if severity.is_empty() {
                format!("(no {} label)", rule.severity_label)
            } else {
                severity.to_string()
            });
            continue;
        };
        known.push(alert);
        if let Some(i) = rule.impact.get(severity)
            && impact.is_none_or(|have| impact_rank(have) < impact_rank(i))
        {
            impact = Some(i);
        }
        let names: Vec<String> = if rule.components.is_empty() {
            alert.components.clone()
        } else {
            let ctx = json!({"group": group, "alerts": firing, "alert": alert});
            rule.components
                .iter()
                .map(|c| {
                    if c.contains("{{") || c.contains("{%") {
                        render_text(c, &ctx, "component", notes)
                    } else {
                        c.clone()
                    }
                })
                .map(|c| clean_title(&c))
                .filter(|c| !c.is_empty())
                .collect()
        };
        for name in names {
            match wanted.get(&name) {
                Some(have) if rank(have) >= rank(status) => {}
                _ => {
                    if !wanted.contains_key(&name) {
                        order.push(name.clone());
                    }
                    wanted.insert(name, status.clone());
                }
            }
        }
    }
    if !unknown.is_empty() {
        unknown.sort();
        unknown.dedup();
        notes.push(format!(
            "rule {}: severity {} has no status in the rule: those alerts change nothing",
            rule.name,
            unknown.join(", ")
        ));
    }
    if known.is_empty() {
        return Err(format!("unknown severity {}: no change", unknown.join(", ")));
    }
    args.insert("state".into(), json!("firing"));
    if !order.is_empty() {
        let set: Vec<Value> = order.iter().map(|c| json!(format!("{c}={}", wanted[c]))).collect();
        args.insert("set".into(), Value::Array(set));
    }
    let ctx = json!({"group": group, "alerts": known});
    let title = clean_title(&render_text(&rule.title, &ctx, "title", notes));
    let title = if title.is_empty() { clean_title(&n.group_key) } else { title };
    args.insert("title".into(), json!(title));
    let message = clean_message(&render_text(&rule.message, &ctx, "message", notes));
    if !message.is_empty() {
        args.insert("message".into(), json!(message));
    }
    if let Some(impact) = impact {
        args.insert("impact".into(), json!(impact));
    }
    // When the group started: its earliest firing alert (Alertmanager's zero time is none).
    let started = known
        .iter()
        .filter_map(|a| a.starts_at.as_deref())
        .filter_map(|s| s.parse::<jiff::Timestamp>().ok())
        .filter(|t| t.as_second() > 0)
        .min();
    if let Some(started) = started {
        args.insert("started_at".into(), json!(started.to_string()));
    }
    common_args(rule, &mut args);
    Ok(Call {
        rule: rule.name.clone(),
        namespace: rule.namespace.clone(),
        profile: rule.profile.clone(),
        key,
        args,
    })
}

fn common_args(rule: &Rule, args: &mut Map<String, Value>) {
    if rule.mode == Mode::Silent {
        args.insert("no_notify".into(), json!(true));
    }
    if let Some(reopen) = rule.reopen_within {
        args.insert("reopen_within".into(), json!(reopen.as_secs()));
    }
    args.insert("during_maintenance".into(), json!(rule.during_maintenance.as_str()));
    for (id, value) in &rule.extra_args {
        args.insert(id.clone(), value.clone());
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::sources::{Endpoint, fixtures, parse};

    fn routes(text: &str) -> Routes {
        Routes::parse(Path::new("routes.toml"), text).unwrap()
    }

    fn fixture(name: &str) -> Notification {
        let endpoint = Endpoint::guess(&fixtures::read(name));
        parse(endpoint, &fixtures::read(name)).unwrap()
    }

    const ROUTES: &str = r#"
[[rule]]
name = "api"
match = { service = "api" }
namespace = "statuspage"
profile = "sandbox"
components = ["{{ alert.annotations.statuspage_component | default('API') }}"]
status = { critical = "major_outage", warning = "degraded_performance", error = "partial_outage" }
title = "{{ group.commonAnnotations.summary }}"
message = "{{ alerts | length }} alert(s): {% for a in alerts %}{{ a.labels.alertname }} {% endfor %}"
reopen_within = "5m"
"#;

    #[test]
    fn alertmanager_fire_then_resolve() {
        let r = routes(ROUTES);
        let p = plan(&fixture("alertmanager-firing.json"), &r);
        assert!(p.skipped.is_empty() && p.notes.is_empty(), "{p:?}");
        let call = &p.calls[0];
        assert_eq!((call.namespace.as_str(), call.profile.as_deref()), ("statuspage", Some("sandbox")));
        assert_eq!(
            Value::Object(call.args.clone()),
            json!({"key": "api:{}:{alertname=\"ApiDown\"}", "state": "firing", "set": ["api=major_outage"],
                   "title": "API is down", "message": "1 alert(s): ApiDown", "started_at": "2026-11-30T10:00:00Z",
                   "reopen_within": 300, "during_maintenance": "hold"})
        );
        assert_eq!(call.command(), "statuspage:apply_incident");
        assert!(call.command_line().starts_with("--profile sandbox statuspage:apply-incident --key 'api:{}:{alertname=\"ApiDown\"}' --state firing --set api=major_outage --title 'API is down'"), "{}", call.command_line());
        let p = plan(&fixture("alertmanager-resolved.json"), &r);
        assert_eq!(
            Value::Object(p.calls[0].args.clone()),
            json!({"key": "api:{}:{alertname=\"ApiDown\"}", "state": "resolved", "message": "1 alert(s): ApiDown",
                   "reopen_within": 300, "during_maintenance": "hold"})
        );
    }

    #[test]
    fn the_worst_status_per_component_and_unknown_severities() {
        let r = routes(ROUTES);
        let mut n = fixture("alertmanager-firing.json");
        let mut second = n.alerts[0].clone();
        second.labels.insert("severity".into(), "warning".into());
        second.annotations.insert("statuspage_component".into(), "Web".into());
        let mut third = n.alerts[0].clone();
        third.labels.insert("severity".into(), "page-me".into());
        let mut resolved = n.alerts[0].clone();
        resolved.status = State::Resolved;
        resolved.annotations.insert("statuspage_component".into(), "DB".into());
        n.alerts.extend([second, third, resolved]);
        let p = plan(&n, &r);
        assert_eq!(p.calls[0].args["set"], json!(["api=major_outage", "Web=degraded_performance"]));
        assert!(p.notes[0].contains("severity page-me has no status"), "{:?}", p.notes);
        // Only unknown severities: nothing is called.
        let mut n = fixture("alertmanager-firing.json");
        n.alerts[0].labels.insert("severity".into(), "page-me".into());
        let p = plan(&n, &r);
        assert!(p.calls.is_empty());
        assert_eq!(p.skipped[0].reason, "unknown severity page-me: no change");
    }

    #[test]
    fn first_match_wins_unless_continue() {
        let text = |cont: bool| {
            format!(
                "[[rule]]\nname = \"a\"\nmatch = {{ service = \"api\" }}\nnamespace = \"statuspage\"\ncontinue = {cont}\n\
             [[rule]]\nname = \"b\"\nmatch_re = {{ alertname = \"Api.*\" }}\nnamespace = \"nobl9\"\nmode = \"silent\"\n"
            )
        };
        let n = fixture("alertmanager-firing.json");
        let p = plan(&n, &routes(&text(false)));
        assert_eq!(p.calls.iter().map(|c| c.rule.as_str()).collect::<Vec<_>>(), ["a"]);
        let p = plan(&n, &routes(&text(true)));
        assert_eq!(
            p.calls.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
            ["a:{}:{alertname=\"ApiDown\"}", "b:{}:{alertname=\"ApiDown\"}"]
        );
        assert_eq!(p.calls[1].args["no_notify"], json!(true));
        assert!(!p.calls[1].args.contains_key("set"), "no components configured or sent");
    }

    #[test]
    fn grafana_datasource_alerts_need_a_rule_naming_them() {
        let mut n = fixture("grafana-firing.json");
        n.alerts[0].labels.insert("alertname".into(), "DatasourceNoData".into());
        n.alerts[0].labels.insert("severity".into(), "critical".into());
        n.alerts[0].datasource_state = true;
        let catch_all = routes("[[rule]]\nname = \"all\"\nnamespace = \"statuspage\"\n");
        let p = plan(&n, &catch_all);
        assert!(p.calls.is_empty() && p.notes[0].contains("datasource"), "{p:?}");
        let naming = routes(
            "[[rule]]\nname = \"nodata\"\nmatch = { alertname = \"DatasourceNoData\" }\nnamespace = \"statuspage\"\n",
        );
        assert_eq!(plan(&n, &naming).calls.len(), 1);
    }

    #[test]
    fn datadog_and_generic() {
        let r = routes(ROUTES);
        let p = plan(&fixture("datadog-firing.json"), &r);
        let args = &p.calls[0].args;
        assert_eq!(args["key"], "api:1234:7081502735476254101");
        assert_eq!(args["set"], json!(["API=partial_outage"]));
        assert_eq!(args["title"], "[Triggered on {service:api}] API error rate high");
        assert_eq!(plan(&fixture("datadog-resolved.json"), &r).calls[0].args["state"], "resolved");
        // The generic payload's components are used when the rule names none.
        let bare = routes(
            "[[rule]]\nname = \"g\"\nnamespace = \"statuspage\"\nmessage = \"{{ group.commonAnnotations.description }}\"\n",
        );
        let p = plan(&fixture("generic-firing.json"), &bare);
        let args = &p.calls[0].args;
        assert_eq!(
            (&args["key"], &args["set"], &args["title"]),
            (&json!("g:deploy-42"), &json!(["API=major_outage"]), &json!("Deploys failing"))
        );
        assert_eq!(args["message"], "Deploys to production fail; rolling back.");
        let mut nodata = fixture("datadog-firing.json");
        nodata.ignored = Some("Datadog transition `No Data` changes nothing".into());
        let p = plan(&nodata, &r);
        assert!(p.calls.is_empty() && p.skipped[0].reason.contains("No Data"));
    }

    #[test]
    fn rendered_text_is_cleaned() {
        let r = routes("[[rule]]\nname = \"g\"\nnamespace = \"statuspage\"\n");
        let mut n = fixture("generic-firing.json");
        n.common_annotations.insert("summary".into(), format!("\x1b[2Jdown{}", "!".repeat(400)));
        let title = plan(&n, &r).calls[0].args["title"].as_str().unwrap().to_string();
        assert!(
            title.starts_with("[2Jdown!") && title.chars().count() == 255 && title.ends_with('…'),
            "{title}"
        );
    }
}
