//! The `statuspage` namespace: Atlassian Statuspage from statusctl.
//!
//! A drop-in for the Conan `statuspage:*` commands (same flags, requests and output), and more:
//! listing, components by name, safe resend of creates, dry runs, pacing to the rate limit.

mod client;
mod commands;
mod common;
mod components;
mod conan_text;
mod create;
mod incident_fields;
mod times;

use statusctl_plugin_api::prelude::*;

#[derive(Default)]
pub struct Statuspage;

impl Plugin for Statuspage {
    const NAMESPACE: &'static str = "statuspage";

    fn manifest(&self) -> Manifest {
        let mut manifest = Manifest::new(
            "atlassian",
            env!("CARGO_PKG_VERSION"),
            "Atlassian Statuspage: incidents, maintenances, components",
        )
        .note("drop-in for the Conan statuspage:* commands (same flags, requests and output)")
        .note(
            "creates are tagged with metadata.statusctl.request_id so a lost answer is looked up, not resent blindly",
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
            .ok_or_else(|| Error::usage(format!("unknown command statuspage:{}", call.command)))?;
        (command.run)(&call)
    }
}

export_plugin!(Statuspage);
