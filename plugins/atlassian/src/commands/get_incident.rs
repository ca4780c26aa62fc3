use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::{Statuspage, common, schema};

pub struct GetIncident;

impl Command<Statuspage> for GetIncident {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("get_incident", "Show one incident or maintenance with its updates")
            .reads()
            .output_schema_text(schema::INCIDENT)
            .args(common::args())
            .arg(common::incident_arg("Incident id (required)"))
    }

    fn run(&self, _: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let id = common::incident_id(call.args.str("incident"))?;
        let incident = client.get(&format!("/pages/{page}/incidents/{id}"))?;
        let text = describe(&incident);
        Ok(Output::data(incident).with_text(text))
    }
}

fn describe(i: &Value) -> String {
    let s = |k: &str| i[k].as_str().unwrap_or("-").to_string();
    let mut out = format!("{} ({})\n", s("name"), s("id"));
    out.push_str(&format!("Status: {}  Impact: {}\n", s("status"), s("impact")));
    out.push_str(&format!("Created at: {}  Updated at: {}\n", s("created_at"), s("updated_at")));
    if i["scheduled_for"].is_string() {
        out.push_str(&format!("Scheduled: {} to {}\n", s("scheduled_for"), s("scheduled_until")));
    }
    out.push_str(&format!("URL: {}\n", s("shortlink")));
    if let Some(components) = i["components"].as_array().filter(|c| !c.is_empty()) {
        out.push_str("Components:\n");
        for c in components {
            out.push_str(&format!(
                "  {} ({}): {}\n",
                c["name"].as_str().unwrap_or("-"),
                c["id"].as_str().unwrap_or("-"),
                c["status"].as_str().unwrap_or("-")
            ));
        }
    }
    if let Some(updates) = i["incident_updates"].as_array().filter(|u| !u.is_empty()) {
        out.push_str("Updates:\n");
        for u in updates {
            out.push_str(&format!(
                "  {} {}: {}\n",
                u["created_at"].as_str().unwrap_or("-"),
                u["status"].as_str().unwrap_or("-"),
                u["body"].as_str().unwrap_or("")
            ));
        }
    }
    out
}
