//! Components by id or by name. A UUID-shaped value is an id and is sent as given, with no
//! request (as the scripts do); anything else is looked up by exact name in the tree.

use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Error, Output};

use crate::api_error::Endpoint;
use crate::client::Client;

/// `8-4-4-4-12` hexadecimal digits.
pub fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `GET /status-page/components`: the component tree, `{"components": [...]}`.
pub fn tree(client: &Client<'_, '_>) -> Result<Value, Error> {
    client.get("/status-page/components", &[], Endpoint::Kept)
}

/// Every component of a tree, parents before their children (the scripts' flattening).
pub fn flatten(tree: &Value) -> Vec<&Value> {
    fn walk<'v>(nodes: &'v Value, out: &mut Vec<&'v Value>) {
        for node in nodes.as_array().into_iter().flatten() {
            out.push(node);
            walk(&node["children"], out);
        }
    }
    let mut out = Vec::new();
    walk(&tree["components"], &mut out);
    out
}

/// The id of `value`, looking the tree up only for a name.
pub fn resolve(client: &Client<'_, '_>, value: &str) -> Result<String, Error> {
    if is_uuid(value) {
        return Ok(value.to_string());
    }
    resolve_in(&tree(client)?, value)
}

/// The id of `value` in `tree`: an id as given, or the one component with that exact name.
pub fn resolve_in(tree: &Value, value: &str) -> Result<String, Error> {
    if is_uuid(value) {
        return Ok(value.to_string());
    }
    let all = flatten(tree);
    let text = |c: &Value, k: &str| c[k].as_str().unwrap_or("").to_string();
    let ids: Vec<String> = all.iter().filter(|c| c["name"] == value).map(|c| text(c, "id")).collect();
    match ids.as_slice() {
        [id] => Ok(id.clone()),
        [] => {
            let names: Vec<String> = all.iter().map(|c| text(c, "name")).collect();
            Err(Error::usage(format!(
                "no component named `{value}` (names are case-sensitive); components: {}",
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            )))
        }
        ids => Err(Error::usage(format!(
            "the component name `{value}` is ambiguous: {} components have it ({}); pass the id of the one you mean",
            ids.len(),
            ids.join(", ")
        ))),
    }
}

/// The scripts' numbered list (`create_external_issue --list-components`).
pub fn numbered_list(tree: &Value) -> Output {
    let all = flatten(tree);
    let field = |c: &Value, k: &str| c[k].as_str().unwrap_or("N/A").to_string();
    let mut text = format!("Found {} component(s):\n\n", all.len());
    for (i, c) in all.iter().enumerate() {
        text.push_str(&format!("{}. {}\n", i + 1, field(c, "name")));
        text.push_str(&format!("   ID:          {}\n", field(c, "id")));
        text.push_str(&format!("   Description: {}\n", field(c, "description")));
        text.push_str(&format!("   Status:      {}\n\n", field(c, "status")));
    }
    Output::data(Value::Array(all.into_iter().cloned().collect())).with_text(text)
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;

    use super::*;
    use crate::test_fixtures::{API_ID, DB_ID, sample_tree};

    #[test]
    fn uuid_shape() {
        assert!(is_uuid(API_ID));
        assert!(is_uuid("4C91326B-81F3-47AA-B2B7-DA2D1DA3E298"));
        for bad in [
            "API Service",
            "abc123",
            "4c91326b81f347aab2b7da2d1da3e298",
            "4c91326b-81f3-47aa-b2b7-da2d1da3e29g",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }

    #[test]
    fn names_resolve_exactly_once() {
        let tree = sample_tree();
        let names: Vec<&str> = flatten(&tree).iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Platform", "API Service", "Database", "Cache", "Cache"]);
        assert_eq!(resolve_in(&tree, "Database").unwrap(), DB_ID);
        assert_eq!(resolve_in(&tree, API_ID).unwrap(), API_ID);
        let err = resolve_in(&tree, "database").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert_eq!(
            err.message,
            "no component named `database` (names are case-sensitive); components: Platform, API Service, Database, Cache, Cache"
        );
        let err = resolve_in(&tree, "Cache").unwrap_err();
        assert_eq!(
            err.message,
            "the component name `Cache` is ambiguous: 2 components have it (22222222-2222-4222-8222-222222222222, 33333333-3333-4333-8333-333333333333); pass the id of the one you mean"
        );
    }

    #[test]
    fn the_numbered_list_of_the_script() {
        let out = numbered_list(&sample_tree());
        let text = out.text.unwrap();
        assert!(text.starts_with(
            "Found 5 component(s):\n\n1. Platform\n   ID:          11111111-1111-4111-8111-111111111111\n   Description: All of it\n   Status:      degradedPerformance\n\n2. API Service\n"
        ), "{text}");
        assert!(text.contains(
            "3. Database\n   ID:          0a1b2c3d-0000-4000-8000-00000000000d\n   Description: N/A\n"
        ));
        assert_eq!(out.data.as_array().unwrap().len(), 5);
    }
}
