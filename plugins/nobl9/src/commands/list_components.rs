use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::{Nobl9, common, components, schema};

pub struct ListComponents;

impl Command<Nobl9> for ListComponents {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("list_components", "List the component tree with statuses")
            .long_about("GET /status-page/components: components with their children, indented.")
            .reads()
            .output_schema_text(schema::TREE)
            .args(common::args())
            .example("statusctl nobl9:list-components -f json")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let client = common::connect(call, plugin)?;
        let tree = components::tree(&client)?;
        let text = render(&tree);
        Ok(Output::data(tree).with_text(text))
    }
}

/// `name: status (id)`, children indented under their parent.
fn render(tree: &Value) -> String {
    fn walk(nodes: &Value, depth: usize, out: &mut String) {
        for node in nodes.as_array().into_iter().flatten() {
            let s = |k: &str| node[k].as_str().unwrap_or("-").to_string();
            out.push_str(&format!("{}- {}: {} ({})\n", "  ".repeat(depth), s("name"), s("status"), s("id")));
            walk(&node["children"], depth + 1, out);
        }
    }
    let mut out = String::new();
    walk(&tree["components"], 0, &mut out);
    if out.is_empty() { "No components found.\n".into() } else { out }
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::serde_json::json;

    use crate::Nobl9;
    use crate::test_fixtures::{line, ok, sample_tree, scripted};

    #[test]
    fn an_indented_tree() {
        let host = scripted().reply(ok(sample_tree()));
        let out = host.run::<Nobl9>("list_components", &[]).unwrap();
        assert_eq!(host.lines(), [line("GET", "/status-page/components")]);
        assert_eq!(
            out.text.as_deref(),
            Some(concat!(
                "- Platform: degradedPerformance (11111111-1111-4111-8111-111111111111)\n",
                "  - API Service: degradedPerformance (4c91326b-81f3-47aa-b2b7-da2d1da3e298)\n",
                "  - Database: operational (0a1b2c3d-0000-4000-8000-00000000000d)\n",
                "  - Cache: operational (22222222-2222-4222-8222-222222222222)\n",
                "- Cache: operational (33333333-3333-4333-8333-333333333333)\n",
            ))
        );
        assert_eq!(out.data, sample_tree());
    }

    #[test]
    fn none() {
        let host = scripted().reply(ok(json!({"components": []})));
        let out = host.run::<Nobl9>("list_components", &[]).unwrap();
        assert_eq!(out.text.as_deref(), Some("No components found.\n"));
    }
}
