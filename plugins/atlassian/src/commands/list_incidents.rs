use serde::Deserialize;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::client::{self, PER_PAGE, Pager};
use crate::{Statuspage, apply, common, list_limit, schema};

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
    #[serde(default)]
    owned: bool,
    key: Option<String>,
}

impl Command<Statuspage> for ListIncidents {
    fn declare(&self) -> CommandDecl {
        let mut cmd =
            CommandDecl::new("list_incidents", "List incidents (all pages, paced to the rate limit)")
                .reads()
                .output_schema_text(schema::INCIDENTS)
                .args(common::args())
                .arg(ArgDecl::value("query").help("Text search over names, statuses and updates"))
                .arg(list_limit::arg("incidents"))
                .arg(ArgDecl::flag("owned").help(
                    "Only incidents statusctl owns (apply_incident's metadata.statusctl marker); text adds KEY and NOTIFIED",
                ))
                .arg(ArgDecl::value("key").value_name("KEY").help("With --owned: only the incidents of this alert key"));
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
        if args.key.is_some() && !args.owned {
            return Err(Error::usage("--key selects owned incidents: use it with --owned"));
        }
        if args.owned {
            // The marker is in metadata, which `q` does not search: read the whole list, then
            // keep the owned ones, then apply --limit.
            let path = match view {
                Some(view) => format!("/pages/{page}/incidents/{view}"),
                None => format!("/pages/{page}/incidents"),
            };
            let items = match view {
                Some(_) => client.get_all(&path, None)?.shown(client.host()),
                None => {
                    let mut pager = Pager::new(PER_PAGE, None);
                    let mut items = Vec::new();
                    while let Some(batch) = pager.next(|n| {
                        let req = client
                            .request("GET", &path)
                            .query("page", n.to_string())
                            .query("limit", PER_PAGE.to_string());
                        client::list(&req, client.json(&req)?)
                    })? {
                        items.extend(batch);
                    }
                    pager.listed(client.what("GET", &path), items).shown(client.host())
                }
            };
            let items: Vec<Value> = items
                .into_iter()
                .filter(|i| apply::owned(i, args.key.as_deref()))
                .filter(|i| args.query.as_deref().is_none_or(|q| matches(i, q)))
                .take(limit.unwrap_or(usize::MAX))
                .collect();
            let text = owned_table(&items);
            return Ok(Output::data(Value::Array(items)).with_text(text));
        }
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

fn owned_table(items: &[Value]) -> String {
    if items.is_empty() {
        return "no owned incidents\n".into();
    }
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    let marker = |v: &Value, k: &str| {
        v.pointer(&format!("/metadata/statusctl/{k}")).and_then(Value::as_str).unwrap_or("").to_string()
    };
    let mut out = format!(
        "{:<12}  {:<13}  {:<8}  {:<24}  {:<24}  {}\n",
        "ID", "STATUS", "NOTIFIED", "KEY", "CREATED", "NAME"
    );
    for i in items {
        out.push_str(&format!(
            "{:<12}  {:<13}  {:<8}  {:<24}  {:<24}  {}\n",
            s(i, "id"),
            s(i, "status"),
            marker(i, "notified"),
            marker(i, "key"),
            s(i, "created_at"),
            s(i, "name")
        ));
    }
    out
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
