//! JSON Schemas of the data the commands print with `-f json`: the API's own objects,
//! passed through, so only the fields statusctl relies on are described.
//!
//! The schemas are JSON text put together at compile time (`concat!` of literals, through the
//! macros below), so declaring a command copies a constant and builds no `serde_json::Value`:
//! every plugin load builds the manifest, and `statusctl --help` loads every plugin.

/// An array of `$item`.
macro_rules! list_of {
    ($item:expr) => {
        concat!(r#"{"type":"array","items":"#, $item, "}")
    };
}

/// A component (or a group of components).
macro_rules! component {
    () => {
        concat!(
            r#"{"type":"object","required":["id","name","status"],"properties":{"#,
            r#""id":{"type":"string"},"#,
            r#""name":{"type":"string"},"#,
            r#""status":{"type":"string","enum":["operational","under_maintenance","degraded_performance","#,
            r#""partial_outage","major_outage"]},"#,
            r#""group":{"type":"boolean"},"#,
            r#""group_id":{"type":["string","null"]}"#,
            "}}"
        )
    };
}

/// An incident or maintenance.
macro_rules! incident {
    () => {
        concat!(
            r#"{"type":"object","required":["id","name","status"],"properties":{"#,
            r#""id":{"type":"string"},"#,
            r#""name":{"type":"string"},"#,
            r#""status":{"type":"string","enum":["investigating","identified","monitoring","resolved","#,
            r#""scheduled","in_progress","verifying","completed"]},"#,
            r#""impact":{"type":"string"},"#,
            r#""created_at":{"type":"string","format":"date-time"},"#,
            r#""updated_at":{"type":["string","null"],"format":"date-time"},"#,
            r#""scheduled_for":{"type":["string","null"],"format":"date-time"},"#,
            r#""scheduled_until":{"type":["string","null"],"format":"date-time"},"#,
            r#""shortlink":{"type":["string","null"]},"#,
            r#""components":"#,
            list_of!(component!()),
            ",",
            r#""incident_updates":{"type":"array","items":{"type":"object","properties":{"#,
            r#""status":{"type":"string"},"#,
            r#""body":{"type":["string","null"]},"#,
            r#""created_at":{"type":"string","format":"date-time"}"#,
            "}}},",
            r#""metadata":{"type":"object"}"#,
            "}}"
        )
    };
}

/// A page.
macro_rules! page {
    () => {
        concat!(
            r#"{"type":"object","required":["id","name"],"properties":{"#,
            r#""id":{"type":"string"},"name":{"type":"string"},"url":{"type":["string","null"]}"#,
            "}}"
        )
    };
}

/// An incident or maintenance.
pub const INCIDENT: &str = incident!();

/// A list of incidents or maintenances.
pub const INCIDENTS: &str = list_of!(incident!());

/// A list of components (groups included).
pub const COMPONENTS: &str = list_of!(component!());

/// A list of pages.
pub const PAGES: &str = list_of!(page!());

/// What `delete_incident` prints.
pub const DELETED_INCIDENT: &str = concat!(
    r#"{"description":"The deleted incident; only id and deleted when an earlier attempt deleted it","#,
    r#""type":"object","required":["id"],"properties":{"#,
    r#""id":{"type":"string"},"name":{"type":"string"},"deleted":{"type":"boolean"}"#,
    "}}"
);

/// What `change_status` prints: the incident it opened, or the components it changed.
pub const STATUS_CHANGE: &str = concat!(r#"{"oneOf":["#, incident!(), ",", list_of!(component!()), "]}");

/// What `test_connection` prints.
pub const CONNECTION: &str = concat!(
    r#"{"type":"object","required":["page","components","ok"],"properties":{"#,
    r#""page":"#,
    page!(),
    ",",
    r#""components":{"type":"integer","description":"how many components (groups not counted)"},"#,
    r#""ok":{"const":true}"#,
    "}}"
);

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::full_manifest;
    use statusctl_plugin_api::serde_json::{self, Value, json};

    use crate::Statuspage;

    /// The schemas as they were built before they became constants (`serde_json::json!`),
    /// kept to check that the constants are the same documents.
    mod old {
        use statusctl_plugin_api::serde_json::{Value, json};

        pub fn incident() -> Value {
            json!({
                "type": "object",
                "required": ["id", "name", "status"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "status": {"type": "string", "enum": ["investigating", "identified", "monitoring", "resolved",
                        "scheduled", "in_progress", "verifying", "completed"]},
                    "impact": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": ["string", "null"], "format": "date-time"},
                    "scheduled_for": {"type": ["string", "null"], "format": "date-time"},
                    "scheduled_until": {"type": ["string", "null"], "format": "date-time"},
                    "shortlink": {"type": ["string", "null"]},
                    "components": {"type": "array", "items": component()},
                    "incident_updates": {"type": "array", "items": {"type": "object", "properties": {
                        "status": {"type": "string"},
                        "body": {"type": ["string", "null"]},
                        "created_at": {"type": "string", "format": "date-time"}
                    }}},
                    "metadata": {"type": "object"}
                }
            })
        }

        pub fn component() -> Value {
            json!({
                "type": "object",
                "required": ["id", "name", "status"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "status": {"type": "string", "enum": ["operational", "under_maintenance", "degraded_performance",
                        "partial_outage", "major_outage"]},
                    "group": {"type": "boolean"},
                    "group_id": {"type": ["string", "null"]}
                }
            })
        }

        pub fn page() -> Value {
            json!({
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "url": {"type": ["string", "null"]}}
            })
        }

        pub fn list_of(item: Value) -> Value {
            json!({"type": "array", "items": item})
        }
    }

    /// Each command's schema as its declaration built it before.
    fn old_schemas() -> Vec<(&'static str, Value)> {
        vec![
            ("create_incident", old::incident()),
            ("update_incident", old::incident()),
            ("schedule_maintenance", old::incident()),
            ("resolve_incident", old::incident()),
            ("list_incidents", old::list_of(old::incident())),
            ("get_incident", old::incident()),
            (
                "delete_incident",
                json!({
                    "description": "The deleted incident; only id and deleted when an earlier attempt deleted it",
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "deleted": {"type": "boolean"}}
                }),
            ),
            ("list_components", old::list_of(old::component())),
            ("change_status", json!({"oneOf": [old::incident(), old::list_of(old::component())]})),
            (
                "test_connection",
                json!({
                    "type": "object",
                    "required": ["page", "components", "ok"],
                    "properties": {
                        "page": old::page(),
                        "components": {"type": "integer", "description": "how many components (groups not counted)"},
                        "ok": {"const": true}
                    }
                }),
            ),
            ("list_pages", old::list_of(old::page())),
            // The SDK's result of apply_incident/1.
            ("apply_incident", serde_json::from_str(statusctl_plugin_api::apply::RESULT_SCHEMA).unwrap()),
        ]
    }

    #[test]
    fn every_command_declares_the_same_schema_as_before() {
        let manifest = full_manifest(&Statuspage::default());
        let old = old_schemas();
        let names: Vec<&str> = manifest.commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, old.iter().map(|(name, _)| *name).collect::<Vec<_>>());
        for (cmd, (name, expected)) in manifest.commands.iter().zip(old) {
            let schema = cmd.output_schema.as_ref().unwrap_or_else(|| panic!("{name}: no output schema"));
            let parsed: Value = serde_json::from_str(schema.text()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(parsed, expected, "{name}");
            // The same document, keys in the same order.
            assert_eq!(
                serde_json::to_string(&parsed).unwrap(),
                serde_json::to_string(&expected).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn every_schema_is_json() {
        let all = [
            ("INCIDENT", super::INCIDENT),
            ("INCIDENTS", super::INCIDENTS),
            ("COMPONENTS", super::COMPONENTS),
            ("PAGES", super::PAGES),
            ("DELETED_INCIDENT", super::DELETED_INCIDENT),
            ("STATUS_CHANGE", super::STATUS_CHANGE),
            ("CONNECTION", super::CONNECTION),
        ];
        for (name, text) in all {
            let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(value.is_object(), "{name}");
        }
        assert_eq!(serde_json::from_str::<Value>(super::INCIDENT).unwrap(), old::incident());
        assert_eq!(serde_json::from_str::<Value>(super::COMPONENTS).unwrap(), old::list_of(old::component()));
        assert_eq!(serde_json::from_str::<Value>(super::PAGES).unwrap(), old::list_of(old::page()));
    }
}
