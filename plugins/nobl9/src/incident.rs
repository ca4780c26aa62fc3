//! The shared incident vocabulary on Nobl9 (`create_incident`, `update_incident`,
//! `resolve_incident`): an incident is a component's status, so each command sets the status
//! of one component and reports it in one line.

use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Call, Error, Output};

use crate::client::Client;
use crate::py_str::py;
use crate::status_change::{self, Change};
use crate::{Nobl9, common, components};

/// The comment recorded with the change, and whether the parents follow.
pub struct Note<'a> {
    pub comment: Option<&'a str>,
    pub propagate: bool,
}

/// Resolves `-c COMPONENT`, sets the status `status` decides once the component's id is known,
/// and reports it: `{done}: API Service is majorOutage (was operational)`.
pub fn set(
    call: &Call<'_>,
    plugin: &Nobl9,
    component: &str,
    status: impl FnOnce(&Client<'_, '_>, &str) -> Result<&'static str, Error>,
    note: Note<'_>,
    done: &str,
) -> Result<Output, Error> {
    let component = common::required(component, "-c COMPONENT")?;
    let client = common::connect(call, plugin)?;
    let id = components::resolve(&client, &component)?;
    let status = status(&client, &id)?;
    let comment = note.comment.filter(|c| !c.is_empty());
    let change = Change { component_id: &id, status, comment, propagate: note.propagate };
    let result = status_change::apply(&client, change)?;
    let text = line(done, &result);
    Ok(Output::data(result).with_text(text))
}

/// `{what}: API Service is operational (was majorOutage)`.
fn line(what: &str, change: &Value) -> String {
    let name = change["componentName"].as_str().or(change["componentId"].as_str()).unwrap_or("None");
    format!("{what}: {name} is {} (was {})\n", py(&change["newStatus"]), py(&change["previousStatus"]))
}
