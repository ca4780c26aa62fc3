//! Panics in a command: the host must report it (exit 70) and not crash.

use statusctl_plugin_api::prelude::*;

#[derive(Default)]
struct Panicky;

impl Plugin for Panicky {
    const NAMESPACE: &'static str = "boom";
    fn manifest(&self) -> Manifest {
        Manifest::new("panicky", "0.1.0", "Panics on purpose")
            .command(CommandDecl::new("panic", "Panics inside the command"))
            .command(CommandDecl::new("ok", "Works"))
    }
    fn run(&self, call: Call<'_>) -> Result<Output, Error> {
        match call.command.as_str() {
            "panic" => panic!("deliberate test panic"),
            _ => Ok(Output::text("fine\n")),
        }
    }
}

export_plugin!(Panicky);
