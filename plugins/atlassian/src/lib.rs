//! The `statuspage` namespace: Atlassian Statuspage from statusctl.
//!
//! A drop-in for the Conan `statuspage:*` commands (same flags, requests and output), and more:
//! listing, components by name, safe resend of creates, dry runs, pacing to the rate limit.

mod apply;
mod client;
mod commands;
mod common;
mod components;
mod conan_text;
mod create;
mod incident_fields;
mod list_limit;
mod schema;
mod times;

use statusctl_plugin_api::prelude::*;

#[derive(Default)]
pub struct Statuspage {
    /// The request id of every create, for tests that script the lookup of a lost answer.
    #[cfg(test)]
    fixed_request_id: Option<String>,
}

impl Statuspage {
    /// A new request id for a create: a UUID v4.
    fn request_id(&self) -> String {
        #[cfg(test)]
        if let Some(id) = &self.fixed_request_id {
            return id.clone();
        }
        uuid::Uuid::new_v4().to_string()
    }

    #[cfg(test)]
    fn with_request_id(id: &str) -> Self {
        Self { fixed_request_id: Some(id.into()) }
    }
}

impl Plugin for Statuspage {
    const NAMESPACE: &'static str = "statuspage";

    fn manifest(&self) -> Manifest {
        Manifest::new("atlassian", env!("CARGO_PKG_VERSION"), "Atlassian Statuspage: incidents, maintenances, components")
            .note("drop-in for the Conan statuspage:* commands (same flags, requests and output)")
            .note(
                "creates are tagged with metadata.statusctl.request_id so a lost answer is looked up, not resent blindly",
            )
            // No argument declares the token's variables: the secret chain reads them.
            .capability(statusctl_plugin_api::apply::APPLY_INCIDENT)
            .note("apply_incident owns its incidents through metadata.statusctl (key, request_id, components, notified, v)")
            .env_var(EnvVarDecl::new(common::TOKEN_ENV, "API token").secret())
            .env_var(EnvVarDecl::new(common::TOKEN_FILE_ENV, "A file holding the API token").path())
    }

    fn commands(&self) -> Vec<Box<dyn Command<Self>>> {
        commands::all()
    }
}

export_plugin!(Statuspage);

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::{Effect, full_manifest};

    use super::Statuspage;

    #[test]
    fn every_command_declares_its_effect_idempotency_schema_and_argument_kinds() {
        let manifest = full_manifest(&Statuspage::default());
        manifest.validate().unwrap();
        let expected = [
            ("create_incident", Effect::Changes, false),
            ("update_incident", Effect::Changes, true),
            ("schedule_maintenance", Effect::Changes, false),
            ("resolve_incident", Effect::Changes, true),
            ("list_incidents", Effect::Reads, true),
            ("get_incident", Effect::Reads, true),
            ("delete_incident", Effect::Destroys, true),
            ("list_components", Effect::Reads, true),
            ("change_status", Effect::Changes, true),
            ("test_connection", Effect::Reads, true),
            ("list_pages", Effect::Reads, true),
            ("apply_incident", Effect::Changes, true),
        ];
        let names: Vec<&str> = manifest.commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, expected.map(|(n, _, _)| n));
        for (cmd, (name, effect, idempotent)) in manifest.commands.iter().zip(expected) {
            assert_eq!((cmd.effect, cmd.idempotent), (Some(effect), idempotent), "{name}");
            assert!(cmd.output_schema.is_some(), "{name}");
            let arg = |id: &str| cmd.args.iter().find(|a| a.id == id);
            assert!(arg("token").unwrap().secret, "{name}");
            assert!(arg("api_url").unwrap().endpoint, "{name}");
            for id in ["ignore_ssl", "keychain_user", "keychain_service"] {
                assert!(arg(id).unwrap().trust, "{name} {id}");
            }
            assert!(arg("message_file").is_none_or(|a| a.is_path()), "{name}");
        }
        let vars: Vec<(&str, bool, bool)> =
            manifest.env_vars.iter().map(|v| (v.name.as_str(), v.secret, v.path)).collect();
        assert_eq!(vars, [("STATUSPAGE_TOKEN", true, false), ("STATUSPAGE_TOKEN_FILE", false, true)]);
    }
}
