use serde::Deserialize;
use statusctl_plugin_api::serde_json::{Value, json};
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, ErrorKind, Output};

use crate::common::{self, COMPONENT_STATUSES, MessageArgs};
use crate::{Statuspage, components, incident_fields, schema};

pub struct ChangeStatus;

#[derive(Deserialize)]
struct ChangeArgs {
    components: Vec<String>,
    component_status: String,
    incident: Option<String>,
    #[serde(flatten)]
    message: MessageArgs,
}

impl Command<Statuspage> for ChangeStatus {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("change_status", "Set components' status, optionally through an incident")
            .long_about(
                "Set one or more components to a status. With --incident the change is made through that \
                 incident (and recorded in its updates); otherwise each component is updated directly.",
            )
            // PATCHes to a given status: setting it twice leaves the same status.
            .changes()
            .idempotent()
            .output_schema_text(schema::STATUS_CHANGE)
            .args(common::args())
            .arg(incident_fields::components_arg().required())
            .arg(
                ArgDecl::value("component_status")
                    .dash_alias("cs")
                    .choices(&COMPONENT_STATUSES)
                    .required()
                    .help("The new status"),
            )
            .arg(common::incident_arg("Make the change through this incident"))
            .args(common::message_args())
            .example("statusctl statuspage:change-status -c API Website -cs degraded_performance")
    }

    fn run(&self, _: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let args: ChangeArgs = call.args.parse()?;
        let status = args.component_status.as_str();
        let message = args.message.read()?;
        let ids = components::resolve(&client, &page, &args.components)?;
        if let Some(incident) = &args.incident {
            let mut fields = json!({"components": components::statuses(&ids, status), "component_ids": ids});
            if let Some(body) = message {
                fields["body"] = json!(body);
            }
            let updated = client.patch_incident(&page, incident, fields)?;
            let text = format!("set {} component(s) to {status} through incident {incident}\n", ids.len());
            return Ok(Output::data(updated).with_text(text));
        }
        if message.is_some() {
            return Err(Error::usage("--message needs --incident: a component has no message of its own"));
        }
        let mut changed = Vec::new();
        let mut text = String::new();
        let mut held_back = None;
        for id in &ids {
            let req = client
                .request("PATCH", &format!("/pages/{page}/components/{id}"))
                .json(&json!({"component": {"status": status}}))
                .idempotent(true);
            let component = match client.json(&req) {
                Ok(component) => component,
                // --dry-run: the plan shows every PATCH, not just the first.
                Err(err) if err.kind == ErrorKind::DryRun => {
                    held_back = Some(err);
                    continue;
                }
                Err(err) => return Err(err),
            };
            text.push_str(&format!("{}  {}  {}\n", id, status, component["name"].as_str().unwrap_or("")));
            changed.push(component);
        }
        if let Some(err) = held_back {
            return Err(err);
        }
        Ok(Output::data(Value::Array(changed)).with_text(text))
    }
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;
    use statusctl_plugin_api::testing::{Reply, TestHost};

    use crate::Statuspage;

    const PAGE: &str = "https://api.statuspage.io/v1/pages/page1";

    #[test]
    fn patches_each_component_and_lists_them() {
        let host = TestHost::new()
            .reply(Reply::json(200, &json!({"id": "apicomponent", "name": "API", "status": "major_outage"})))
            .reply(Reply::json(
                200,
                &json!({"id": "webcomponent", "name": "Website", "status": "major_outage"}),
            ));
        let words = [
            "-tk",
            "tok-secret-1",
            "-p",
            "page1",
            "-c",
            "apicomponent",
            "webcomponent",
            "-cs",
            "major_outage",
        ];
        let out = host.run::<Statuspage>("change_status", &words).unwrap();
        assert_eq!(
            out.text.as_deref(),
            Some("apicomponent  major_outage  API\nwebcomponent  major_outage  Website\n")
        );
        assert_eq!(out.data.as_array().map(Vec::len), Some(2));
        for (req, id) in host.requests().iter().zip(["apicomponent", "webcomponent"]) {
            assert_eq!(req.line(), format!("PATCH {PAGE}/components/{id}"));
            assert_eq!(req.header("Authorization"), Some("OAuth ***"));
            assert_eq!(req.body.as_deref(), Some(r#"{"component":{"status":"major_outage"}}"#));
            assert!(req.idempotent);
        }
    }

    #[test]
    fn through_an_incident_it_is_one_patch_with_the_message() {
        let host = TestHost::new().reply(Reply::json(200, &json!({"id": "inc000000001", "name": "x"})));
        let words = [
            "-tk",
            "tok-secret-1",
            "-p",
            "page1",
            "-c",
            "apicomponent",
            "-cs",
            "partial_outage",
            "-ic",
            "inc000000001",
            "-m",
            "Degraded",
        ];
        let out = host.run::<Statuspage>("change_status", &words).unwrap();
        assert_eq!(
            out.text.as_deref(),
            Some("set 1 component(s) to partial_outage through incident inc000000001\n")
        );
        let [req] = host.requests().try_into().unwrap();
        assert_eq!(req.line(), format!("PATCH {PAGE}/incidents/inc000000001"));
        assert_eq!(
            req.body.as_deref(),
            Some(
                r#"{"incident":{"components":{"apicomponent":"partial_outage"},"component_ids":["apicomponent"],"body":"Degraded"}}"#
            )
        );
        assert!(req.idempotent);
    }

    #[test]
    fn a_dry_run_plans_every_patch() {
        let host = TestHost::new().dry_run();
        let words = [
            "-tk",
            "tok-secret-1",
            "-p",
            "page1",
            "-c",
            "apicomponent",
            "webcomponent",
            "-cs",
            "operational",
        ];
        let err = host.run::<Statuspage>("change_status", &words).unwrap_err();
        assert_eq!(err.kind, ErrorKind::DryRun);
        assert_eq!(
            host.lines(),
            [
                format!("PATCH {PAGE}/components/apicomponent"),
                format!("PATCH {PAGE}/components/webcomponent")
            ]
        );
    }

    #[test]
    fn a_message_needs_an_incident() {
        let host = TestHost::new();
        let words =
            ["-tk", "tok-secret-1", "-p", "page1", "-c", "apicomponent", "-cs", "operational", "-m", "x"];
        let err = host.run::<Statuspage>("change_status", &words).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert!(host.requests().is_empty());
    }
}
