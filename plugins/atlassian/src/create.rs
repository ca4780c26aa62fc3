//! Creating without duplicates. The API has no idempotency key, so every create carries
//! `metadata.statusctl.request_id`; when its outcome is unknown (no answer, or a 5xx), the
//! request id is looked up among recent incidents before anything is sent again.

use statusctl_plugin_api::serde_json::{Value, json};
use statusctl_plugin_api::{Error, ErrorKind, HttpRequest};

use crate::client::{Client, checked};

/// Where a create of this kind shows up while it is current.
#[derive(Clone, Copy)]
pub enum Listing {
    Unresolved,
    Scheduled,
}

impl Listing {
    fn path(self) -> &'static str {
        match self {
            Listing::Unresolved => "unresolved",
            Listing::Scheduled => "scheduled",
        }
    }
}

/// Sends at most this many POSTs for one create (each after a lookup found nothing).
const MAX_SENDS: u32 = 3;

/// POSTs `{"incident": fields}` to the page; `tag` adds the request id (and the safe resend).
pub fn create(
    client: &Client<'_, '_>,
    page: &str,
    mut fields: Value,
    tag: bool,
    listing: Listing,
) -> Result<Value, Error> {
    let request_id = tag.then(|| uuid::Uuid::new_v4().to_string());
    if let Some(id) = &request_id {
        fields["metadata"] = json!({"statusctl": {"request_id": id}});
    }
    let mut req =
        client.request("POST", &format!("/pages/{page}/incidents")).json(&json!({ "incident": fields }));
    if let Some(id) = &request_id {
        req = req.request_id(id.as_str());
    }
    let mut sends = 0;
    loop {
        sends += 1;
        let unknown = match client.send(&req) {
            Ok(resp) if resp.is_success() => return resp.json(),
            Ok(resp) if resp.status >= 500 => checked(&req, resp).unwrap_err(),
            Ok(resp) => return Err(checked(&req, resp).unwrap_err()),
            Err(err) if err.kind == ErrorKind::OutcomeUnknown => err,
            Err(err) => return Err(err),
        };
        let Some(id) = &request_id else {
            return Err(unknown);
        };
        client.host_warn(&format!("{}; looking for request id {id} before sending again", unknown.message));
        match find(client, page, id, listing) {
            Ok(Some(incident)) => {
                client.host_warn(&format!("found it: the first attempt created {}", incident["id"]));
                return Ok(incident);
            }
            Ok(None) if sends < MAX_SENDS => continue,
            Ok(None) => return Err(unknown),
            Err(err) => return Err(still_unknown(&req, id, &err)),
        }
    }
}

/// The incident carrying `request_id`, if it exists.
pub fn find(
    client: &Client<'_, '_>,
    page: &str,
    request_id: &str,
    listing: Listing,
) -> Result<Option<Value>, Error> {
    let items = client.get_all(&format!("/pages/{page}/incidents/{}", listing.path()), "", None)?;
    Ok(items
        .into_iter()
        .find(|i| i.pointer("/metadata/statusctl/request_id").and_then(Value::as_str) == Some(request_id)))
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
