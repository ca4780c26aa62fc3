use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a command returns: data (rendered by the host as JSON with `-f json`) and,
/// optionally, its own text rendering (printed as is with `-f text`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub data: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Output {
    pub fn data(data: Value) -> Self {
        Self { data, text: None }
    }
    /// Only text; `-f json` then prints `{"text": …}`.
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        Self { data: serde_json::json!({ "text": text }), text: Some(text) }
    }
    /// Data with the SDK's default text rendering (a table for a list of objects,
    /// `key  value` lines for an object).
    pub fn rendered(data: Value) -> Self {
        let text = crate::render::text(&data);
        Self { data, text: Some(text) }
    }
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }
}
