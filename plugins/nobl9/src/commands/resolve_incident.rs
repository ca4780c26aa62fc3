use serde::Deserialize;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::incident::{self, Note};
use crate::{Nobl9, common, schema, status};

pub struct ResolveIncident;

#[derive(Deserialize)]
struct Args {
    component: String,
    message: Option<String>,
    #[serde(default)]
    propagate: bool,
}

impl Command<Nobl9> for ResolveIncident {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("resolve_incident", "Resolve a component's incident (back to operational)")
            .long_about(
                "The shared incident vocabulary on Nobl9: sets the component back to operational, which resolves \
                 its ongoing incident (POST /status-page/components/{id}/change-status).",
            )
            // Sets a status: running it twice leaves the component operational.
            .changes()
            .idempotent()
            .output_schema_text(schema::STATUS_CHANGE)
            .args(common::args())
            .arg(common::component_arg())
            .arg(common::message_arg())
            .arg(common::propagate_arg())
            .example("statusctl nobl9:resolve-incident -c \"API Service\" -m \"Service restored\"")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let note = Note { comment: args.message.as_deref(), propagate: args.propagate };
        incident::set(
            call,
            plugin,
            &args.component,
            |_, _| Ok(status::OPERATIONAL),
            note,
            "✅ Incident resolved",
        )
    }
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::serde_json::json;

    use crate::Nobl9;
    use crate::test_fixtures::{API_ID, line, ok, scripted};

    #[test]
    fn back_to_operational() {
        let answer = json!({"componentName": "API Service", "previousStatus": "majorOutage", "newStatus": "operational"});
        let host = scripted().reply(ok(answer.clone())).reply(ok(answer));
        let out = host.run::<Nobl9>("resolve_incident", &["-c", API_ID, "-m", "Service restored"]).unwrap();
        assert_eq!(host.lines(), [line("POST", &format!("/status-page/components/{API_ID}/change-status"))]);
        assert_eq!(
            host.requests()[0].json(),
            json!({"status": "operational", "propagateUp": false, "comment": "Service restored"})
        );
        assert_eq!(
            out.text.as_deref(),
            Some("✅ Incident resolved: API Service is operational (was majorOutage)\n")
        );
        host.run::<Nobl9>("resolve_incident", &["-c", API_ID, "--propagate"]).unwrap();
        assert_eq!(host.requests()[1].json(), json!({"status": "operational", "propagateUp": true}));
    }
}
