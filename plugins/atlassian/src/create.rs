//! Creating without duplicates. The API has no idempotency key, so every create carries
//! `metadata.statusctl.request_id`; when its outcome is unknown (no answer, or a 5xx), the
//! request id is looked up among recent incidents before anything is sent again.

use statusctl_plugin_api::serde_json::{Value, json};
use statusctl_plugin_api::{Error, ErrorKind, HttpRequest, Lookup, outcome_unknown, resend_unless_found};

use crate::client::{Client, check};

/// Where a create of this kind shows up, so a lost answer can be looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    /// A realtime incident that is not resolved: `…/incidents/unresolved`.
    Unresolved,
    /// A maintenance that starts well in the future: `…/incidents/scheduled`.
    Scheduled,
    /// A maintenance that starts about now (or started): `…/incidents/scheduled`, then
    /// `…/incidents/active_maintenance`, as the API may already have moved it to in_progress.
    Starting,
    /// Anything else (an incident created resolved): the newest incidents of the plain list.
    Newest,
}

impl Listing {
    /// The lists to look in, in order.
    fn paths(self) -> &'static [&'static str] {
        match self {
            Listing::Unresolved => &["unresolved"],
            Listing::Scheduled => &["scheduled"],
            Listing::Starting => &["scheduled", "active_maintenance"],
            Listing::Newest => &[""],
        }
    }
}

/// Sends at most this many POSTs for one create (each after a lookup found nothing).
const MAX_SENDS: u32 = 3;

/// POSTs `{"incident": fields}` to the page; a `request_id` is added to the metadata (and
/// makes the resend safe).
pub fn create(
    client: &Client<'_, '_>,
    page: &str,
    mut fields: Value,
    request_id: Option<String>,
    listing: Listing,
) -> Result<Value, Error> {
    if let Some(id) = &request_id {
        fields["metadata"] = json!({"statusctl": {"request_id": id}});
    }
    let mut req =
        client.request("POST", &format!("/pages/{page}/incidents")).json(&json!({ "incident": fields }));
    if let Some(id) = &request_id {
        req = req.request_id(id.as_str());
    }
    let send = || check(&req, client.send(&req)?)?.json();
    let Some(id) = &request_id else {
        return send();
    };
    // A 5xx to a POST leaves the outcome unknown as much as a lost answer does.
    let unknown = |err: &Error| outcome_unknown(err) || err.http_status.is_some_and(|s| s >= 500);
    resend_unless_found(MAX_SENDS, send, unknown, |err, _| {
        // A lost answer's message already names the request id; a 5xx answer's does not.
        let what =
            if err.message.contains(id.as_str()) { "it".to_string() } else { format!("request id {id}") };
        client.host().warn(format!("{}; looking for {what} before sending again", err.message));
        match find(client, page, id, listing) {
            Ok(Some(incident)) => {
                let created = incident["id"].as_str().unwrap_or("?");
                client.host().warn(format!("found it: an earlier attempt created {created}"));
                Ok(Lookup::Found(incident))
            }
            Ok(None) => Ok(Lookup::NotFound),
            Err(lookup) => Err(still_unknown(&req, id, &lookup)),
        }
    })
}

/// The incident carrying `request_id`, if it exists. Lists are read page by page and the
/// search stops at the first hit; the plain list (newest first) only on its first page.
pub fn find(
    client: &Client<'_, '_>,
    page: &str,
    request_id: &str,
    listing: Listing,
) -> Result<Option<Value>, Error> {
    let tagged =
        |i: &Value| i.pointer("/metadata/statusctl/request_id").and_then(Value::as_str) == Some(request_id);
    for list in listing.paths() {
        for n in 1.. {
            let batch = if list.is_empty() {
                let path = format!("/pages/{page}/incidents");
                let req = client.request("GET", &path).query("page", n.to_string()).query("limit", "100");
                crate::client::list(&req, client.json(&req)?)?
            } else {
                client.get_page(&format!("/pages/{page}/incidents/{list}"), n)?
            };
            if let Some(found) = batch.iter().find(|i| tagged(i)) {
                return Ok(Some(found.clone()));
            }
            if list.is_empty() || batch.len() < 100 {
                break;
            }
        }
    }
    Ok(None)
}

fn still_unknown(req: &HttpRequest, request_id: &str, lookup: &Error) -> Error {
    Error::new(
        ErrorKind::OutcomeUnknown,
        format!(
            "the outcome of POST {} is unknown and looking it up failed ({}); before creating it again, look for an incident with metadata request id {request_id}",
            req.url, lookup.message
        ),
    )
    .with_request_id(request_id)
}
