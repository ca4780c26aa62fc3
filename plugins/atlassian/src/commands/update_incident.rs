use serde::Deserialize;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::incident_fields::{self, IncidentArgs};
use crate::{Statuspage, common, conan_text, schema};

pub struct UpdateIncident;

#[derive(Deserialize)]
struct UpdateArgs {
    incident: Option<String>,
    #[serde(flatten)]
    fields: IncidentArgs,
}

impl Command<Statuspage> for UpdateIncident {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("update_incident", "Update an incident (status, message, components, impact)")
            .long_about(
                "Update an existing incident in the Status Page (patchPagesPageIdIncidentsIncidentId).",
            )
            // A PATCH to the same values: a resend leaves the same state (at worst a repeated
            // update entry).
            .changes()
            .idempotent()
            .output_schema_text(schema::INCIDENT)
            .args(common::args())
            .arg(common::incident_arg("Incident id (required)"))
            .args(incident_fields::args("New title"))
            .example(
                "statusctl statuspage:update-incident -ic INCIDENT -s identified -m \"Root cause found\"",
            )
    }

    fn run(&self, _: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let args: UpdateArgs = call.args.parse()?;
        let incident = common::incident_id(args.incident.as_deref())?;
        let title = common::title(args.fields.title.as_deref(), true)?;
        let fields = args.fields.fields(&client, &page, title)?;
        let updated = client.patch_incident(&page, &incident, Value::Object(fields))?;
        Ok(Output::data(updated.clone()).with_text(conan_text::updated(&updated)))
    }
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::serde_json::json;
    use statusctl_plugin_api::testing::{Reply, TestHost};

    use crate::Statuspage;

    const URL: &str = "https://api.statuspage.io/v1/pages/page1/incidents/inc000000001";

    #[test]
    fn patches_the_given_fields_in_conan_order_and_may_be_resent() {
        let components = json!([{"id": "apicomponent", "name": "API", "group": false},
            {"id": "grp000000001", "name": "API", "group": true}]);
        let updated = json!({"id": "inc000000001", "created_at": "2026-11-25T10:00:00.000Z",
            "updated_at": "2026-11-25T10:05:00.000Z", "name": "API slow", "status": "identified",
            "impact": "minor", "shortlink": null});
        let host = TestHost::new().reply(Reply::json(200, &components)).reply(Reply::json(200, &updated));
        let words = [
            "-tk",
            "tok-secret-1",
            "-p",
            "page1",
            "-ic",
            "inc000000001",
            "-t",
            "API slow",
            "-s",
            "identified",
            "-m",
            "Root cause found",
            "-c",
            "API",
            "--no-notify",
        ];
        let out = host.run::<Statuspage>("update_incident", &words).unwrap();
        assert_eq!(
            out.text.as_deref(),
            Some(
                "Updated incident:\nIncident ID: inc000000001\nCreated at: 2026-11-25T10:00:00.000Z\n\
                 Updated at: 2026-11-25T10:05:00.000Z\nName: API slow\nStatus: identified\nImpact: minor\nURL: None\n\n"
            )
        );
        // The name is looked up (groups are not components), then one PATCH.
        assert_eq!(
            host.lines(),
            [
                "GET https://api.statuspage.io/v1/pages/page1/components?page=1&per_page=100".to_string(),
                format!("PATCH {URL}")
            ]
        );
        let patch = &host.requests()[1];
        assert_eq!(patch.header("Authorization"), Some("OAuth ***"));
        assert_eq!(patch.header("Content-Type"), Some("application/json"));
        assert_eq!(
            patch.body.as_deref(),
            Some(
                r#"{"incident":{"name":"API slow","status":"identified","body":"Root cause found","component_ids":["apicomponent"],"deliver_notifications":false}}"#
            )
        );
        assert!(patch.idempotent, "an update is resent on failure");
    }

    #[test]
    fn the_incident_is_required_and_nothing_is_sent_without_it() {
        let host = TestHost::new();
        let err =
            host.run::<Statuspage>("update_incident", &["-tk", "tok-secret-1", "-p", "page1"]).unwrap_err();
        assert_eq!(err.message, "Incident ID is required.");
        let err = host
            .run::<Statuspage>(
                "update_incident",
                &["-tk", "t0k", "-p", "p", "-ic", "x", "-cs", "major_outage"],
            )
            .unwrap_err();
        assert!(err.message.starts_with("--component-status (-cs) needs the components"), "{}", err.message);
        assert!(host.requests().is_empty());
    }
}
