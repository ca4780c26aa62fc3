//! JSON Schemas of the tools: the input from the argument declarations, the output from the
//! command's declared schema, wrapped as the result is (always an object).

use serde_json::{Map, Value, json};
use statusctl_plugin_api::resolve::{self, Source};
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
    // The default as the engine reads it (a list's is comma-separated), typed as the
    // property is; left out when the engine would refuse it.
    if let Some(default) = &arg.default
        && let Ok(value) = resolve::parse_text(arg, default, &resolve::display_name(arg), &Source::Default)
    {
        prop.insert("default".into(), value);
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
/// the plan a dry run returns. A schema without a `type` whose `oneOf`/`anyOf` branches all
/// have one is the `anyOf` of the wrapped branches (which may overlap once wrapped, so not a
/// `oneOf`). `None` when the schema does not say which JSON type the data is (the wrapping
/// could not be described).
///
/// The declared schema's `$defs` and `definitions` move to the root of the result, where
/// its `#/$defs/...` pointers resolve once the schema is nested.
pub fn output(declared: &Value, write: bool) -> Option<Map<String, Value>> {
    let mut declared = declared.as_object()?.clone();
    let hoisted: Vec<(String, Value)> = ["$defs", "definitions"]
        .into_iter()
        .filter_map(|key| declared.remove(key).map(|defs| (key.to_string(), defs)))
        .collect();
    // What the union as a whole is called, kept on the wrapper.
    let mut about = Map::new();
    let mut branches = match declared.get("type") {
        Some(_) => vec![wrapped(&Value::Object(declared))?],
        None => {
            let union = declared.get("oneOf").or_else(|| declared.get("anyOf"))?.as_array()?;
            let branches = union.iter().map(wrapped).collect::<Option<Vec<_>>>().filter(|b| !b.is_empty())?;
            about.extend(
                ["title", "description"]
                    .into_iter()
                    .filter_map(|key| declared.get(key).map(|v| (key.to_string(), v.clone()))),
            );
            branches
        }
    };
    if write {
        branches.push(json!({
            "type": "object",
            "properties": {"dry_run": {"const": true}, "requests": {"type": "array"}},
            "required": ["dry_run", "requests"],
        }));
    }
    let mut schema = match <[Value; 1]>::try_from(branches) {
        Ok([one]) => one.as_object()?.clone(),
        Err(branches) => {
            let mut schema = about;
            schema.insert("type".into(), "object".into());
            schema.insert("anyOf".into(), Value::Array(branches));
            schema
        }
    };
    schema.extend(hoisted);
    Some(schema)
}

/// One declared schema (with a `type`) as its data is wrapped.
fn wrapped(declared: &Value) -> Option<Value> {
    Some(match declared.get("type")?.as_str()? {
        "object" => declared.clone(),
        "array" => json!({"type": "object", "properties": {"items": declared}, "required": ["items"]}),
        _ => json!({"type": "object", "properties": {"result": declared}, "required": ["result"]}),
    })
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

    /// `statuspage:change_status` and `nobl9:create_external_issue` print an object or a
    /// list: a `oneOf` without a top-level `type`.
    #[test]
    fn a_union_of_typed_branches_is_the_union_of_their_wrapped_forms() {
        let object = json!({"type": "object", "required": ["id"]});
        let list = json!({"type": "array", "items": {"type": "string"}});
        let declared = json!({"description": "one or many", "oneOf": [object, list]});
        let read = Value::Object(output(&declared, false).expect("an outputSchema"));
        assert_eq!(
            read,
            json!({
                "description": "one or many",
                "type": "object",
                "anyOf": [
                    object,
                    {"type": "object", "properties": {"items": list}, "required": ["items"]},
                ],
            })
        );
        let write = Value::Object(output(&json!({"anyOf": [list, {"type": "integer"}]}), true).unwrap());
        let branches = write["anyOf"].as_array().unwrap();
        assert_eq!(branches.len(), 3, "{write}");
        assert_eq!(branches[1]["properties"]["result"], json!({"type": "integer"}));
        assert_eq!(branches[2]["required"], json!(["dry_run", "requests"]));
        // A branch that does not say its type: the wrapping cannot be described.
        assert!(output(&json!({"oneOf": [object, {"$ref": "#/$defs/x"}]}), false).is_none());
    }

    /// Every `$ref` in `schema`.
    fn refs(schema: &Value, out: &mut Vec<String>) {
        match schema {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("$ref", Value::String(r)) => out.push(r.clone()),
                        _ => refs(value, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn definitions_move_to_the_root_where_their_pointers_resolve() {
        let component = json!({"type": "object", "properties": {"id": {"type": "string"}}});
        let cases = [
            (
                json!({"type": "array", "items": {"$ref": "#/$defs/component"}, "$defs": {"component": component}}),
                false,
            ),
            (
                json!({"type": "object", "properties": {"c": {"$ref": "#/definitions/component"}}, "definitions": {"component": component}}),
                true,
            ),
            (
                json!({"oneOf": [{"$ref": "#/$defs/component", "type": "object"}, {"type": "array", "items": {"$ref": "#/$defs/component"}}], "$defs": {"component": component}}),
                true,
            ),
        ];
        for (declared, write) in cases {
            let schema = Value::Object(output(&declared, write).unwrap());
            let mut found = Vec::new();
            refs(&schema, &mut found);
            assert!(!found.is_empty(), "{schema}");
            for pointer in found {
                let target = schema.pointer(pointer.trim_start_matches('#'));
                assert_eq!(target, Some(&component), "{pointer} in {schema}");
            }
            // Only at the root.
            let text = schema.to_string();
            assert_eq!(
                text.matches("\"$defs\":").count() + text.matches("\"definitions\":").count(),
                1,
                "{schema}"
            );
        }
    }

    #[test]
    fn list_defaults_are_arrays_as_the_engine_reads_them() {
        let decl = CommandDecl::new("list", "l")
            .reads()
            .arg(ArgDecl::list("components").default_value("API, Website"))
            .arg(ArgDecl::list("ids").integer().default_value("1,2"))
            .arg(ArgDecl::list("statuses").choices(&["a", "b"]).default_value("b"))
            .arg(ArgDecl::list("bad").integer().default_value("x"))
            .arg(ArgDecl::flag("verbose").default_value("yes"));
        let schema = Value::Object(input(&decl, false));
        let default = |id: &str| schema["properties"][id].get("default").cloned();
        assert_eq!(default("components"), Some(json!(["API", "Website"])));
        assert_eq!(default("ids"), Some(json!([1, 2])));
        assert_eq!(schema["properties"]["ids"]["items"], json!({"type": "integer"}));
        assert_eq!(default("statuses"), Some(json!(["b"])));
        assert_eq!(default("bad"), None, "a default the engine would refuse is left out");
        assert_eq!(default("verbose"), Some(json!(true)));
    }
}
