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
    use statusctl_plugin_api::serde_json::{self, Value};

    use crate::Statuspage;

    /// Every command declares an output schema, a JSON object. What each says is pinned,
    /// command by command, by the MCP server's golden `tools/list` (tests/mcp/tools.golden.json).
    #[test]
    fn every_command_declares_an_object_schema() {
        let manifest = full_manifest(&Statuspage::default());
        for cmd in &manifest.commands {
            let name = &cmd.name;
            let schema = cmd.output_schema.as_ref().unwrap_or_else(|| panic!("{name}: no output schema"));
            let parsed: Value = serde_json::from_str(schema.text()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(parsed.is_object(), "{name}");
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
    }
}
