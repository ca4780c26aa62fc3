//! The tools, generated once at start from the commands of the loaded plugins.

use serde_json::{Map, Value};
use statusctl_plugin_api::{CommandDecl, Effect};

use crate::policy::Policy;
use crate::schema;

/// Many agent frameworks turn tools into function names limited to `[A-Za-z0-9_-]{1,64}`.
pub const MAX_NAME: usize = 64;

/// One tool: a command, as MCP shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDef {
    /// `namespace_command`.
    pub name: String,
    /// `namespace:command`.
    pub command: String,
    pub description: String,
    pub effect: Effect,
    pub idempotent: bool,
    pub input_schema: Map<String, Value>,
    pub output_schema: Option<Map<String, Value>>,
    /// The argument ids an agent may give (the schema's properties, `dry_run` aside).
    pub offered: Vec<String>,
    /// The command's declaration, to check a call's arguments as the engine will before
    /// the call counts against a cap.
    pub decl: CommandDecl,
}

impl ToolDef {
    /// Changes or destroys something (takes `dry_run`).
    pub fn writes(&self) -> bool {
        self.effect != Effect::Reads
    }
}

/// A command that is not served, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub command: String,
    pub reason: String,
    /// A problem to report at start (a bad name), not a choice of the flags.
    pub problem: bool,
}

/// The tools served, in the registry's order, and the commands left out.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub tools: Vec<ToolDef>,
    pub skipped: Vec<Skipped>,
}

impl Catalog {
    pub fn build<'a>(
        commands: impl IntoIterator<Item = (&'a str, &'a CommandDecl)>,
        policy: &Policy,
    ) -> Self {
        let all: Vec<(&str, &CommandDecl)> = commands.into_iter().collect();
        let name_of = |ns: &str, decl: &CommandDecl| format!("{ns}_{}", decl.name);
        let mut catalog = Catalog::default();
        for (i, (ns, decl)) in all.iter().enumerate() {
            let command = format!("{ns}:{}", decl.name);
            let name = name_of(ns, decl);
            let clash: Vec<String> = all
                .iter()
                .enumerate()
                .filter(|(j, (ons, odecl))| *j != i && name_of(ons, odecl) == name)
                .map(|(_, (ons, odecl))| format!("{ons}:{}", odecl.name))
                .collect();
            let problem = if !clash.is_empty() {
                Some(format!("its tool name `{name}` is also the name of {}", clash.join(", ")))
            } else if name.len() > MAX_NAME {
                Some(format!("its tool name `{name}` is longer than {MAX_NAME} characters"))
            } else {
                None
            };
            if let Some(reason) = problem {
                catalog.skipped.push(Skipped { command, reason, problem: true });
                continue;
            }
            let effect = decl.effect();
            if let Some(reason) = policy.refusal(&command, effect) {
                catalog.skipped.push(Skipped { command, reason, problem: false });
                continue;
            }
            catalog.tools.push(tool(name, command, decl));
        }
        catalog
    }

    pub fn find(&self, name: &str) -> Option<&ToolDef> {
        self.tools.iter().find(|t| t.name == name)
    }

    /// The commands left out whose tool name is `name`.
    pub fn not_served(&self, name: &str) -> impl Iterator<Item = &Skipped> {
        self.skipped.iter().filter(move |s| s.command.replacen(':', "_", 1) == name)
    }
}

fn tool(name: String, command: String, decl: &CommandDecl) -> ToolDef {
    let effect = decl.effect();
    let write = effect != Effect::Reads;
    let mut description = decl.about.trim().to_string();
    if let Some(long) = decl.long_about.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        description = format!("{description}\n\n{long}");
    }
    ToolDef {
        name,
        command,
        description,
        effect,
        idempotent: decl.idempotent || effect == Effect::Reads,
        input_schema: schema::input(decl, write),
        output_schema: decl.output_schema.as_ref().and_then(|s| schema::output(&s.value(), write)),
        offered: decl.args.iter().filter(|a| schema::offered(a)).map(|a| a.id.clone()).collect(),
        decl: decl.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_collide_or_are_too_long_are_left_out_and_reported() {
        let a = CommandDecl::new("b_c", "x").reads();
        let b = CommandDecl::new("c", "x").reads();
        let long = CommandDecl::new(&"x".repeat(70), "x").reads();
        let ok = CommandDecl::new("list_pages", "List pages").reads();
        let commands = [("a", &a), ("a_b", &b), ("a", &long), ("a", &ok)];
        let catalog = Catalog::build(commands, &Policy::default());
        assert_eq!(catalog.tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["a_list_pages"]);
        let problems: Vec<&str> = catalog.skipped.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(problems, ["a:b_c", "a_b:c", &format!("a:{}", "x".repeat(70))]);
        assert!(catalog.skipped[0].reason.contains("a_b:c"), "{:?}", catalog.skipped);
    }

    #[test]
    fn only_reads_by_default() {
        let write = CommandDecl::new("create_incident", "x").changes();
        let old = CommandDecl::new("legacy", "x");
        let read = CommandDecl::new("list_pages", "x").reads();
        let commands = [("s", &write), ("s", &old), ("s", &read)];
        let catalog = Catalog::build(commands, &Policy::default());
        assert_eq!(catalog.tools.len(), 1);
        assert!(catalog.skipped.iter().all(|s| !s.problem));
        let allowed = Policy::new(&["s".into()], &[], &[]).unwrap();
        let catalog = Catalog::build(commands, &allowed);
        assert_eq!(catalog.tools.len(), 3);
        assert!(
            catalog.tools[1].writes() && catalog.tools[1].input_schema["properties"].get("dry_run").is_some()
        );
    }
}
