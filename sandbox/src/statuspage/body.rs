//! Request bodies (JSON or Rails-style form) and typed access to their
//! fields, with the API's 400/422 answers for bad input.

use serde_json::{Map, Value};

use super::errors::{ApiError, ApiResult};
use super::form;
use super::timestamp::Ts;

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// Decodes a write body according to its `Content-Type`. An empty body is an
/// empty object; a body that does not match its declared type is a 400.
pub(crate) fn decode(content_type: Option<&str>, body: &[u8]) -> ApiResult<Map<String, Value>> {
    if body.trim_ascii().is_empty() {
        return Ok(Map::new());
    }
    let media_type =
        content_type.map(|value| value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    match media_type.as_deref() {
        Some(JSON) => decode_json(body),
        Some(kind) if kind.starts_with("application/") && kind.ends_with("+json") => decode_json(body),
        Some(FORM) => {
            if matches!(body.trim_ascii_start().first(), Some(b'{' | b'[')) {
                return Err(ApiError::bad_request(format!(
                    "The body looks like JSON but the Content-Type is {FORM}; send Content-Type: {JSON}"
                )));
            }
            form::decode(body).map_err(ApiError::bad_request)
        }
        Some(other) => {
            Err(ApiError::bad_request(format!("Unsupported Content-Type {other:?}: send {JSON} or {FORM}")))
        }
        None => Err(ApiError::bad_request(format!(
            "Missing Content-Type header: send {JSON} or {FORM} matching the body"
        ))),
    }
}

fn decode_json(body: &[u8]) -> ApiResult<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("The request body must be a JSON object")),
        Err(error) => Err(ApiError::bad_request(format!(
            "The request body is not valid JSON (does it match the Content-Type?): {error}"
        ))),
    }
}

/// A field that may be absent, explicitly `null`, or set.
pub(crate) type Nullable<T> = Option<Option<T>>;

/// The object under a resource root key (`{"incident": {...}}`).
pub(crate) struct Fields<'a> {
    root: &'static str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// Rails' `params.require(root)`: a missing or empty root is a 400.
    pub(crate) fn require(body: &'a Map<String, Value>, root: &'static str) -> ApiResult<Self> {
        match body.get(root) {
            Some(Value::Object(map)) if !map.is_empty() => Ok(Self { root, map }),
            Some(Value::Object(_)) | None | Some(Value::Null) => {
                Err(ApiError::bad_request(format!("param is missing or the value is empty: {root}")))
            }
            Some(_) => Err(ApiError::bad_request(format!("{root} must be an object"))),
        }
    }

    fn invalid(&self, name: &str, expected: &str) -> ApiError {
        ApiError::unprocessable(format!("{}[{name}] must be {expected}", self.root))
    }

    pub(crate) fn string(&self, name: &str) -> ApiResult<Nullable<String>> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(text)) => Ok(Some(Some(text.clone()))),
            Some(_) => Err(self.invalid(name, "a string")),
        }
    }

    /// JSON booleans, or `"true"`/`"false"`/`"1"`/`"0"` as forms send them.
    pub(crate) fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(Value::String(text)) => match text.as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(self.invalid(name, "true or false")),
            },
            Some(_) => Err(self.invalid(name, "true or false")),
        }
    }

    pub(crate) fn timestamp(&self, name: &str) -> ApiResult<Nullable<Ts>> {
        match self.string(name)? {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(text)) if text.trim().is_empty() => Ok(Some(None)),
            Some(Some(text)) => Ts::parse_input(&text)
                .map(|ts| Some(Some(ts)))
                .ok_or_else(|| self.invalid(name, "an ISO 8601 date-time")),
        }
    }

    pub(crate) fn string_list(&self, name: &str) -> ApiResult<Option<Vec<String>>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_owned).ok_or_else(|| self.invalid(name, "a list of ids"))
                })
                .collect::<ApiResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(self.invalid(name, "a list of ids")),
        }
    }

    pub(crate) fn raw(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn content_type_must_match_the_body() {
        let json_body = br#"{"incident": {"name": "x"}}"#;
        assert!(decode(Some("application/json; charset=utf-8"), json_body).is_ok());
        assert_eq!(decode(Some(FORM), json_body).expect_err("mismatch").status, 400);
        assert_eq!(decode(Some(JSON), b"incident[name]=x").expect_err("mismatch").status, 400);
        assert_eq!(decode(None, json_body).expect_err("no type").status, 400);
        assert_eq!(decode(Some("text/plain"), json_body).expect_err("other type").status, 400);
        assert_eq!(decode(Some(JSON), b"[1]").expect_err("not an object").status, 400);
        assert_eq!(decode(None, b"  ").expect("empty body"), Map::new());
        let form = decode(Some(FORM), b"incident[name]=x").expect("form");
        assert_eq!(Value::Object(form), json!({"incident": {"name": "x"}}));
    }

    #[test]
    fn root_is_required_and_fields_are_typed() {
        let body = map(json!({"incident": {"name": 5, "flag": "true", "ids": ["a", 1], "at": "soon"}}));
        assert_eq!(Fields::require(&map(json!({})), "incident").err().map(|e| e.status), Some(400));
        let fields = Fields::require(&body, "incident").expect("root");
        assert_eq!(fields.string("name").expect_err("a number").message, "incident[name] must be a string");
        assert_eq!(fields.bool("flag").expect("form boolean"), Some(true));
        assert_eq!(fields.string_list("ids").expect_err("mixed list").status, 422);
        assert_eq!(fields.timestamp("at").expect_err("not a time").status, 422);
        assert_eq!(fields.string("missing").expect("absent"), None);
    }
}
