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

use statusctl_plugin_api::Command;

use crate::Nobl9;

/// Every command, in the order `--help` lists them: the scripts' commands, then the shared
/// incident vocabulary, then `apply_incident/1`.
pub fn all() -> Vec<Box<dyn Command<Nobl9>>> {
    vec![
        Box::new(test_connection::TestConnection),
        Box::new(list_components::ListComponents),
        Box::new(list_incidents::ListIncidents),
        Box::new(create_issue::CreateIssue),
        Box::new(create_external_issue::CreateExternalIssue),
        Box::new(list_issues::ListIssues),
        Box::new(issue_summary::IssueSummary),
        Box::new(change_status::ChangeStatus),
        Box::new(status_history::StatusHistory),
        Box::new(incident_workflow::IncidentWorkflow),
        Box::new(monitoring_integration::MonitoringIntegration),
        Box::new(create_incident::CreateIncident),
        Box::new(update_incident::UpdateIncident),
        Box::new(resolve_incident::ResolveIncident),
        Box::new(apply_incident::ApplyIncident),
    ]
}
