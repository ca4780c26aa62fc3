//! JSON request bodies and typed access to their fields, with 400 answers
//! naming the property for anything missing or malformed. Unknown fields are
//! ignored.

use serde_json::{Map, Value};

use super::errors::{ApiError, ApiResult};
use super::model::ComponentStatus;
use super::timestamp::Ts;

/// The body as a JSON object; the `Content-Type` is not checked.
pub(crate) fn decode(body: &[u8]) -> ApiResult<Map<String, Value>> {
    if body.trim_ascii().is_empty() {
        return Err(ApiError::invalid_body("The request body is empty: send a JSON object."));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid_body("The request body must be a JSON object.")),
        Err(error) => Err(ApiError::invalid_body(format!("The request body is not valid JSON: {error}"))),
    }
}

/// The fields of a body object, or of an object nested in it (`statusChange`).
pub(crate) struct Fields<'a> {
    /// `""` at the top, `"statusChange."` for a nested object.
    prefix: String,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>) -> Self {
        Self { prefix: String::new(), map }
    }

    fn property(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn missing(&self, name: &str) -> ApiError {
        let property = self.property(name);
        ApiError::invalid_property(&property, None, format!("{property} is required"))
    }

    fn wrong_type(&self, name: &str, expected: &str) -> ApiError {
        let property = self.property(name);
        let value = self.map.get(name).map(|value| match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        });
        ApiError::invalid_property(&property, value.as_deref(), format!("{property} must be {expected}"))
    }

    /// Absent and `null` are `None`.
    pub(crate) fn optional_string(&self, name: &str) -> ApiResult<Option<String>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(self.wrong_type(name, "a string")),
        }
    }

    /// Absent, `null` and `""` are missing.
    pub(crate) fn required_string(&self, name: &str) -> ApiResult<String> {
        self.optional_string(name)?.filter(|text| !text.is_empty()).ok_or_else(|| self.missing(name))
    }

    /// An RFC 3339 date-time; fractional seconds and any offset are fine.
    pub(crate) fn required_timestamp(&self, name: &str) -> ApiResult<Ts> {
        let text = self.required_string(name)?;
        Ts::parse_input(&text).ok_or_else(|| {
            let property = self.property(name);
            ApiError::invalid_property(
                &property,
                Some(&text),
                format!("{property} must be an RFC 3339 date-time, e.g. 2026-02-05T10:30:00Z"),
            )
        })
    }

    /// One of `operational`, `degradedPerformance`, `majorOutage`.
    pub(crate) fn status(&self, name: &str) -> ApiResult<ComponentStatus> {
        let text = self.required_string(name)?;
        ComponentStatus::parse(&text).ok_or_else(|| {
            let property = self.property(name);
            let allowed: Vec<&str> = ComponentStatus::ALL.iter().map(|status| status.as_str()).collect();
            ApiError::invalid_property(&property, Some(&text), format!("Invalid {property}: {text}"))
                .with_detail(format!("{property} must be one of: {}", allowed.join(", ")))
        })
    }

    pub(crate) fn optional_bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(self.wrong_type(name, "true or false")),
        }
    }

    pub(crate) fn required_bool(&self, name: &str) -> ApiResult<bool> {
        self.optional_bool(name)?.ok_or_else(|| self.missing(name))
    }

    /// A nested object; absent and `null` are `None`.
    pub(crate) fn object(&self, name: &str) -> ApiResult<Option<Fields<'a>>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields { prefix: format!("{}.", self.property(name)), map })),
            Some(_) => Err(self.wrong_type(name, "an object")),
        }
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
    fn bodies_must_be_json_objects() {
        assert_eq!(decode(b"").map_err(|error| error.status), Err(400));
        assert_eq!(decode(b"[1]").map_err(|error| error.status), Err(400));
        assert_eq!(decode(b"{nope").map_err(|error| error.status), Err(400));
        assert_eq!(decode(br#"{"a": 1}"#).map(|map| map.len()), Ok(1));
    }

    #[test]
    fn fields_are_typed_and_name_their_property() {
        let body = map(json!({
            "name": "x", "empty": "", "number": 5, "at": "2026-02-05T10:30:00.123456Z",
            "bad_at": "soon", "status": "partialOutage", "flag": true,
            "nested": {"status": "majorOutage"},
        }));
        let fields = Fields::new(&body);
        assert_eq!(fields.required_string("name"), Ok("x".to_owned()));
        assert_eq!(fields.required_string("empty").map_err(|error| error.status), Err(400));
        assert_eq!(fields.optional_string("number").map_err(|error| error.status), Err(400));
        assert_eq!(
            fields.required_timestamp("at").map(|ts| ts.to_string()).as_deref(),
            Ok("2026-02-05T10:30:00.123456Z")
        );
        assert_eq!(fields.required_timestamp("bad_at").map_err(|error| error.status), Err(400));
        assert_eq!(fields.status("status").map_err(|error| error.status), Err(400));
        assert_eq!(fields.required_bool("flag"), Ok(true));
        assert_eq!(fields.required_bool("missing").map_err(|error| error.status), Err(400));
        let nested = fields.object("nested").expect("an object").expect("present");
        assert_eq!(nested.status("status"), Ok(ComponentStatus::MajorOutage));
        let error = nested.required_string("other").expect_err("missing");
        assert_eq!(
            error.body.json().map(|body| body["errors"][0]["title"].clone()),
            Some(json!("nested.other is required"))
        );
    }
}
