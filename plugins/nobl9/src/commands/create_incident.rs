use serde::Deserialize;
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::incident::{self, Note};
use crate::{Nobl9, common, schema, status};

pub struct CreateIncident;

#[derive(Deserialize)]
struct Args {
    component: String,
    severity: String,
    message: Option<String>,
    title: Option<String>,
    #[serde(default)]
    propagate: bool,
}

impl Command<Nobl9> for CreateIncident {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("create_incident", "Open an incident on a component (set its severity)")
            .long_about(
                "The shared incident vocabulary on Nobl9, where incidents follow component statuses: sets the \
                 component to the severity with the message as comment \
                 (POST /status-page/components/{id}/change-status).",
            )
            // Not idempotent, as a create: Nobl9 records each run as a status change.
            .changes()
            .output_schema_text(schema::STATUS_CHANGE)
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

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let severity = status::parse_severity(&args.severity)?;
        if let Some(title) = &args.title {
            common::one_line(title, "the title")?;
        }
        let comment = args.message.or(args.title);
        let note = Note { comment: comment.as_deref(), propagate: args.propagate };
        incident::set(call, plugin, &args.component, |_, _| Ok(severity), note, "✅ Incident created")
    }
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    use crate::Nobl9;
    use crate::test_fixtures::{API_ID, line, ok, sample_tree, scripted};

    #[test]
    fn a_severity_change_with_the_message_as_comment() {
        let answer = json!({"componentName": "API Service", "previousStatus": "operational", "newStatus": "majorOutage"});
        let host = scripted().reply(ok(sample_tree())).reply(ok(answer.clone()));
        let words = ["-c", "API Service", "-cs", "major_outage", "-m", "API down", "-t", "ignored"];
        let out = host.run::<Nobl9>("create_incident", &words).unwrap();
        assert_eq!(host.lines()[1], line("POST", &format!("/status-page/components/{API_ID}/change-status")));
        assert_eq!(
            host.requests()[1].json(),
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
        let host = scripted().reply(ok(json!({})));
        let words = ["-c", API_ID, "--severity", "degradedPerformance", "-t", "Slow", "--propagate"];
        host.run::<Nobl9>("create_incident", &words).unwrap();
        assert_eq!(
            host.requests()[0].json(),
            json!({"status": "degradedPerformance", "propagateUp": true, "comment": "Slow"})
        );
    }

    #[test]
    fn statuspage_only_statuses_are_refused_before_sending() {
        let host = scripted();
        for bad in ["partial_outage", "under_maintenance", "operational"] {
            let err = host.run::<Nobl9>("create_incident", &["-c", API_ID, "-cs", bad]).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Usage);
            assert!(err.message.starts_with(&format!("invalid severity `{bad}`")));
        }
        assert!(host.requests().is_empty());
    }

    #[test]
    fn the_severity_is_spelled_cs_too() {
        use statusctl_plugin_api::Command;
        let decl = super::CreateIncident.declare();
        let severity = decl.args.iter().find(|a| a.id == "severity").unwrap();
        assert_eq!(severity.spellings(), ["--severity", "--component-status", "-cs"]);
        assert!(severity.choices.is_empty() && severity.required);
    }

    #[test]
    fn control_characters_in_the_title_and_nul_anywhere_are_refused_before_sending() {
        let host = scripted();
        let err =
            host.run::<Nobl9>("create_incident", &["-c", API_ID, "-cs", "major_outage", "-t", "a\x1b[2Jb"]);
        assert_eq!(err.unwrap_err().kind, ErrorKind::Usage);
        let err = host
            .run::<Nobl9>("create_incident", &["-c", API_ID, "-cs", "major_outage", "-m", "a\0b"])
            .unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Usage, "--message contains a NUL character (U+0000)")
        );
        let err = host.run::<Nobl9>("create_incident", &["-c", "API\0", "-cs", "major_outage"]).unwrap_err();
        assert_eq!(err.message, "--component contains a NUL character (U+0000)");
        assert!(host.requests().is_empty());
        // Newlines and tabs in a message are fine.
        let host = scripted().reply(ok(json!({})));
        host.run::<Nobl9>("create_incident", &["-c", API_ID, "-cs", "major_outage", "-m", "a\n\tb"]).unwrap();
        assert_eq!(host.requests()[0].json()["comment"], "a\n\tb");
    }
}
