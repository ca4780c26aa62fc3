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

use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::{Statuspage, common};

/// Every command, in the order `--help` lists them (the Conan four first).
pub fn all() -> Vec<Box<dyn Command<Statuspage>>> {
    vec![
        checked(create_incident::CreateIncident),
        checked(update_incident::UpdateIncident),
        checked(schedule_maintenance::ScheduleMaintenance),
        checked(resolve_incident::ResolveIncident),
        checked(list_incidents::ListIncidents),
        checked(get_incident::GetIncident),
        checked(delete_incident::DeleteIncident),
        checked(list_components::ListComponents),
        checked(change_status::ChangeStatus),
        checked(test_connection::TestConnection),
        checked(list_pages::ListPages),
        checked(apply_incident::ApplyIncident),
    ]
}

fn checked(command: impl Command<Statuspage> + 'static) -> Box<dyn Command<Statuspage>> {
    Box::new(Checked(command))
}

/// A command whose text arguments are checked (no NUL anywhere) before it runs.
struct Checked<C>(C);

impl<C: Command<Statuspage>> Command<Statuspage> for Checked<C> {
    fn declare(&self) -> CommandDecl {
        self.0.declare()
    }

    fn run(&self, plugin: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        common::no_nul(&call.args, || self.0.declare())?;
        self.0.run(plugin, call)
    }
}
