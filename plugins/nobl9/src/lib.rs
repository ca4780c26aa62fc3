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
mod incident;
mod jwt;
mod ownership;
mod py_str;
mod schema;
mod sloctl;
mod status;
mod status_change;
mod times;
mod token;

#[cfg(test)]
mod test_fixtures;

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
        )
        .note(
            "apply_incident keeps ownership in the status history: a marker ending the comment of each change \
             it makes; a component whose newest change has no marker is held by a person and never changed",
        )
        .capability(statusctl_plugin_api::apply::APPLY_INCIDENT);
        // Variables read through the secret chain or by the sloctl reader, not by an argument.
        for var in config::env_vars().into_iter().chain(sloctl::env_vars()) {
            manifest = manifest.env_var(var);
        }
        manifest
    }

    fn commands(&self) -> Vec<Box<dyn Command<Self>>> {
        commands::all()
    }
}

export_plugin!(Nobl9);

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::{Effect, full_manifest};

    use super::*;

    #[test]
    fn every_command_declares_its_effect_idempotency_schema_and_argument_kinds() {
        let manifest = full_manifest(&Nobl9::default());
        assert_eq!(manifest.validate(), Ok(()));
        let expected = [
            ("test_connection", Effect::Reads, true),
            ("list_components", Effect::Reads, true),
            ("list_incidents", Effect::Reads, true),
            ("create_issue", Effect::Changes, false),
            ("create_external_issue", Effect::Changes, false),
            ("list_issues", Effect::Reads, true),
            ("issue_summary", Effect::Reads, true),
            ("change_status", Effect::Changes, true),
            ("status_history", Effect::Reads, true),
            ("incident_workflow", Effect::Changes, false),
            ("monitoring_integration", Effect::Changes, false),
            ("create_incident", Effect::Changes, false),
            ("update_incident", Effect::Changes, true),
            ("resolve_incident", Effect::Changes, true),
            ("apply_incident", Effect::Changes, true),
        ];
        let names: Vec<&str> = manifest.commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, expected.map(|(name, _, _)| name));
        for (cmd, (name, effect, idempotent)) in manifest.commands.iter().zip(expected) {
            assert_eq!((cmd.effect, cmd.idempotent), (Some(effect), idempotent), "{name}");
            assert_eq!(cmd.mutating, effect != Effect::Reads, "{name}");
            let schema =
                cmd.output_schema.as_ref().unwrap_or_else(|| panic!("{name}: no output schema")).value();
            assert!(schema.get("type").or(schema.get("oneOf")).is_some(), "{name}");
            let arg = |id: &str| cmd.args.iter().find(|a| a.id == id).unwrap();
            assert!(arg("base_url").endpoint, "{name}");
            assert!(arg("context").trust && arg("nobl9_config").trust && arg("client_id").trust, "{name}");
            assert!(arg("nobl9_config").is_path(), "{name}");
            // Secrets have no flag (environment, profile, keyring): nothing else is a secret.
            assert!(cmd.args.iter().all(|a| !a.secret), "{name}");
        }
        assert!(manifest.notes.iter().any(|n| n.contains("no maintenance status")));
    }

    #[test]
    fn the_variables_read_without_an_argument_are_declared_with_what_they_decide() {
        let manifest = full_manifest(&Nobl9::default());
        let var = |name: &str| {
            manifest.env_vars.iter().find(|v| v.name == name).unwrap_or_else(|| panic!("{name} not declared"))
        };
        for secret in
            ["NOBL9_API_TOKEN", "NOBL9_CLIENT_SECRET", "NOBL9_SDK_CLIENT_SECRET", "SLOCTL_ACCESS_TOKEN"]
        {
            assert!(var(secret).secret, "{secret}");
            assert!(var(&format!("{secret}_FILE")).path, "{secret}_FILE");
        }
        for endpoint in ["NOBL9_SDK_URL", "SLOCTL_URL", "NOBL9_SDK_OKTA_ORG_URL", "SLOCTL_OKTA_AUTH_SERVER"] {
            assert!(var(endpoint).endpoint, "{endpoint}");
        }
        for trust in ["NOBL9_SDK_DEFAULT_CONTEXT", "SLOCTL_CONFIG_FILE_PATH", "HOME", "XDG_CONFIG_HOME"] {
            assert!(var(trust).trust, "{trust}");
        }
        assert!(var("NOBL9_SDK_CONFIG_FILE_PATH").path && var("HOME").path);
        let plain = var("SLOCTL_ORGANIZATION");
        assert!(!plain.secret && !plain.endpoint && !plain.trust && !plain.path);
        // The connection arguments' own variables are declared by the arguments.
        assert!(manifest.env_vars.iter().all(|v| v.name != "NOBL9_BASE_URL"));
        let mut names: Vec<&str> = manifest.env_vars.iter().map(|v| v.name.as_str()).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a variable is declared twice");
    }
}
