//! Rendering a result or an error for stdout.

use serde_json::{Value, json};
use statusctl_plugin_api::Output;

use crate::cli::globals::Format;
use crate::error::HostError;

/// `-f json`: the data, 2-space indented, keys in the order they came, and a newline.
pub fn json_text(data: &Value) -> String {
    let mut text = serde_json::to_string_pretty(data).unwrap_or_else(|_| "null".into());
    text.push('\n');
    text
}

pub fn render(output: &Output, format: Format) -> String {
    match (format, &output.text) {
        (Format::Text, Some(text)) => text.clone(),
        _ => json_text(&output.data),
    }
}

/// The JSON error object for `-f json`.
pub fn error_json(err: &HostError, message: &str) -> Value {
    json!({
        "error": {
            "message": message,
            "kind": err.kind(),
            "exit_code": err.exit_code().code(),
            "http_status": err.http_status(),
        }
    })
}
