//! JSON Schemas of the commands' data (what `-f json` prints). The commands pass Nobl9's
//! answers on as they come, so the schemas name the fields statusctl reads and shows, and
//! allow the others.
//!
//! The schemas are JSON text put together at compile time (`concat!` of literals, through the
//! macros below), so declaring a command copies a constant and builds no `serde_json::Value`:
//! every plugin load builds the manifest, and `statusctl --help` loads every plugin.

/// An object with these properties (none required: Nobl9 leaves empty fields out); the
/// arguments are the text between the braces of `properties`.
macro_rules! object {
    ($($properties:expr),* $(,)?) => {
        concat!(r#"{"type":"object","properties":{"#, $($properties,)* "}}")
    };
}

/// An array of `$items`.
macro_rules! list {
    ($items:expr) => {
        concat!(r#"{"type":"array","items":"#, $items, "}")
    };
}

/// An object whose keys are all present (statusctl builds it), each with its schema:
/// `record!("key": schema, ...)`; `required` lists the keys in order.
macro_rules! record {
    ($key:literal: $schema:expr $(, $keys:literal: $schemas:expr)* $(,)?) => {
        concat!(
            r#"{"type":"object","properties":{"#,
            "\"", $key, "\":", $schema,
            $(",\"", $keys, "\":", $schemas,)*
            r#"},"required":["#,
            "\"", $key, "\"",
            $(",\"", $keys, "\"",)*
            "]}"
        )
    };
}

/// A component status as Nobl9 spells it.
macro_rules! status {
    () => {
        r#"{"enum":["operational","degradedPerformance","majorOutage"]}"#
    };
}

/// One component; `children` holds components too.
macro_rules! component {
    () => {
        object!(
            r#""id":{"type":"string"},"#,
            r#""name":{"type":"string"},"#,
            r#""description":{"type":"string"},"#,
            r#""status":"#,
            status!(),
            r#","children":"#,
            list!(r#"{"type":"object"}"#),
        )
    };
}

/// `GET /status-page/components` (and the `components` of `/status-page/status`).
macro_rules! tree {
    () => {
        object!(r#""components":"#, list!(component!()))
    };
}

/// A status change: the answer to a change, or an entry of the status history.
macro_rules! status_change {
    () => {
        object!(
            r#""id":{"type":"string"},"#,
            r#""componentId":{"type":"string"},"#,
            r#""componentName":{"type":"string"},"#,
            r#""previousStatus":"#,
            status!(),
            r#","newStatus":"#,
            status!(),
            r#","comment":{"type":"string"},"#,
            r#""changedAt":{"type":"string","format":"date-time"},"#,
            r#""changedBy":{"type":"string"},"#,
            r#""propagatedFrom":{"type":"string"},"#,
            r#""propagated":"#,
            list!(r#"{"type":"object"}"#),
        )
    };
}

/// `GET /status-page/components/{id}/status-changes`.
macro_rules! history {
    () => {
        object!(r#""componentId":{"type":"string"},"history":"#, list!(status_change!()))
    };
}

/// `GET /status-page/incidents`: incidents grouped by day.
macro_rules! incidents {
    () => {
        object!(
            r#""days":"#,
            list!(object!(
                r#""date":{"type":"string","format":"date"},"#,
                r#""count":{"type":"integer"},"#,
                r#""incidents":"#,
                list!(object!(
                    r#""id":{"type":"string"},"#,
                    r#""componentId":{"type":"string"},"#,
                    r#""componentName":{"type":"string"},"#,
                    r#""severity":{"enum":["degradedPerformance","majorOutage"]},"#,
                    r#""status":{"enum":["ongoing","resolved"]},"#,
                    r#""startedAt":{"type":"string","format":"date-time"},"#,
                    r#""endedAt":{"type":"string","format":"date-time"},"#,
                    r#""duration":{"type":"number"},"#,
                    r#""startComment":{"type":"string"},"#,
                    r#""issueCount":{"type":"integer"}"#,
                )),
            )),
        )
    };
}

/// An issue report.
macro_rules! issue {
    () => {
        object!(
            r#""id":{"type":"string"},"#,
            r#""componentId":{"type":"string"},"#,
            r#""componentName":{"type":"string"},"#,
            r#""source":{"enum":["user","external","internal"]},"#,
            r#""comment":{"type":"string"},"#,
            r#""occurredAt":{"type":"string"}"#,
        )
    };
}

/// `GET /status-page/issues/summary`.
macro_rules! issue_summary {
    () => {
        object!(
            r#""totalCounts":{"type":"object"},"#,
            r#""components":"#,
            list!(object!(
                r#""componentId":{"type":"string"},"#,
                r#""componentName":{"type":"string"},"#,
                r#""counts":{"type":"object"},"#,
                r#""activeCounts":{"type":"object"}"#,
            )),
        )
    };
}

/// `POST /status-page/issues/external`: the reports made and the status changes triggered.
macro_rules! external_issue {
    () => {
        object!(
            r#""reports":"#,
            list!(object!(
                r#""id":{"type":"string"},"#,
                r#""componentId":{"type":"string"},"#,
                r#""componentName":{"type":"string"}"#,
            )),
            r#","statusChanges":"#,
            list!(status_change!()),
        )
    };
}

/// `GET /status-page/components`.
pub const TREE: &str = tree!();

/// A status change.
pub const STATUS_CHANGE: &str = status_change!();

/// `GET /status-page/components/{id}/status-changes`.
pub const HISTORY: &str = history!();

/// `GET /status-page/incidents`: incidents grouped by day.
pub const INCIDENTS: &str = incidents!();

/// An issue report.
pub const ISSUE: &str = issue!();

/// `GET /status-page/issues`: a page of issue reports.
pub const ISSUES: &str = object!(
    r#""issues":"#,
    list!(issue!()),
    r#","total":{"type":"integer"},"#,
    r#""limit":{"type":"integer"},"#,
    r#""offset":{"type":"integer"}"#,
);

/// `GET /status-page/issues/summary`.
pub const ISSUE_SUMMARY: &str = issue_summary!();

/// `POST /status-page/issues/external`.
pub const EXTERNAL_ISSUE: &str = external_issue!();

/// What `create_external_issue` prints: the reports and status changes, or (with
/// `--list-components`) the components of the tree in one list, parents first.
pub const EXTERNAL_ISSUE_OR_COMPONENTS: &str =
    concat!(r#"{"oneOf":["#, external_issue!(), ",", list!(component!()), "]}");

/// What `test_connection` prints.
pub const CONNECTION: &str = record!(
    "configuration": record!(
        "source": r#"{"type":"string"}"#,
        "organization": r#"{"type":"string"}"#,
        "api": r#"{"type":"string"}"#,
    ),
    "authenticated": r#"{"const":true}"#,
    "status": tree!(),
);

/// What `incident_workflow` prints: the answer of each step.
pub const INCIDENT_WORKFLOW: &str = record!(
    "issue": issue!(),
    "statusChange": status_change!(),
    "ongoingIncidents": incidents!(),
    "issueSummary": issue_summary!(),
    "resolution": status_change!(),
    "remainingIncidents": incidents!(),
    "statusHistory": history!(),
);

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::full_manifest;
    use statusctl_plugin_api::serde_json::{self, Value};

    use crate::Nobl9;

    /// Every command declares an output schema, a JSON object. What each says is pinned,
    /// command by command, by the MCP server's golden `tools/list` (tests/mcp/tools.golden.json).
    #[test]
    fn every_command_declares_an_object_schema() {
        let manifest = full_manifest(&Nobl9::default());
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
            ("TREE", super::TREE),
            ("STATUS_CHANGE", super::STATUS_CHANGE),
            ("HISTORY", super::HISTORY),
            ("INCIDENTS", super::INCIDENTS),
            ("ISSUE", super::ISSUE),
            ("ISSUES", super::ISSUES),
            ("ISSUE_SUMMARY", super::ISSUE_SUMMARY),
            ("EXTERNAL_ISSUE", super::EXTERNAL_ISSUE),
            ("EXTERNAL_ISSUE_OR_COMPONENTS", super::EXTERNAL_ISSUE_OR_COMPONENTS),
            ("CONNECTION", super::CONNECTION),
            ("INCIDENT_WORKFLOW", super::INCIDENT_WORKFLOW),
        ];
        for (name, text) in all {
            let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(value.is_object(), "{name}");
        }
    }
}
