//! Values in text as the scripts print them with Python's `str()`.

use statusctl_plugin_api::serde_json::Value;

/// Strings raw, `None` when absent or null, anything else as JSON.
pub fn py(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::py;
    use statusctl_plugin_api::serde_json::json;

    #[test]
    fn like_python() {
        assert_eq!(py(&json!(null)), "None");
        assert_eq!(py(&json!("a")), "a");
        assert_eq!(py(&json!(3600)), "3600");
    }
}
