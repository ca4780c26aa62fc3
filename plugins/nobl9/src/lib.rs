//! The `nobl9` namespace: the Nobl9 status page ("Organization status") from statusctl.
//!
//! Reproduces the Nobl9 v1.0 status-page scripts (same requests, same messages), and adds
//! components by name, a shared `create/update/resolve_incident` vocabulary, reuse of an
//! existing sloctl configuration, and a status change that is checked, not resent blindly,
//! when its answer is lost.

mod api_error;
mod client;
mod commands;
mod common;
mod components;
mod config;
mod external_issue;
mod go_duration;
mod jwt;
mod py_str;
mod sloctl;
mod status;
mod status_change;
mod times;
mod token;

#[cfg(test)]
mod fake_host;

use statusctl_plugin_api::prelude::*;

/// One instance per process: it keeps the access tokens between commands.
#[derive(Default)]
pub struct Nobl9 {
    tokens: token::TokenCache,
}

impl Plugin for Nobl9 {
    const NAMESPACE: &'static str = "nobl9";

    fn manifest(&self) -> Manifest {
        let mut manifest = Manifest::new(
            "nobl9",
            env!("CARGO_PKG_VERSION"),
            "Nobl9 status page: components, issues, status changes, incidents",
        )
        .note("reproduces the Nobl9 v1.0 status-page scripts (same requests, same messages)")
        .note(
            "credentials: NOBL9_CLIENT_ID + NOBL9_CLIENT_SECRET (+ NOBL9_ORG) or NOBL9_API_TOKEN, from the \
             environment or ./.env; without them an existing sloctl configuration is used \
             (~/.config/nobl9/config.toml, --context, --nobl9-config), read-only",
        )
        .note(
            "Nobl9 keys incidents by component: create_incident, update_incident and resolve_incident take \
             -c COMPONENT and change its status",
        )
        .note(
            "Nobl9 has no maintenance status (only operational, degradedPerformance, majorOutage), so there \
             is no nobl9:schedule_maintenance",
        )
        .note(
            "instances moved to the disruptions API answer 404 to the v1.0 endpoints (change-status, \
             status-changes, incidents, external issues with a status change)",
        )
        .note(
            "a status change whose answer is lost is looked up in the status history before it is sent again",
        );
        for command in commands::ALL {
            manifest = manifest.command((command.declare)());
        }
        manifest
    }

    fn run(&self, call: Call<'_>) -> Result<Output, Error> {
        let command = commands::ALL
            .iter()
            .find(|c| c.name == call.command)
            .ok_or_else(|| Error::usage(format!("unknown command nobl9:{}", call.command)))?;
        (command.run)(&call, &self.tokens)
    }
}

export_plugin!(Nobl9);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_is_valid_and_declares_every_command() {
        let mut manifest = Nobl9::default().manifest();
        manifest.namespace = Nobl9::NAMESPACE.into();
        assert_eq!(manifest.validate(), Ok(()));
        let names: Vec<&str> = manifest.commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "test_connection",
                "list_components",
                "list_incidents",
                "create_issue",
                "create_external_issue",
                "list_issues",
                "issue_summary",
                "change_status",
                "status_history",
                "incident_workflow",
                "monitoring_integration",
                "create_incident",
                "update_incident",
                "resolve_incident",
            ]
        );
        assert!(manifest.notes.iter().any(|n| n.contains("no maintenance status")));
    }
}
