//! JSON Schemas of the tools: the input from the argument declarations, the output from the
//! command's declared schema, wrapped as the result is (always an object).

use serde_json::{Map, Value, json};
use statusctl_plugin_api::{ArgDecl, ArgKind, CommandDecl, ValueType};

/// Whether an agent may give this argument. Secrets, arguments that decide where requests go
/// or what is trusted, and local files (`-` would read stdin, the protocol channel) come
/// only from the server's own profile and environment. Hidden arguments are left out too.
pub fn offered(arg: &ArgDecl) -> bool {
    !(arg.secret || arg.endpoint || arg.trust || arg.is_path() || arg.hidden)
}

/// The `dry_run` property every write tool has.
pub const DRY_RUN: &str = "dry_run";

/// `inputSchema`: an object with one property per offered argument, nothing else.
pub fn input(decl: &CommandDecl, write: bool) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for arg in decl.args.iter().filter(|a| offered(a)) {
        properties.insert(arg.id.clone(), Value::Object(property(arg)));
        // Required only when nothing but the caller can give it: an argument the server's
        // environment or profile may supply, or that has a default, is optional here.
        if arg.required && arg.env.is_none() && !arg.from_profile && arg.default.is_none() {
            required.push(Value::String(arg.id.clone()));
        }
    }
    if write && !properties.contains_key(DRY_RUN) {
        properties.insert(
            DRY_RUN.into(),
            json!({
                "type": "boolean",
                "description": "Send nothing: return the requests that would change something (reads still run)",
                "default": false,
            }),
        );
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("additionalProperties".into(), false.into());
    schema
}

fn property(arg: &ArgDecl) -> Map<String, Value> {
    let mut item = Map::new();
    let integer = arg.value_type == ValueType::Integer && arg.choices.is_empty();
    item.insert("type".into(), if integer { "integer" } else { "string" }.into());
    if !arg.choices.is_empty() {
        item.insert("enum".into(), arg.choices.iter().map(|c| Value::String(c.clone())).collect());
    }
    let mut prop = match arg.kind {
        ArgKind::Flag => {
            let mut p = Map::new();
            p.insert("type".into(), "boolean".into());
            p
        }
        ArgKind::List => {
            let mut p = Map::new();
            p.insert("type".into(), "array".into());
            p.insert("items".into(), Value::Object(item));
            p
        }
        ArgKind::Value | ArgKind::Positional => item,
    };
    if !arg.help.is_empty() {
        prop.insert("description".into(), arg.help.clone().into());
    }
    if let Some(default) = &arg.default {
        let value = match (arg.kind, integer) {
            (ArgKind::Flag, _) => default.parse::<bool>().map(Value::Bool).ok(),
            (ArgKind::List, _) => None,
            (_, true) => default.parse::<i64>().map(Value::from).ok(),
            (_, false) => Some(Value::String(default.clone())),
        };
        if let Some(value) = value {
            prop.insert("default".into(), value);
        }
    }
    prop
}

/// How a command's data is wrapped as `structuredContent`.
pub fn wrap(data: Value) -> Value {
    match data {
        Value::Object(_) => data,
        Value::Array(_) => json!({ "items": data }),
        other => json!({ "result": other }),
    }
}

/// The structured result of a dry run.
pub fn plan(requests: Value) -> Value {
    json!({ "dry_run": true, "requests": requests })
}

/// `outputSchema` for a declared schema: the wrapped form ([`wrap`]); for a write tool, or
/// the plan a dry run returns. `None` when the schema does not say which JSON type the data
/// is (the wrapping could not be described).
pub fn output(declared: &Value, write: bool) -> Option<Map<String, Value>> {
    let wrapped = match declared.get("type").and_then(Value::as_str)? {
        "object" => declared.clone(),
        "array" => json!({"type": "object", "properties": {"items": declared}, "required": ["items"]}),
        _ => json!({"type": "object", "properties": {"result": declared}, "required": ["result"]}),
    };
    let schema = if write {
        let plan = json!({
            "type": "object",
            "properties": {"dry_run": {"const": true}, "requests": {"type": "array"}},
            "required": ["dry_run", "requests"],
        });
        json!({"type": "object", "anyOf": [wrapped, plan]})
    } else {
        wrapped
    };
    schema.as_object().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl() -> CommandDecl {
        CommandDecl::new("create_incident", "Open an incident")
            .changes()
            .arg(ArgDecl::value("title").required().help("Title"))
            .arg(
                ArgDecl::value("status")
                    .choices(&["investigating", "resolved"])
                    .default_value("investigating"),
            )
            .arg(ArgDecl::list("components").help("Components"))
            .arg(ArgDecl::flag("notify"))
            .arg(ArgDecl::value("limit").integer().default_value("10"))
            .arg(ArgDecl::value("page").required().from_profile())
            .arg(ArgDecl::value("token").secret())
            .arg(ArgDecl::value("api_url").endpoint())
            .arg(ArgDecl::flag("insecure").trust())
            .arg(ArgDecl::value("message_file").path())
    }

    #[test]
    fn inputs_come_from_declarations_without_what_agents_may_not_choose() {
        let schema = Value::Object(input(&decl(), true));
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "title": {"type": "string", "description": "Title"},
                    "status": {"type": "string", "enum": ["investigating", "resolved"], "default": "investigating"},
                    "components": {"type": "array", "items": {"type": "string"}, "description": "Components"},
                    "notify": {"type": "boolean"},
                    "limit": {"type": "integer", "default": 10},
                    "page": {"type": "string"},
                    "dry_run": {"type": "boolean", "description": "Send nothing: return the requests that would change something (reads still run)", "default": false},
                },
                "required": ["title"],
                "additionalProperties": false,
            })
        );
        let read = Value::Object(input(&CommandDecl::new("list", "l").reads(), false));
        assert_eq!(read, json!({"type": "object", "properties": {}, "additionalProperties": false}));
    }

    #[test]
    fn outputs_are_objects() {
        assert_eq!(wrap(json!([1])), json!({"items": [1]}));
        assert_eq!(wrap(json!("x")), json!({"result": "x"}));
        assert_eq!(wrap(json!({"a": 1})), json!({"a": 1}));
        let list = output(&json!({"type": "array"}), false).unwrap();
        assert_eq!(Value::Object(list)["properties"]["items"], json!({"type": "array"}));
        assert!(output(&json!({"oneOf": []}), false).is_none());
        let write = Value::Object(output(&json!({"type": "object"}), true).unwrap());
        assert_eq!(write["anyOf"][0], json!({"type": "object"}));
    }
}
