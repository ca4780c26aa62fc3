use statusctl_plugin_api::serde_json::json;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::client::check;
use crate::{Statuspage, common, schema};

pub struct DeleteIncident;

impl Command<Statuspage> for DeleteIncident {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("delete_incident", "Delete an incident or maintenance for good")
            // Deleting twice leaves it deleted (a resent DELETE finds nothing: see run).
            .destroys()
            .idempotent()
            .output_schema_text(schema::DELETED_INCIDENT)
            .args(common::args())
            .arg(common::incident_arg("Incident id (required)"))
    }

    fn run(&self, _: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let id = common::incident_id(call.args.str("incident"))?;
        let req = client.request("DELETE", &format!("/pages/{page}/incidents/{id}"));
        let resp = client.send(&req)?;
        // A DELETE resent after a lost answer finds nothing: the first one did the job.
        if resp.status == 404 && resp.attempts > 1 {
            let text = format!("Deleted incident {id} (an earlier attempt did it; its answer was lost)\n");
            return Ok(Output::data(json!({"id": id, "deleted": true})).with_text(text));
        }
        let deleted = check(&req, resp)?.json()?;
        let text = format!(
            "Deleted incident {} ({})\n",
            deleted["id"].as_str().unwrap_or(&id),
            deleted["name"].as_str().unwrap_or("?")
        );
        Ok(Output::data(deleted).with_text(text))
    }
}
