use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The values of a command's arguments after the host parsed and resolved them
/// (command line, then environment, then profile, then default). Absent means not given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Args(pub Map<String, Value>);

impl Args {
    pub fn get(&self, id: &str) -> Option<&Value> {
        self.0.get(id)
    }
    /// A single value (`Value` or `Positional` argument).
    pub fn str(&self, id: &str) -> Option<&str> {
        self.0.get(id).and_then(Value::as_str)
    }
    /// A boolean flag; false when absent.
    pub fn flag(&self, id: &str) -> bool {
        self.0.get(id).and_then(Value::as_bool).unwrap_or(false)
    }
    /// An integer argument.
    pub fn int(&self, id: &str) -> Option<i64> {
        self.0.get(id).and_then(Value::as_i64)
    }
    /// A list argument (empty when absent); a single value is a list of one.
    pub fn list(&self, id: &str) -> Vec<String> {
        match self.0.get(id) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
    pub fn contains(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }
    pub fn set(&mut self, id: &str, value: impl Into<Value>) {
        self.0.insert(id.into(), value.into());
    }

    /// The arguments as a typed struct (`#[derive(Deserialize)]`, field names = argument
    /// ids; `Option<T>` for optional values, `Vec<String>` for lists, `bool` with
    /// `#[serde(default)]` for flags). A mismatch is a usage error naming the argument.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::Error> {
        serde_json::from_value(Value::Object(self.0.clone()))
            .map_err(|e| crate::Error::usage(format!("invalid arguments: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_access() {
        let args: Args =
            serde_json::from_str(r#"{"title":"t","n":3,"yes":true,"cs":["a","b"],"one":"x"}"#).unwrap();
        assert_eq!(args.str("title"), Some("t"));
        assert_eq!(args.int("n"), Some(3));
        assert!(args.flag("yes") && !args.flag("no"));
        assert_eq!(args.list("cs"), ["a", "b"]);
        assert_eq!(args.list("one"), ["x"]);
        assert!(args.list("none").is_empty());

        #[derive(serde::Deserialize)]
        struct Typed {
            title: String,
            n: i64,
            #[serde(default)]
            yes: bool,
            #[serde(default)]
            no: bool,
            cs: Vec<String>,
            missing: Option<String>,
        }
        let typed: Typed = args.parse().unwrap();
        assert_eq!((typed.title.as_str(), typed.n, typed.yes, typed.no), ("t", 3, true, false));
        assert_eq!((typed.cs.len(), typed.missing), (2, None));
        let err = args.parse::<(u8,)>().unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::Usage);
    }
}
