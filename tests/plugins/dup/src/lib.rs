//! Claims the `testkit` namespace a second time.

use statusctl_plugin_api::prelude::*;

#[derive(Default)]
struct Dup;

impl Plugin for Dup {
    const NAMESPACE: &'static str = "testkit";
    fn manifest(&self) -> Manifest {
        Manifest::new("dup", "9.9.9", "A second plugin for the testkit namespace")
            .command(CommandDecl::new("echo", "Not the real echo"))
    }
    fn run(&self, _call: Call<'_>) -> Result<Output, Error> {
        Ok(Output::text("from the duplicate\n"))
    }
}

export_plugin!(Dup);
