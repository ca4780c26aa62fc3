//! A default text rendering for a command's data, for plugins that have no text of their
//! own: a table for a list of objects, `key: value` lines for an object, the value itself
//! for a scalar.

use serde_json::Value;

/// Renders `data` as text (ending in a newline unless empty).
pub fn text(data: &Value) -> String {
    let mut out = match data {
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => table(items),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join("\n"),
        Value::Object(map) => {
            let width = map.keys().map(|k| k.chars().count()).max().unwrap_or(0);
            map.iter().map(|(k, v)| format!("{k:width$}  {}", cell(v))).collect::<Vec<_>>().join("\n")
        }
        other => cell(other),
    };
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// One value on one line: strings as they are, nested data as compact JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// Columns: the keys of the objects in first-seen order; headers upper-cased.
fn table(items: &[Value]) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for item in items {
        for key in item.as_object().into_iter().flat_map(|m| m.keys()) {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
    }
    let rows: Vec<Vec<String>> =
        items.iter().map(|item| columns.iter().map(|c| cell(&item[*c])).collect()).collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| rows.iter().map(|r| r[i].chars().count()).chain([c.len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:w$}")).collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut lines = vec![line(columns.iter().map(|c| c.to_uppercase()).collect())];
    lines.extend(rows.into_iter().map(line));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_of_objects_are_tables_objects_are_key_value() {
        let list =
            json!([{"id": "a1", "name": "API", "status": "operational"}, {"id": "b22", "name": "Web site"}]);
        assert_eq!(text(&list), "ID   NAME      STATUS\na1   API       operational\nb22  Web site\n");
        let object = json!({"id": "a1", "components": ["x", "y"], "meta": {"k": 1}});
        assert_eq!(text(&object), "id          a1\ncomponents  x, y\nmeta        {\"k\":1}\n");
        assert_eq!(text(&json!("done")), "done\n");
        assert_eq!(text(&json!([])), "");
    }
}
