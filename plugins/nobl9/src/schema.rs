//! JSON Schemas of the commands' data (what `-f json` prints). The commands pass Nobl9's
//! answers on as they come, so the schemas name the fields statusctl reads and shows, and
//! allow the others.

use statusctl_plugin_api::serde_json::{Value, json};

/// An object with these properties (none required: Nobl9 leaves empty fields out).
fn object(properties: Value) -> Value {
    json!({"type": "object", "properties": properties})
}

fn list(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

/// A component status as Nobl9 spells it.
fn status() -> Value {
    json!({"enum": ["operational", "degradedPerformance", "majorOutage"]})
}

/// One component; `children` holds components too.
pub fn component() -> Value {
    object(json!({
        "id": {"type": "string"},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "status": status(),
        "children": list(json!({"type": "object"})),
    }))
}

/// `GET /status-page/components` (and the `components` of `/status-page/status`).
pub fn tree() -> Value {
    object(json!({"components": list(component())}))
}

/// The components of the tree in one list, parents first.
pub fn flat_components() -> Value {
    list(component())
}

/// A status change: the answer to a change, or an entry of the status history.
pub fn status_change() -> Value {
    object(json!({
        "id": {"type": "string"},
        "componentId": {"type": "string"},
        "componentName": {"type": "string"},
        "previousStatus": status(),
        "newStatus": status(),
        "comment": {"type": "string"},
        "changedAt": {"type": "string", "format": "date-time"},
        "changedBy": {"type": "string"},
        "propagatedFrom": {"type": "string"},
        "propagated": list(json!({"type": "object"})),
    }))
}

/// `GET /status-page/components/{id}/status-changes`.
pub fn history() -> Value {
    object(json!({"componentId": {"type": "string"}, "history": list(status_change())}))
}

/// `GET /status-page/incidents`: incidents grouped by day.
pub fn incidents() -> Value {
    let incident = object(json!({
        "id": {"type": "string"},
        "componentId": {"type": "string"},
        "componentName": {"type": "string"},
        "severity": {"enum": ["degradedPerformance", "majorOutage"]},
        "status": {"enum": ["ongoing", "resolved"]},
        "startedAt": {"type": "string", "format": "date-time"},
        "endedAt": {"type": "string", "format": "date-time"},
        "duration": {"type": "number"},
        "startComment": {"type": "string"},
        "issueCount": {"type": "integer"},
    }));
    let day = object(json!({
        "date": {"type": "string", "format": "date"},
        "count": {"type": "integer"},
        "incidents": list(incident),
    }));
    object(json!({"days": list(day)}))
}

/// An issue report.
pub fn issue() -> Value {
    object(json!({
        "id": {"type": "string"},
        "componentId": {"type": "string"},
        "componentName": {"type": "string"},
        "source": {"enum": ["user", "external", "internal"]},
        "comment": {"type": "string"},
        "occurredAt": {"type": "string"},
    }))
}

/// `GET /status-page/issues`: a page of issue reports.
pub fn issues() -> Value {
    object(json!({
        "issues": list(issue()),
        "total": {"type": "integer"},
        "limit": {"type": "integer"},
        "offset": {"type": "integer"},
    }))
}

/// `GET /status-page/issues/summary`.
pub fn issue_summary() -> Value {
    object(json!({
        "totalCounts": {"type": "object"},
        "components": list(object(json!({
            "componentId": {"type": "string"},
            "componentName": {"type": "string"},
            "counts": {"type": "object"},
            "activeCounts": {"type": "object"},
        }))),
    }))
}

/// `POST /status-page/issues/external`: the reports made and the status changes triggered.
pub fn external_issue() -> Value {
    let report = object(json!({
        "id": {"type": "string"},
        "componentId": {"type": "string"},
        "componentName": {"type": "string"},
    }));
    object(json!({"reports": list(report), "statusChanges": list(status_change())}))
}

/// An object whose keys are all present (statusctl builds it), each with its schema.
pub fn record(properties: Value) -> Value {
    let required: Vec<&String> = properties.as_object().map(|p| p.keys().collect()).unwrap_or_default();
    json!({"type": "object", "properties": properties, "required": required})
}
