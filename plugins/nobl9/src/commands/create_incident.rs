use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::status_change::{self, Change};
use crate::token::TokenCache;
use crate::{common, components, status};

pub fn declare() -> CommandDecl {
    CommandDecl::new("create_incident", "Open an incident on a component (set its severity)")
        .long_about(
            "The shared incident vocabulary on Nobl9, where incidents follow component statuses: sets the \
             component to the severity with the message as comment \
             (POST /status-page/components/{id}/change-status).",
        )
        .mutating()
        .args(common::args())
        .arg(common::component_arg())
        .arg(common::severity_arg().required())
        .arg(common::message_arg())
        .arg(
            ArgDecl::value("title")
                .short('t')
                .value_name("TEXT")
                .help("Used as the comment when -m is absent"),
        )
        .arg(common::propagate_arg())
        .example("statusctl nobl9:create-incident -c \"API Service\" -cs major_outage -m \"API down\"")
}

pub fn run(call: &Call<'_>, tokens: &TokenCache) -> Result<Output, Error> {
    let component = common::required(call, "component", "-c COMPONENT")?;
    let severity = status::parse_severity(call.args.str("severity").unwrap_or_default())?;
    let comment = call.args.str("message").or(call.args.str("title")).filter(|c| !c.is_empty());
    let client = common::connect(call, tokens)?;
    let id = components::resolve(&client, &component)?;
    let change =
        Change { component_id: &id, status: severity, comment, propagate: call.args.flag("propagate") };
    let result = status_change::apply(&client, change)?;
    let text = super::resolve_incident::line("✅ Incident created", &result);
    Ok(Output::data(result).with_text(text))
}

#[cfg(test)]
mod tests {
    use crate::components::{API_ID, sample_tree};
    use crate::fake_host::{FakeHost, api, reply, run};
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    #[test]
    fn a_severity_change_with_the_message_as_comment() {
        let answer = json!({"componentName": "API Service", "previousStatus": "operational", "newStatus": "majorOutage"});
        let fake = FakeHost::scripted()
            .reply(reply(200, &sample_tree().to_string()))
            .reply(reply(200, &answer.to_string()));
        let args = json!({"component": "API Service", "severity": "major_outage", "message": "API down", "title": "ignored"});
        let out = run(&fake, "create_incident", args).unwrap();
        assert_eq!(
            fake.calls()[1],
            format!("POST {}", api(&format!("/status-page/components/{API_ID}/change-status")))
        );
        assert_eq!(
            fake.body(1),
            json!({"status": "majorOutage", "propagateUp": false, "comment": "API down"})
        );
        assert_eq!(
            out.text.as_deref(),
            Some("✅ Incident created: API Service is majorOutage (was operational)\n")
        );
        assert_eq!(out.data, answer);
    }

    #[test]
    fn the_title_is_the_comment_without_a_message() {
        let fake = FakeHost::scripted().reply(reply(200, "{}"));
        let args = json!({"component": API_ID, "severity": "degradedPerformance", "title": "Slow", "propagate": true});
        run(&fake, "create_incident", args).unwrap();
        assert_eq!(
            fake.body(0),
            json!({"status": "degradedPerformance", "propagateUp": true, "comment": "Slow"})
        );
    }

    #[test]
    fn statuspage_only_statuses_are_refused_before_sending() {
        let fake = FakeHost::scripted();
        for bad in ["partial_outage", "under_maintenance", "operational"] {
            let err =
                run(&fake, "create_incident", json!({"component": API_ID, "severity": bad})).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Usage);
            assert!(err.message.starts_with(&format!("invalid severity `{bad}`")));
        }
        assert!(fake.requests().is_empty());
    }

    #[test]
    fn the_severity_is_spelled_cs_too() {
        let decl = super::declare();
        let severity = decl.args.iter().find(|a| a.id == "severity").unwrap();
        assert_eq!(severity.spellings(), ["--severity", "--component-status", "-cs"]);
        assert!(severity.choices.is_empty() && severity.required);
    }
}
