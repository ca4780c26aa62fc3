use statusctl_plugin_api::serde_json::{Map, Value, json};
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::{common, components, conan_text, incident_fields};

pub fn declare() -> CommandDecl {
    CommandDecl::new("resolve_incident", "Resolve an incident or complete a maintenance")
        .long_about(
            "Resolve an incident (--event incident) or complete a maintenance (--event maintenance) \
             (patchPagesPageIdIncidentsIncidentId). Components given with -c are set back to operational; \
             Statuspage does not do that by itself.",
        )
        .mutating()
        .args(common::args())
        .arg(ArgDecl::value("incident").dash_alias("ic").help("Incident or maintenance id (required)"))
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

pub fn run(call: &Call<'_>) -> Result<Output, Error> {
    let (client, page) = common::connect(call)?;
    let incident = common::incident_id(call)?;
    let event = call.args.str("event").ok_or_else(|| Error::usage("Event type is required."))?;
    let message = common::message(call)?;
    let mut fields = Map::new();
    fields.insert("status".into(), json!(if event == "maintenance" { "completed" } else { "resolved" }));
    fields.insert("impact_override".into(), json!("none"));
    let wanted = call.args.list("components");
    if !wanted.is_empty() {
        let ids = components::resolve(&client, &page, &wanted)?;
        let map: Map<String, Value> = ids.iter().map(|id| (id.clone(), json!("operational"))).collect();
        fields.insert("components".into(), Value::Object(map));
        fields.insert("component_ids".into(), json!(ids));
    }
    if let Some(body) = message {
        fields.insert("body".into(), json!(body));
    }
    if call.args.flag("no_notify") {
        fields.insert("deliver_notifications".into(), json!(false));
    }
    let req = client
        .request("PATCH", &format!("/pages/{page}/incidents/{incident}"))
        .json(&json!({ "incident": fields }))
        .idempotent(true);
    let resolved = client.json(&req)?;
    Ok(Output::data(resolved.clone()).with_text(conan_text::resolved(&resolved)))
}
