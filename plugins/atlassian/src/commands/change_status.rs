use statusctl_plugin_api::serde_json::{Map, Value, json};
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, ErrorKind, Output};

use crate::common::{self, COMPONENT_STATUSES};
use crate::{components, incident_fields};

pub fn declare() -> CommandDecl {
    CommandDecl::new("change_status", "Set components' status, optionally through an incident")
        .long_about(
            "Set one or more components to a status. With --incident the change is made through that \
             incident (and recorded in its updates); otherwise each component is updated directly.",
        )
        .mutating()
        .args(common::args())
        .arg(incident_fields::components_arg().required())
        .arg(
            ArgDecl::value("component_status")
                .dash_alias("cs")
                .choices(&COMPONENT_STATUSES)
                .required()
                .help("The new status"),
        )
        .arg(ArgDecl::value("incident").dash_alias("ic").help("Make the change through this incident"))
        .args(common::message_args())
        .example("statusctl statuspage:change-status -c API Website -cs degraded_performance")
}

pub fn run(call: &Call<'_>) -> Result<Output, Error> {
    let (client, page) = common::connect(call)?;
    let status = call.args.str("component_status").unwrap_or("operational");
    let message = common::message(call)?;
    let ids = components::resolve(&client, &page, &call.args.list("components"))?;
    if let Some(incident) = call.args.str("incident") {
        let map: Map<String, Value> = ids.iter().map(|id| (id.clone(), json!(status))).collect();
        let mut fields = json!({"components": map, "component_ids": ids});
        if let Some(body) = message {
            fields["body"] = json!(body);
        }
        let req = client
            .request("PATCH", &format!("/pages/{page}/incidents/{incident}"))
            .json(&json!({ "incident": fields }))
            .idempotent(true);
        let updated = client.json(&req)?;
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
