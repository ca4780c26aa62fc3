use statusctl_plugin_api::serde_json::json;
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::client::checked;
use crate::common;

pub fn declare() -> CommandDecl {
    CommandDecl::new("delete_incident", "Delete an incident or maintenance for good")
        .mutating()
        .args(common::args())
        .arg(ArgDecl::value("incident").dash_alias("ic").help("Incident id (required)"))
}

pub fn run(call: &Call<'_>) -> Result<Output, Error> {
    let (client, page) = common::connect(call)?;
    let id = common::incident_id(call)?;
    let req = client.request("DELETE", &format!("/pages/{page}/incidents/{id}"));
    let resp = client.send(&req)?;
    // A DELETE resent after a lost answer finds nothing: the first one did the job.
    if resp.status == 404 && resp.attempts > 1 {
        let text = format!("Deleted incident {id} (an earlier attempt did it; its answer was lost)\n");
        return Ok(Output::data(json!({"id": id, "deleted": true})).with_text(text));
    }
    let deleted = checked(&req, resp)?.json()?;
    let text = format!(
        "Deleted incident {} ({})\n",
        deleted["id"].as_str().unwrap_or(&id),
        deleted["name"].as_str().unwrap_or("?")
    );
    Ok(Output::data(deleted).with_text(text))
}
