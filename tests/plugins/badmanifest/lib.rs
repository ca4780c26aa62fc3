//! Manifests the host must refuse; the package's feature picks the rule broken.

use statusctl_plugin_api::prelude::*;

#[derive(Default)]
struct Bad;

impl Plugin for Bad {
    // `builtin`: the namespace of a built-in command.
    const NAMESPACE: &'static str = if cfg!(feature = "builtin") { "plugins" } else { "badmanifest" };
    fn manifest(&self) -> Manifest {
        let cmd = if cfg!(feature = "flag") {
            // Reuses one of the host's global flags.
            CommandDecl::new("x", "x").arg(ArgDecl::flag("dry").long("dry-run"))
        } else if cfg!(feature = "name") {
            // Breaks the naming rules.
            CommandDecl::new("Bad-Name", "x")
        } else {
            CommandDecl::new("x", "x")
        };
        Manifest::new("badmanifest", "0.1.0", "Refused by the host").command(cmd)
    }
    fn run(&self, _call: Call<'_>) -> Result<Output, Error> {
        Ok(Output::text("should never run\n"))
    }
}

export_plugin!(Bad);
