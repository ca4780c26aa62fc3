//! Commands that are awkward as MCP tools: one whose tool name is also testkit's
//! (`testkit_echo` + `args` and `testkit` + `echo_args` both make `testkit_echo_args`), one
//! whose tool name is longer than 64 characters, and one that prints to stdout (the MCP
//! server's protocol channel) behind the host's back.

use std::io::Write;

use serde_json::json;
use statusctl_plugin_api::prelude::*;

#[derive(Default)]
struct Clash;

/// `testkit_echo_` + this is 77 characters.
pub const LONG: &str = "a_command_whose_tool_name_is_longer_than_sixty_four_characters";

impl Plugin for Clash {
    const NAMESPACE: &'static str = "testkit_echo";

    fn manifest(&self) -> Manifest {
        Manifest::new("clash", "0.1.0", "Commands whose tool names collide, are too long, or print")
            .note("test plugin: never shipped")
            .command(CommandDecl::new("args", "Its tool name is testkit's echo_args").reads())
            .command(CommandDecl::new(LONG, "Its tool name is too long").reads())
            .command(
                CommandDecl::new("print", "Print to stdout behind the host's back, then answer")
                    .reads()
                    .arg(ArgDecl::value("text").default_value("printed by a plugin").help("What to print")),
            )
            .command(CommandDecl::new("ok", "Answer, printing nothing").reads())
    }

    fn run(&self, call: Call<'_>) -> Result<Output, Error> {
        match call.command.as_str() {
            "print" => {
                let text = call.args.str("text").unwrap_or_default().to_string();
                // A line, a partial line with a flush, and one straight to fd 1.
                println!("{text} (println)");
                print!("{text} (no newline)");
                let _ = std::io::stdout().flush();
                let mut raw = std::io::stdout().lock();
                let _ = raw.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":{}}\n");
                let _ = raw.flush();
                Ok(Output::data(json!({"printed": text})).with_text(format!("printed {text}\n")))
            }
            "ok" => Ok(Output::data(json!({"ok": true}))),
            other => Ok(Output::data(json!({ "command": other }))),
        }
    }
}

export_plugin!(Clash);
