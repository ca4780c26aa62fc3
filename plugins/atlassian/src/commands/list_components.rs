use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::{Statuspage, common, list_limit, schema};

pub struct ListComponents;

impl Command<Statuspage> for ListComponents {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("list_components", "List the page's components, grouped")
            .reads()
            .output_schema_text(schema::COMPONENTS)
            .args(common::args())
            .arg(list_limit::arg("components"))
    }

    fn run(&self, _: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let limit = list_limit::read(call)?;
        let all = client.get_all(&format!("/pages/{page}/components"), limit)?.shown(client.host());
        let text = tree(&all);
        Ok(Output::data(Value::Array(all)).with_text(text))
    }
}

/// Groups with their members indented under them, then ungrouped components.
fn tree(all: &[Value]) -> String {
    if all.is_empty() {
        return "no components\n".into();
    }
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    // Members are indented in the name column, so ids and statuses stay aligned.
    let line = |c: &Value, indent: &str| {
        format!("{:<12}  {:<20}  {indent}{}\n", s(c, "id"), s(c, "status"), s(c, "name"))
    };
    let mut out = format!("{:<12}  {:<20}  {}\n", "ID", "STATUS", "NAME");
    for group in all.iter().filter(|c| c["group"].as_bool() == Some(true)) {
        out.push_str(&format!(
            "{:<12}  {:<20}  {} (group)\n",
            s(group, "id"),
            s(group, "status"),
            s(group, "name")
        ));
        for member in all
            .iter()
            .filter(|c| c["group_id"].as_str() == group["id"].as_str() && c["group"].as_bool() != Some(true))
        {
            out.push_str(&line(member, "  "));
        }
    }
    let group_ids: Vec<&str> =
        all.iter().filter(|c| c["group"].as_bool() == Some(true)).filter_map(|g| g["id"].as_str()).collect();
    for c in all.iter().filter(|c| c["group"].as_bool() != Some(true)) {
        if !c["group_id"].as_str().is_some_and(|g| group_ids.contains(&g)) {
            out.push_str(&line(c, ""));
        }
    }
    out
}
