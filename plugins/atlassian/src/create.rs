//! Creating without duplicates. The API has no idempotency key, so every create carries
//! `metadata.statusctl.request_id`; when its outcome is unknown (no answer, or a 5xx), the
//! request id is looked up among recent incidents before anything is sent again.
//!
//! A 2xx that is not a created incident (an empty or non-JSON body, `{}`, `[]`, `null`, an
//! object without an id) leaves the outcome unknown too: it is looked up the same way, and
//! when not found it is reported (exit 5, with the request id) and never sent again — the
//! server said it took the request.

use statusctl_plugin_api::serde_json::{Value, json};
use statusctl_plugin_api::{
    Error, ErrorKind, HttpRequest, HttpResponse, Lookup, outcome_unknown, resend_unless_found,
};

use crate::client::{Client, PER_PAGE, Pager, check};

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
        // Into the statusctl marker the caller may have put there already (apply_incident's).
        match fields.pointer_mut("/metadata/statusctl").and_then(Value::as_object_mut) {
            Some(marker) => {
                marker.insert("request_id".into(), json!(id));
            }
            None => fields["metadata"] = json!({"statusctl": {"request_id": id}}),
        }
    }
    let mut req =
        client.request("POST", &format!("/pages/{page}/incidents")).json(&json!({ "incident": fields }));
    if let Some(id) = &request_id {
        req = req.request_id(id.as_str());
    }
    let send = || created(&req, check(&req, client.send(&req)?)?, request_id.as_deref());
    let Some(id) = &request_id else {
        return send();
    };
    // A 5xx to a POST leaves the outcome unknown as much as a lost answer does.
    let unknown = |err: &Error| outcome_unknown(err) || err.http_status.is_some_and(|s| s >= 500);
    resend_unless_found(MAX_SENDS, send, unknown, |err, _| {
        // A lost answer's message already names the request id; a 5xx answer's does not.
        let what =
            if err.message.contains(id.as_str()) { "it".to_string() } else { format!("request id {id}") };
        let answered = err.http_status.is_some_and(|s| (200..300).contains(&s));
        let then = if answered { "by its request id" } else { "before sending again" };
        client.host().warn(format!("{}; looking for {what} {then}", err.message));
        match find(client, page, id, listing) {
            Ok(Some(incident)) => {
                let created = incident["id"].as_str().unwrap_or("?");
                client.host().warn(format!("found it: an earlier attempt created {created}"));
                Ok(Lookup::Found(incident))
            }
            // The server answered 2xx: sending again would likely make a duplicate.
            Ok(None) if answered => {
                Err(Error::new(
                    ErrorKind::OutcomeUnknown,
                    format!(
                        "{}, and no incident with request id {id} was found; before creating it again, look for an incident with metadata request id {id}",
                        err.message
                    ),
                )
                .with_status(err.http_status.unwrap_or_default())
                .with_request_id(id.as_str()))
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
        if list.is_empty() {
            let path = format!("/pages/{page}/incidents");
            let req = client.request("GET", &path).query("page", "1").query("limit", PER_PAGE.to_string());
            let batch = crate::client::list(&req, client.json(&req)?)?;
            if let Some(found) = batch.iter().find(|i| tagged(i)) {
                return Ok(Some(found.clone()));
            }
            continue;
        }
        let path = format!("/pages/{page}/incidents/{list}");
        // Bounded: a list that does not end (or repeats a page) is an error, not "not found".
        let mut pager = Pager::new(PER_PAGE, None);
        while let Some(batch) = pager.next(|n| client.get_page(&path, n))? {
            if let Some(found) = batch.iter().find(|i| tagged(i)) {
                return Ok(Some(found.clone()));
            }
        }
        if let Some(err) = pager.unfinished(&client.what("GET", &path)) {
            return Err(err);
        }
    }
    Ok(None)
}

/// The incident a create answered with: a JSON object with a string id. Anything else in a
/// 2xx (empty, not JSON, `{}`, `[]`, `null`) leaves the outcome unknown: the server took the
/// request but did not say what it made.
fn created(req: &HttpRequest, resp: HttpResponse, request_id: Option<&str>) -> Result<Value, Error> {
    let parsed = statusctl_plugin_api::serde_json::from_str::<Value>(&resp.body);
    let what = match &parsed {
        Ok(incident) if incident.get("id").and_then(Value::as_str).is_some_and(|id| !id.is_empty()) => {
            return parsed.map_err(Error::from);
        }
        _ if resp.body.trim().is_empty() => "an empty body".to_string(),
        Err(_) => "a body that is not JSON".to_string(),
        Ok(Value::Object(_)) => "an object without an incident id".to_string(),
        Ok(other) => format!("`{}` instead of an incident", short(other)),
    };
    let mut message = format!(
        "{} {} answered {} with {what}, not the created incident: it may have been applied",
        req.method,
        statusctl_plugin_api::url_path(&req.url),
        resp.status
    );
    if let Some(id) = request_id {
        message.push_str(&format!(" (request id {id})"));
    }
    let mut err = Error::new(ErrorKind::OutcomeUnknown, message).with_status(resp.status);
    err.request_id = request_id.map(str::to_string);
    Err(err)
}

/// A JSON value for a message: `null`, `[]`, or its type.
fn short(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Array(a) if a.is_empty() => "[]",
        Value::Array(_) => "a list",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Object(_) => "an object",
    }
}

fn still_unknown(req: &HttpRequest, request_id: &str, lookup: &Error) -> Error {
    // Interrupted while looking: the user stopped the run (exit 130), the outcome stays unknown.
    let kind = if lookup.kind == ErrorKind::Interrupted {
        ErrorKind::Interrupted
    } else {
        ErrorKind::OutcomeUnknown
    };
    Error::new(
        kind,
        format!(
            "the outcome of POST {} is unknown and looking it up failed ({}); before creating it again, look for an incident with metadata request id {request_id}",
            req.url, lookup.message
        ),
    )
    .with_request_id(request_id)
}
