//! Panics in a command: the host must report it (exit 70) and not crash. Its
//! `apply_incident` (capability `apply_incident/1`) panics for a key ending in `boom` and finds
//! nothing to change for any other, so `statusctl serve` can be shown to survive a panic.

use statusctl_plugin_api::apply::{self, Action, Applied, ApplyArgs};
use statusctl_plugin_api::prelude::*;

#[derive(Default)]
struct Panicky;

impl Plugin for Panicky {
    const NAMESPACE: &'static str = "boom";
    fn manifest(&self) -> Manifest {
        Manifest::new("panicky", "0.1.0", "Panics on purpose")
            .capability(apply::APPLY_INCIDENT)
            .command(CommandDecl::new("panic", "Panics inside the command"))
            .command(CommandDecl::new("ok", "Works"))
            .command(apply::declare("Panics for a key ending in `boom`; any other key: unchanged", false))
    }
    fn run(&self, call: Call<'_>) -> Result<Output, Error> {
        match call.command.as_str() {
            "panic" => panic!("deliberate test panic"),
            apply::COMMAND => {
                let args = ApplyArgs::from_call(&call.args)?;
                if args.key.ends_with("boom") {
                    panic!("deliberate apply panic");
                }
                Ok(Applied::new(Action::Unchanged).reason("nothing to change").output(&args.key))
            }
            _ => Ok(Output::text("fine\n")),
        }
    }
}

export_plugin!(Panicky);
