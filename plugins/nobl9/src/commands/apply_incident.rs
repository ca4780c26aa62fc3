use jiff::Timestamp;
use statusctl_plugin_api::apply::{self, Action, AlertState, Applied, ApplyArgs};
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, ErrorKind, Output};

use crate::ownership::{self, Decision, View};
use crate::status_change::{self, Change};
use crate::{Nobl9, common, components};

pub struct ApplyIncident;

pub const NO_NOTIFY: &str = "--no-notify is not supported by Nobl9 (it notifies no subscribers); ignored";

impl Command<Nobl9> for ApplyIncident {
    fn declare(&self) -> CommandDecl {
        apply::declare("Make components show an alert key's state (owned by statusctl, idempotent)", false)
            .long_about(
                "The apply_incident/1 contract on Nobl9, where an incident is a component's status. Each \
                 status change statusctl makes ends its comment with a marker `[statusctl key=<16 hex of \
                 sha256(key)> state=firing|resolved status=<s>]`; a component's owned keys are those whose \
                 newest marker since it was last set operational says firing, and it shows the worst status \
                 they want. firing: the component is set to that worst status (written only if something \
                 differs: a repeat writes nothing). resolved: the key's marker says so, and the component \
                 steps down to the worst status of the other owned keys, or operational. A component whose \
                 newest change has no marker is held by a person: never changed (skipped). partial_outage \
                 and major_outage are majorOutage, degraded_performance is degradedPerformance; an unknown \
                 status writes nothing (skipped). -t and -m go into the comment. --release hands the \
                 component over to people: one change keeping its status, without a marker. Without \
                 components, resolved and --release look at every component.",
            )
            .args(common::args())
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args = ApplyArgs::from_call(&call.args)?;
        let started_at = args
            .started_at
            .as_deref()
            .map(|t| {
                t.trim().parse::<Timestamp>().map_err(|_| {
                    Error::usage(format!(
                        "invalid --started-at `{t}`: use RFC 3339, such as 2026-02-05T10:30:00Z"
                    ))
                })
            })
            .transpose()?;
        let firing = args.state == AlertState::Firing && !args.release;
        if firing && args.components.is_empty() {
            return Err(Error::usage(
                "a firing key needs components: --set COMPONENT=STATUS or -c COMPONENT… -cs STATUS",
            ));
        }
        let unknown = if firing {
            args.components.iter().find(|(_, s)| ownership::map_status(s).is_none()).map(|(c, s)| {
                format!(
                    "unknown status `{s}` for {c}: Nobl9 shows operational, degradedPerformance or majorOutage \
                     (partial_outage and major_outage are majorOutage, degraded_performance is \
                     degradedPerformance); nothing written"
                )
            })
        } else {
            None
        };
        let hash = ownership::key_hash(&args.key);
        let client = common::connect(call, plugin)?;
        let tree = components::tree(&client)?;
        let targets = targets(&tree, &args)?;
        let scan_all = !firing && args.components.is_empty();

        // Reads: every component's history, then the decisions.
        let mut plans: Vec<(Target, Decision)> = Vec::new();
        for target in targets {
            let view = View::read(&status_change::history(&client, &target.id)?, &hash);
            let decision = match (&unknown, firing, args.release) {
                (Some(why), _, _) => Decision {
                    action: Action::Skipped,
                    write: None,
                    shows: view.current.clone(),
                    reason: Some(why.clone()),
                },
                (None, _, true) => ownership::release(&view, &hash),
                (None, true, false) => {
                    let wanted = target.wanted.unwrap_or(crate::status::OPERATIONAL);
                    ownership::firing(&view, &hash, wanted, started_at)
                }
                (None, false, false) => ownership::resolved(&view, &hash),
            };
            // Looking at every component: only those the key has something on are reported.
            if scan_all && decision.action == Action::Unchanged {
                continue;
            }
            plans.push((target, decision));
        }

        // Writes, each through the change that is never resent blindly. Under --dry-run every
        // write is planned (the host shows the plan).
        let mut incident_ids = Vec::new();
        for (target, decision) in &plans {
            let Some(write) = &decision.write else { continue };
            let comment = ownership::comment(args.title.as_deref(), args.message.as_deref(), &write.suffix);
            let change = Change {
                component_id: &target.id,
                status: write.status,
                comment: Some(&comment),
                propagate: false,
            };
            match status_change::apply(&client, change) {
                Ok(answer) => {
                    if let Some(id) = answer["incidentId"].as_str().filter(|id| !id.is_empty())
                        && !incident_ids.iter().any(|i| i == id)
                    {
                        incident_ids.push(id.to_string());
                    }
                }
                Err(e) if e.kind == ErrorKind::DryRun && call.dry_run => {}
                Err(e) => return Err(e),
            }
        }
        let mut applied = summary(&plans, args.no_notify);
        applied.incident_ids = incident_ids;
        Ok(applied.output(&args.key))
    }
}

/// A component the apply looks at: the name it is reported under, its id, and the status the
/// key wants there (Nobl9's spelling; `None` for resolved, release, or an unknown status).
struct Target {
    name: String,
    id: String,
    wanted: Option<&'static str>,
}

/// The components given (by id or exact name), each once; without any, every component of the
/// tree (resolved and `--release` look for the key everywhere).
fn targets(tree: &Value, args: &ApplyArgs) -> Result<Vec<Target>, Error> {
    let all = components::flatten(tree);
    let mut out: Vec<Target> = Vec::new();
    for (name, status) in &args.components {
        let id = components::resolve_in(tree, name)?;
        if !all.iter().any(|c| c["id"] == id.as_str()) {
            return Err(Error::usage(format!("no component with the id `{id}`")));
        }
        let wanted = ownership::map_status(status);
        match out.iter().find(|t| t.id == id) {
            Some(t) if t.wanted != wanted && args.state == AlertState::Firing => {
                return Err(Error::usage(format!(
                    "{} and {name} are the same component, given two statuses",
                    t.name
                )));
            }
            Some(_) => {}
            None => out.push(Target { name: name.clone(), id, wanted }),
        }
    }
    if args.components.is_empty() {
        for c in all {
            let id = c["id"].as_str().unwrap_or_default().to_string();
            if !id.is_empty() && !out.iter().any(|t| t.id == id) {
                let name = c["name"].as_str().map_or_else(|| id.clone(), str::to_string);
                out.push(Target { name, id, wanted: None });
            }
        }
    }
    Ok(out)
}

/// One action for the whole apply: skipped when every component is; else the weightiest of
/// the others (created, updated, resolved, released, unchanged), the skipped ones named in
/// `reason`.
fn summary(plans: &[(Target, Decision)], no_notify: bool) -> Applied {
    let weight = |a: Action| match a {
        Action::Created => 5,
        Action::Updated => 4,
        Action::Resolved => 3,
        Action::Released => 2,
        Action::Unchanged => 1,
        Action::Skipped => 0,
    };
    let action = plans.iter().map(|(_, d)| d.action).max_by_key(|a| weight(*a)).unwrap_or(Action::Unchanged);
    let mut reasons: Vec<String> = Vec::new();
    let skipped: Vec<&(Target, Decision)> =
        plans.iter().filter(|(_, d)| d.action == Action::Skipped).collect();
    let why = |d: &Decision| d.reason.clone().unwrap_or_default();
    match skipped.as_slice() {
        [] => {}
        [(_, first), ..]
            if action == Action::Skipped && skipped.iter().all(|(_, d)| d.reason == first.reason) =>
        {
            reasons.push(why(first));
        }
        _ => reasons.extend(skipped.iter().map(|(t, d)| format!("{}: {}", t.name, why(d)))),
    }
    if no_notify {
        reasons.push(NO_NOTIFY.to_string());
    }
    let mut applied = Applied::new(action);
    if !reasons.is_empty() {
        applied = applied.reason(reasons.join("; "));
    }
    for (target, decision) in plans {
        applied = applied.component(target.name.clone(), decision.shows.clone());
    }
    applied
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::apply::AlertState;
    use statusctl_plugin_api::serde_json::{Value, json};
    use statusctl_plugin_api::testing::Reply;

    use super::NO_NOTIFY;
    use crate::Nobl9;
    use crate::ownership::{HELD, comment, key_hash, marker, release_note};
    use crate::test_fixtures::{API_ID, DB_ID, line, ok, sample_tree, scripted};

    fn history(entries: Value) -> Reply {
        ok(json!({"componentId": API_ID, "history": entries}))
    }

    fn changes(id: &str) -> String {
        line("GET", &format!("/status-page/components/{id}/status-changes"))
    }

    fn change_status(id: &str) -> String {
        line("POST", &format!("/status-page/components/{id}/change-status"))
    }

    fn entry(status: &str, comment: &str) -> Value {
        json!({"changedAt": "2026-02-05T10:00:00Z", "newStatus": status, "comment": comment})
    }

    fn fired(key: &str, status: &str) -> String {
        comment(Some("Deploy failing"), None, &marker(&key_hash(key), AlertState::Firing, status))
    }

    #[test]
    fn declared_as_the_shared_contract_with_the_connection_flags_and_no_impact() {
        let manifest = statusctl_plugin_api::full_manifest(&Nobl9::default());
        assert!(manifest.capabilities.iter().any(|c| c == statusctl_plugin_api::apply::APPLY_INCIDENT));
        let cmd = manifest.commands.iter().find(|c| c.name == "apply_incident").unwrap();
        assert!(cmd.args.iter().all(|a| a.id != "impact"));
        assert!(cmd.args.iter().any(|a| a.id == "base_url") && cmd.args.iter().any(|a| a.id == "key"));
    }

    #[test]
    fn firing_sets_the_status_with_the_marker_and_a_repeat_writes_nothing() {
        let answer = json!({"componentName": "API Service", "previousStatus": "operational", "newStatus": "majorOutage", "incidentId": "inc-1"});
        let host = scripted().reply(ok(sample_tree())).reply(history(json!([]))).reply(ok(answer));
        let words = [
            "--key",
            "deploy-42",
            "--state",
            "firing",
            "-t",
            "Deploy failing",
            "-m",
            "eu",
            "--set",
            "API Service=partial_outage",
        ];
        let out = host.run::<Nobl9>("apply_incident", &words).unwrap();
        assert_eq!(
            host.lines(),
            [line("GET", "/status-page/components"), changes(API_ID), change_status(API_ID)]
        );
        let sent = format!(
            "Deploy failing — eu [statusctl key={} state=firing status=majorOutage]",
            key_hash("deploy-42")
        );
        assert_eq!(
            host.requests()[2].json(),
            json!({"status": "majorOutage", "propagateUp": false, "comment": sent})
        );
        assert_eq!(
            out.text.as_deref(),
            Some("created key deploy-42: incident inc-1 (API Service=majorOutage)\n")
        );
        assert_eq!(
            out.data,
            json!({"action": "created", "incident_ids": ["inc-1"], "components": {"API Service": "majorOutage"}})
        );

        let host = scripted()
            .reply(ok(sample_tree()))
            .reply(history(json!([entry("majorOutage", &fired("deploy-42", "majorOutage"))])));
        let words =
            ["--key", "deploy-42", "--state", "firing", "-c", API_ID, "-cs", "major_outage", "--no-notify"];
        let out = host.run::<Nobl9>("apply_incident", &words).unwrap();
        assert_eq!(host.requests().len(), 2, "a repeat only reads");
        assert_eq!(out.data["action"], "unchanged");
        assert_eq!(out.data["reason"], NO_NOTIFY);
        assert_eq!(out.data["components"], json!({API_ID: "majorOutage"}));
    }

    #[test]
    fn an_unknown_status_writes_nothing() {
        let host = scripted().reply(ok(sample_tree())).reply(history(json!([])));
        let words = ["--key", "k", "--state", "firing", "--set", "Database=under_maintenance"];
        let out = host.run::<Nobl9>("apply_incident", &words).unwrap();
        assert_eq!(host.lines(), [line("GET", "/status-page/components"), changes(DB_ID)]);
        assert_eq!(out.data["action"], "skipped");
        assert!(
            out.data["reason"]
                .as_str()
                .unwrap()
                .starts_with("unknown status `under_maintenance` for Database")
        );
        assert_eq!(out.data["components"], json!({"Database": "operational"}));
    }

    #[test]
    fn resolving_without_components_looks_everywhere_and_steps_down() {
        // The tree has five components: the key fired on API Service (with another key) only.
        let api = json!([
            entry("majorOutage", &fired("other", "degradedPerformance")),
            entry("majorOutage", &fired("deploy-42", "majorOutage"))
        ]);
        let answer = json!({"newStatus": "degradedPerformance"});
        let host = scripted()
            .reply(ok(sample_tree()))
            .reply(history(json!([])))
            .reply(history(api))
            .reply(history(json!([entry("majorOutage", "by hand")])))
            .reply(history(json!([])))
            .reply(history(json!([])))
            .reply(ok(answer));
        let out =
            host.run::<Nobl9>("apply_incident", &["--key", "deploy-42", "--state", "resolved"]).unwrap();
        assert_eq!(host.lines()[6], change_status(API_ID));
        let sent =
            format!("[statusctl key={} state=resolved status=degradedPerformance]", key_hash("deploy-42"));
        assert_eq!(host.requests()[6].json()["comment"], sent);
        assert_eq!(host.requests()[6].json()["status"], "degradedPerformance");
        assert_eq!(out.text.as_deref(), Some("resolved key deploy-42 (API Service=degradedPerformance)\n"));
    }

    #[test]
    fn a_held_component_is_skipped_and_other_components_still_apply() {
        let held = json!([
            entry("degradedPerformance", "we are on it"),
            entry("majorOutage", &fired("k", "majorOutage"))
        ]);
        let host = scripted()
            .reply(ok(sample_tree()))
            .reply(history(held))
            .reply(history(json!([])))
            .reply(ok(json!({"newStatus": "majorOutage"})));
        let words =
            ["--key", "k", "--state", "firing", "-c", "API Service", "-c", "Database", "-cs", "major_outage"];
        let out = host.run::<Nobl9>("apply_incident", &words).unwrap();
        assert_eq!(host.lines()[3], change_status(DB_ID));
        assert_eq!(out.data["action"], "created");
        assert_eq!(out.data["reason"], format!("API Service: {HELD}"));
        assert_eq!(
            out.data["components"],
            json!({"API Service": "degradedPerformance", "Database": "majorOutage"})
        );
        // Alone, it is skipped with the plain reason.
        let held = json!([
            entry("degradedPerformance", "we are on it"),
            entry("majorOutage", &fired("k", "majorOutage"))
        ]);
        let host = scripted().reply(ok(sample_tree())).reply(history(held));
        let out = host
            .run::<Nobl9>(
                "apply_incident",
                &["--key", "k", "--state", "resolved", "--set", &format!("{API_ID}=major_outage")],
            )
            .unwrap();
        assert_eq!((out.data["action"].as_str(), out.data["reason"].as_str()), (Some("skipped"), Some(HELD)));
    }

    #[test]
    fn release_keeps_the_status_and_hands_it_over() {
        let host = scripted()
            .reply(ok(sample_tree()))
            .reply(history(json!([entry("majorOutage", &fired("k", "majorOutage"))])))
            .reply(ok(json!({"newStatus": "majorOutage"})));
        let words = ["--key", "k", "--state", "firing", "--release", "-c", API_ID, "-cs", "major_outage"];
        let out = host.run::<Nobl9>("apply_incident", &words).unwrap();
        assert_eq!(
            host.requests()[2].json(),
            json!({"status": "majorOutage", "propagateUp": false, "comment": release_note(&key_hash("k"))})
        );
        assert_eq!(out.data["action"], "released");
    }

    #[test]
    fn a_dry_run_plans_every_write() {
        let host =
            scripted().dry_run().reply(ok(sample_tree())).reply(history(json!([]))).reply(history(json!([])));
        let words = ["--key", "k", "--state", "firing", "-c", API_ID, "-c", DB_ID, "-cs", "major_outage"];
        let out = host.run::<Nobl9>("apply_incident", &words).unwrap();
        let posts: Vec<String> = host.lines().into_iter().filter(|l| l.starts_with("POST")).collect();
        assert_eq!(posts, [change_status(API_ID), change_status(DB_ID)]);
        assert_eq!(out.data["action"], "created");
    }

    #[test]
    fn bad_input_is_a_usage_error_before_anything_is_sent() {
        let host = scripted();
        for words in [
            &["--key", "k", "--state", "firing"][..],
            &["--key", "k", "--state", "firing", "--set", "A=major_outage", "--started-at", "yesterday"][..],
        ] {
            let err = host.run::<Nobl9>("apply_incident", words).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Usage, "{words:?}");
        }
        assert!(host.requests().is_empty());
    }

    #[test]
    fn a_404_on_the_history_is_the_endpoint_error() {
        let host = scripted().reply(ok(sample_tree())).reply(Reply::status(404, "404 page not found"));
        let words = ["--key", "k", "--state", "firing", "-c", API_ID, "-cs", "major_outage"];
        let err = host.run::<Nobl9>("apply_incident", &words).unwrap_err();
        assert!(err.message.contains("endpoint not available on this Nobl9 instance"), "{}", err.message);
    }
}
