//! The incident flags shared by create and update, and the body they make: keys in the
//! order Conan added them, each only when given.

use serde::Deserialize;
use statusctl_plugin_api::serde_json::{Map, Value, json};
use statusctl_plugin_api::{ArgDecl, Error};

use crate::client::Client;
use crate::common::{self, COMPONENT_STATUSES, MessageArgs};
use crate::components;

pub const STATUSES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];
pub const IMPACTS: [&str; 5] = ["none", "maintenance", "minor", "major", "critical"];

pub fn args(title_help: &str) -> Vec<ArgDecl> {
    let mut args = vec![ArgDecl::value("title").short('t').help(title_help)];
    args.extend(common::message_args());
    args.extend([
        ArgDecl::value("status").short('s').choices(&STATUSES).help("Incident status"),
        ArgDecl::value("impact").short('i').choices(&IMPACTS).help("Impact override"),
        ArgDecl::value("component_status")
            .dash_alias("cs")
            .choices(&COMPONENT_STATUSES)
            .help("Set the components to this status (needs -c)"),
        components_arg(),
        no_notify_arg(),
    ]);
    args
}

pub fn components_arg() -> ArgDecl {
    ArgDecl::list("components").short('c').value_name("COMPONENT").help("Component ids or names")
}

pub fn no_notify_arg() -> ArgDecl {
    ArgDecl::flag("no_notify").help("Do not notify subscribers (deliver_notifications: false)")
}

/// The values of [`args`].
#[derive(Deserialize)]
pub struct IncidentArgs {
    pub title: Option<String>,
    #[serde(flatten)]
    pub message: MessageArgs,
    pub status: Option<String>,
    pub impact: Option<String>,
    pub component_status: Option<String>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub no_notify: bool,
}

impl IncidentArgs {
    /// The `incident` object for create (`name` given) and update.
    pub fn fields(
        &self,
        client: &Client<'_, '_>,
        page: &str,
        name: Option<String>,
    ) -> Result<Map<String, Value>, Error> {
        if self.component_status.is_some() && self.components.is_empty() {
            return Err(Error::usage(
                "--component-status (-cs) needs the components it applies to: add -c COMPONENT...",
            ));
        }
        let message = self.message.read()?;
        let mut fields = Map::new();
        if let Some(name) = name {
            fields.insert("name".into(), json!(name));
        }
        if let Some(status) = &self.status {
            fields.insert("status".into(), json!(status));
        }
        if let Some(body) = message {
            fields.insert("body".into(), json!(body));
        }
        if !self.components.is_empty() {
            let ids = components::resolve(client, page, &self.components)?;
            if let Some(status) = &self.component_status {
                fields.insert("components".into(), components::statuses(&ids, status));
            }
            // Without -cs Conan dropped the components; linking them is what was meant.
            fields.insert("component_ids".into(), json!(ids));
        }
        if let Some(impact) = &self.impact {
            fields.insert("impact_override".into(), json!(impact));
        }
        if self.no_notify {
            fields.insert("deliver_notifications".into(), json!(false));
        }
        Ok(fields)
    }
}
