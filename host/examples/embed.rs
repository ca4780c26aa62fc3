//! Embedding statusctl's host in another tool: its own name, its own plugin directory, its
//! own built-in command, and the outcome of each run as data instead of a process exit.
//!
//! ```sh
//! cargo run --example embed -- --plugin-dir target/debug opsctl-args...
//! ```
//! Prints one JSON object per run: `{"exit_code", "stdout", "data", "error"}`.

use statusctl_host::clap::Command;
use statusctl_host::{Builtin, Host, Output};

fn main() {
    let plugin_dir = std::env::var("OPSCTL_PLUGIN_DIR").unwrap_or_else(|_| "plugins".into());
    let host = Host::builder("opsctl")
        .version("2.0.0")
        .about("Our ops tool, with statusctl's provider plugins inside")
        // Only our own directory: not ~/.local/share/opsctl/plugins, not next to the binary.
        .standard_plugin_dirs(false)
        .plugin_dir(plugin_dir)
        .builtin(Builtin::new(Command::new("whoami").about("Say which tool this is"), |_, cx| {
            let plugins = cx.registry_namespaces();
            Ok(Output::data(serde_json::json!({"tool": "opsctl", "plugins": plugins}))
                .with_text(format!("opsctl, with plugins: {}\n", plugins.join(", "))))
        }))
        .build();
    // The wrapper decides what to do with each outcome; here: report it as JSON.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = host.run(std::iter::once("opsctl".to_string()).chain(args));
    let report = serde_json::json!({
        "exit_code": outcome.exit_code.code(),
        "stdout": outcome.stdout,
        "data": outcome.data,
        "error": outcome.error,
    });
    println!("{report}");
}
