use serde::Deserialize;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::client::{self, PER_PAGE, Pager};
use crate::{Statuspage, common, list_limit, schema};

const VIEWS: [(&str, &str); 4] = [
    ("unresolved", "unresolved"),
    ("scheduled", "scheduled"),
    ("upcoming", "upcoming"),
    ("active_maintenance", "active_maintenance"),
];

pub struct ListIncidents;

#[derive(Deserialize)]
struct ListArgs {
    query: Option<String>,
}

impl Command<Statuspage> for ListIncidents {
    fn declare(&self) -> CommandDecl {
        let mut cmd =
            CommandDecl::new("list_incidents", "List incidents (all pages, paced to the rate limit)")
                .reads()
                .output_schema_text(schema::INCIDENTS)
                .args(common::args())
                .arg(ArgDecl::value("query").help("Text search over names, statuses and updates"))
                .arg(list_limit::arg("incidents"));
        for (id, _) in VIEWS {
            let others: Vec<&str> = VIEWS.iter().map(|(o, _)| *o).filter(|o| *o != id).collect();
            let mut arg = ArgDecl::flag(id).help(match id {
                "unresolved" => "Only unresolved incidents",
                "scheduled" => "Only scheduled maintenances",
                "upcoming" => "Only maintenances that have not started",
                _ => "Only maintenances in progress",
            });
            for other in others {
                arg = arg.conflicts_with(other);
            }
            cmd = cmd.arg(arg);
        }
        cmd.example("statusctl statuspage:list-incidents --unresolved -f json")
    }

    fn run(&self, _: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let args: ListArgs = call.args.parse()?;
        let limit = list_limit::read(call)?;
        let view = VIEWS.iter().find(|(id, _)| call.args.flag(id)).map(|(_, path)| *path);
        let items = match (view, args.query.as_deref()) {
            (Some(path), None) => {
                client.get_all(&format!("/pages/{page}/incidents/{path}"), limit)?.shown(client.host())
            }
            // These views take no `q`: filter here, and only then apply --limit.
            (Some(path), Some(q)) => {
                let items = client.get_all(&format!("/pages/{page}/incidents/{path}"), None)?;
                let items = items.shown(client.host());
                items.into_iter().filter(|i| matches(i, q)).take(limit.unwrap_or(usize::MAX)).collect()
            }
            // The plain list pages with `limit`, not `per_page`.
            (None, query) => {
                let path = format!("/pages/{page}/incidents");
                // A small --limit asks for no more than it needs.
                let per = limit.map_or(PER_PAGE, |l| l.min(PER_PAGE));
                let mut pager = Pager::new(per, limit);
                let mut items = Vec::new();
                while let Some(batch) = pager.next(|n| {
                    let req = client
                        .request("GET", &path)
                        .query("page", n.to_string())
                        .query("limit", per.to_string())
                        .query_opt("q", query);
                    client::list(&req, client.json(&req)?)
                })? {
                    items.extend(batch);
                }
                pager.listed(client.what("GET", &path), items).shown(client.host())
            }
        };
        let text = table(&items);
        Ok(Output::data(Value::Array(items)).with_text(text))
    }
}

/// The API's `q` rule (name, status, postmortem and update bodies), for the views that
/// take no `q`.
fn matches(incident: &Value, query: &str) -> bool {
    let q = query.to_lowercase();
    let has = |v: &Value| v.as_str().is_some_and(|v| v.to_lowercase().contains(&q));
    ["name", "status", "postmortem_body"].iter().any(|k| has(&incident[k]))
        || incident["incident_updates"].as_array().is_some_and(|u| u.iter().any(|u| has(&u["body"])))
}

fn table(items: &[Value]) -> String {
    if items.is_empty() {
        return "no incidents\n".into();
    }
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    let mut out =
        format!("{:<12}  {:<17}  {:<11}  {:<24}  {}\n", "ID", "STATUS", "IMPACT", "CREATED", "NAME");
    for i in items {
        out.push_str(&format!(
            "{:<12}  {:<17}  {:<11}  {:<24}  {}\n",
            s(i, "id"),
            s(i, "status"),
            s(i, "impact"),
            s(i, "created_at"),
            s(i, "name")
        ));
    }
    out
}
