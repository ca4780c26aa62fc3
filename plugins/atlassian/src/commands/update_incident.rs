use statusctl_plugin_api::serde_json::json;
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::{common, conan_text, incident_fields};

pub fn declare() -> CommandDecl {
    CommandDecl::new("update_incident", "Update an incident (status, message, components, impact)")
        .long_about("Update an existing incident in the Status Page (patchPagesPageIdIncidentsIncidentId).")
        .mutating()
        .args(common::args())
        .arg(ArgDecl::value("incident").dash_alias("ic").help("Incident id (required)"))
        .args(incident_fields::args("New title"))
        .example("statusctl statuspage:update-incident -ic INCIDENT -s identified -m \"Root cause found\"")
}

pub fn run(call: &Call<'_>) -> Result<Output, Error> {
    let (client, page) = common::connect(call)?;
    let incident = common::incident_id(call)?;
    let title = common::title(call, true)?;
    let fields = incident_fields::build(call, &client, &page, title)?;
    // A resend leaves the same state (at worst a repeated update entry), so retries are allowed.
    let req = client
        .request("PATCH", &format!("/pages/{page}/incidents/{incident}"))
        .json(&json!({ "incident": fields }))
        .idempotent(true);
    let updated = client.json(&req)?;
    Ok(Output::data(updated.clone()).with_text(conan_text::updated(&updated)))
}
