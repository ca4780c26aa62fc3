use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

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
    let deleted = client.json(&client.request("DELETE", &format!("/pages/{page}/incidents/{id}")))?;
    let text = format!(
        "Deleted incident {} ({})\n",
        deleted["id"].as_str().unwrap_or(&id),
        deleted["name"].as_str().unwrap_or("?")
    );
    Ok(Output::data(deleted).with_text(text))
}
