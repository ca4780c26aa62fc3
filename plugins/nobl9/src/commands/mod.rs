//! One file per command: its declaration, its run and its text.

mod change_status;
mod create_external_issue;
mod create_incident;
mod create_issue;
mod incident_workflow;
mod issue_summary;
mod list_components;
mod list_incidents;
mod list_issues;
mod monitoring_integration;
mod resolve_incident;
mod status_history;
mod test_connection;
mod update_incident;

use statusctl_plugin_api::{Call, CommandDecl, Error, Output};

use crate::token::TokenCache;

pub struct Command {
    pub name: &'static str,
    pub declare: fn() -> CommandDecl,
    pub run: fn(&Call<'_>, &TokenCache) -> Result<Output, Error>,
}

macro_rules! command {
    ($module:ident) => {
        Command { name: stringify!($module), declare: $module::declare, run: $module::run }
    };
}

pub const ALL: &[Command] = &[
    command!(test_connection),
    command!(list_components),
    command!(list_incidents),
    command!(create_issue),
    command!(create_external_issue),
    command!(list_issues),
    command!(issue_summary),
    command!(change_status),
    command!(status_history),
    command!(incident_workflow),
    command!(monitoring_integration),
    command!(create_incident),
    command!(update_incident),
    command!(resolve_incident),
];
