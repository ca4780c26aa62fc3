//! One file per command: its declaration, its typed arguments, its run and its text.

mod apply_incident;
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

use statusctl_plugin_api::Command;

use crate::Statuspage;

/// Every command, in the order `--help` lists them (the Conan four first).
pub fn all() -> Vec<Box<dyn Command<Statuspage>>> {
    vec![
        Box::new(create_incident::CreateIncident),
        Box::new(update_incident::UpdateIncident),
        Box::new(schedule_maintenance::ScheduleMaintenance),
        Box::new(resolve_incident::ResolveIncident),
        Box::new(list_incidents::ListIncidents),
        Box::new(get_incident::GetIncident),
        Box::new(delete_incident::DeleteIncident),
        Box::new(list_components::ListComponents),
        Box::new(change_status::ChangeStatus),
        Box::new(test_connection::TestConnection),
        Box::new(list_pages::ListPages),
        Box::new(apply_incident::ApplyIncident),
    ]
}
