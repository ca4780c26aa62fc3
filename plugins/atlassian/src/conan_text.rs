//! The Conan commands' text output, byte for byte: a header line, `Field: value` lines
//! (values as Python's `str()` prints them), and the extra empty line Conan adds.

use statusctl_plugin_api::serde_json::Value;

/// Python's `str()` of a JSON value: strings raw, `None`, `True`/`False`.
fn py(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "None".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "True".into(),
        Some(Value::Bool(false)) => "False".into(),
        Some(other) => other.to_string(),
    }
}

fn lines(header: &str, fields: &[(&str, &str)], incident: &Value) -> String {
    let mut out = format!("{header}\n");
    for (label, key) in fields {
        out.push_str(&format!("{label}{}\n", py(incident.get(*key))));
    }
    out.push('\n');
    out
}

pub fn created(incident: &Value) -> String {
    lines(
        "Created incident:",
        &[
            ("Incident ID: ", "id"),
            ("Created at: ", "created_at"),
            ("Name: ", "name"),
            ("Status: ", "status"),
            ("Impact: ", "impact"),
            ("URL: ", "shortlink"),
        ],
        incident,
    )
}

const UPDATED_FIELDS: [(&str, &str); 7] = [
    ("Incident ID: ", "id"),
    ("Created at: ", "created_at"),
    ("Updated at: ", "updated_at"),
    ("Name: ", "name"),
    ("Status: ", "status"),
    ("Impact: ", "impact"),
    ("URL: ", "shortlink"),
];

pub fn updated(incident: &Value) -> String {
    lines("Updated incident:", &UPDATED_FIELDS, incident)
}

/// Conan prints "Resolved incident:" for maintenance too.
pub fn resolved(incident: &Value) -> String {
    lines("Resolved incident:", &UPDATED_FIELDS, incident)
}

/// Note "Scheduled for (UTC) " has no colon, as in the original.
pub fn scheduled(incident: &Value) -> String {
    lines(
        "Scheduled maintenance:",
        &[
            ("Maintenance ID: ", "id"),
            ("Created at: ", "created_at"),
            ("Name: ", "name"),
            ("Scheduled for (UTC) ", "scheduled_for"),
            ("Status: ", "status"),
            ("Impact: ", "impact"),
            ("URL: ", "shortlink"),
        ],
        incident,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use statusctl_plugin_api::serde_json::json;

    #[test]
    fn the_spec_example_byte_for_byte() {
        let response = json!({"id": "newinc0000001", "created_at": "2026-11-25T10:00:00.000Z", "name": "Title",
            "status": "investigating", "impact": "major", "shortlink": "https://stspg.io/abc123"});
        assert_eq!(
            created(&response),
            "Created incident:\nIncident ID: newinc0000001\nCreated at: 2026-11-25T10:00:00.000Z\nName: Title\nStatus: investigating\nImpact: major\nURL: https://stspg.io/abc123\n\n"
        );
    }

    #[test]
    fn python_str_of_values() {
        assert_eq!(py(None), "None");
        assert_eq!(py(Some(&json!(null))), "None");
        assert_eq!(py(Some(&json!(true))), "True");
        assert_eq!(py(Some(&json!(3))), "3");
        let text = scheduled(&json!({"scheduled_for": "2030-01-01T10:00:00.000Z"}));
        assert!(text.contains("\nScheduled for (UTC) 2030-01-01T10:00:00.000Z\n"), "{text}");
    }
}
