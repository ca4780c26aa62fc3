use serde::Deserialize;
use statusctl_plugin_api::serde_json::{Map, Value, json};
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::common::{self, MessageArgs};
use crate::{Statuspage, components, conan_text, incident_fields, schema};

pub struct ResolveIncident;

#[derive(Deserialize)]
struct ResolveArgs {
    incident: Option<String>,
    event: Option<String>,
    #[serde(default)]
    components: Vec<String>,
    #[serde(flatten)]
    message: MessageArgs,
    #[serde(default)]
    no_notify: bool,
}

impl Command<Statuspage> for ResolveIncident {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("resolve_incident", "Resolve an incident or complete a maintenance")
            .long_about(
                "Resolve an incident (--event incident) or complete a maintenance (--event maintenance) \
                 (patchPagesPageIdIncidentsIncidentId). Components given with -c are set back to operational; \
                 Statuspage does not do that by itself.",
            )
            // A PATCH to a final state: resolving twice leaves it resolved.
            .changes()
            .idempotent()
            .output_schema_text(schema::INCIDENT)
            .args(common::args())
            .arg(common::incident_arg("Incident or maintenance id (required)"))
            .arg(
                ArgDecl::value("event")
                    .short('e')
                    .choices(&["maintenance", "incident"])
                    .help("What is resolved (required)"),
            )
            .arg(incident_fields::components_arg())
            .args(common::message_args())
            .arg(incident_fields::no_notify_arg())
            .example("statusctl statuspage:resolve-incident -ic INCIDENT -e incident -c API -m \"Fixed\"")
    }

    fn run(&self, _: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let args: ResolveArgs = call.args.parse()?;
        let incident = common::incident_id(args.incident.as_deref())?;
        let event = args.event.ok_or_else(|| Error::usage("Event type is required."))?;
        let message = args.message.read()?;
        let mut fields = Map::new();
        fields.insert("status".into(), json!(if event == "maintenance" { "completed" } else { "resolved" }));
        fields.insert("impact_override".into(), json!("none"));
        if !args.components.is_empty() {
            let ids = components::resolve(&client, &page, &args.components)?;
            fields.insert("components".into(), components::statuses(&ids, "operational"));
            fields.insert("component_ids".into(), json!(ids));
        }
        if let Some(body) = message {
            fields.insert("body".into(), json!(body));
        }
        if args.no_notify {
            fields.insert("deliver_notifications".into(), json!(false));
        }
        let resolved = client.patch_incident(&page, &incident, Value::Object(fields))?;
        Ok(Output::data(resolved.clone()).with_text(conan_text::resolved(&resolved)))
    }
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;
    use statusctl_plugin_api::testing::{Reply, TestHost};

    use crate::Statuspage;

    const URL: &str = "https://api.statuspage.io/v1/pages/page1/incidents/mnt000000001";

    #[test]
    fn completes_a_maintenance_and_sets_its_components_back_to_operational() {
        let resolved = json!({"id": "mnt000000001", "created_at": "c", "updated_at": "u", "name": "DB upgrade",
            "status": "completed", "impact": "maintenance", "shortlink": "https://stspg.io/m"});
        let host = TestHost::new().reply(Reply::json(200, &resolved));
        let words = [
            "-tk",
            "tok-secret-1",
            "-p",
            "page1",
            "-ic",
            "mnt000000001",
            "-e",
            "maintenance",
            "-c",
            "apicomponent",
            "-m",
            "Done",
        ];
        let out = host.run::<Statuspage>("resolve_incident", &words).unwrap();
        // Conan says "Resolved incident:" for a maintenance too.
        assert_eq!(
            out.text.as_deref(),
            Some(
                "Resolved incident:\nIncident ID: mnt000000001\nCreated at: c\nUpdated at: u\nName: DB upgrade\n\
                 Status: completed\nImpact: maintenance\nURL: https://stspg.io/m\n\n"
            )
        );
        let [req] = host.requests().try_into().unwrap();
        assert_eq!((req.method.as_str(), req.url.as_str()), ("PATCH", URL));
        assert_eq!(req.header("Authorization"), Some("OAuth ***"));
        assert_eq!(
            req.body.as_deref(),
            Some(
                r#"{"incident":{"status":"completed","impact_override":"none","components":{"apicomponent":"operational"},"component_ids":["apicomponent"],"body":"Done"}}"#
            )
        );
        assert!(req.idempotent);
    }

    #[test]
    fn an_unknown_incident_is_one_line_naming_what_to_check() {
        let body = r#"{"error": "The requested resource could not be found."}"#;
        let host = TestHost::new().reply(Reply::status(404, body));
        let words = ["-tk", "tok-secret-1", "-p", "page1", "-ic", "mnt000000001", "-e", "incident"];
        let err = host.run::<Statuspage>("resolve_incident", &words).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Failed);
        assert_eq!(
            err.message,
            "PATCH /v1/pages/page1/incidents/mnt000000001: 404 Not Found: The requested resource could not be \
             found. (check the page and incident or component ids)"
        );
        assert_eq!(
            host.requests()[0].json(),
            json!({"incident": {"status": "resolved", "impact_override": "none"}})
        );
    }

    #[test]
    fn the_event_is_required() {
        let host = TestHost::new();
        let err = host
            .run::<Statuspage>("resolve_incident", &["-tk", "tok-secret-1", "-p", "page1", "-ic", "x"])
            .unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Usage, "Event type is required."));
    }
}
