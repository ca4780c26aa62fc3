//! One file per command: its declaration, its typed arguments, its run and its text.

mod apply_incident;
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

use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::{Nobl9, common};

/// Every command, in the order `--help` lists them: the scripts' commands, then the shared
/// incident vocabulary, then `apply_incident/1`.
pub fn all() -> Vec<Box<dyn Command<Nobl9>>> {
    vec![
        checked(test_connection::TestConnection),
        checked(list_components::ListComponents),
        checked(list_incidents::ListIncidents),
        checked(create_issue::CreateIssue),
        checked(create_external_issue::CreateExternalIssue),
        checked(list_issues::ListIssues),
        checked(issue_summary::IssueSummary),
        checked(change_status::ChangeStatus),
        checked(status_history::StatusHistory),
        checked(incident_workflow::IncidentWorkflow),
        checked(monitoring_integration::MonitoringIntegration),
        checked(create_incident::CreateIncident),
        checked(update_incident::UpdateIncident),
        checked(resolve_incident::ResolveIncident),
        checked(apply_incident::ApplyIncident),
    ]
}

fn checked(command: impl Command<Nobl9> + 'static) -> Box<dyn Command<Nobl9>> {
    Box::new(Checked(command))
}

/// A command whose text arguments are checked (no NUL anywhere) before it runs.
struct Checked<C>(C);

impl<C: Command<Nobl9>> Command<Nobl9> for Checked<C> {
    fn declare(&self) -> CommandDecl {
        self.0.declare()
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        common::no_nul(&call.args, || self.0.declare())?;
        self.0.run(plugin, call)
    }
}
