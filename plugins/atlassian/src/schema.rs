//! JSON Schemas of the data the commands print with `-f json`: the API's own objects,
//! passed through, so only the fields statusctl relies on are described.

use statusctl_plugin_api::serde_json::{Value, json};

/// An incident or maintenance.
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

/// A component (or a group of components).
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

/// A page.
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
