//! One file per command: its declaration, its run and its text.

mod change_status;
mod create_incident;
mod delete_incident;
mod get_incident;
mod list_components;
mod list_incidents;
mod list_pages;
mod resolve_incident;
mod schedule_maintenance;
mod test_connection;
mod update_incident;

use statusctl_plugin_api::{Call, CommandDecl, Error, Output};

pub struct Command {
    pub name: &'static str,
    pub declare: fn() -> CommandDecl,
    pub run: fn(&Call<'_>) -> Result<Output, Error>,
}

pub const ALL: &[Command] = &[
    Command { name: "create_incident", declare: create_incident::declare, run: create_incident::run },
    Command { name: "update_incident", declare: update_incident::declare, run: update_incident::run },
    Command {
        name: "schedule_maintenance",
        declare: schedule_maintenance::declare,
        run: schedule_maintenance::run,
    },
    Command { name: "resolve_incident", declare: resolve_incident::declare, run: resolve_incident::run },
    Command { name: "list_incidents", declare: list_incidents::declare, run: list_incidents::run },
    Command { name: "get_incident", declare: get_incident::declare, run: get_incident::run },
    Command { name: "delete_incident", declare: delete_incident::declare, run: delete_incident::run },
    Command { name: "list_components", declare: list_components::declare, run: list_components::run },
    Command { name: "change_status", declare: change_status::declare, run: change_status::run },
    Command { name: "test_connection", declare: test_connection::declare, run: test_connection::run },
    Command { name: "list_pages", declare: list_pages::declare, run: list_pages::run },
];
