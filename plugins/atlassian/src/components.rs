//! Components by name as well as id. An id-shaped value (`^[a-z0-9]{12}$`) is sent as given,
//! with no request (as Conan did); anything else is looked up by exact name.

use statusctl_plugin_api::Error;
use statusctl_plugin_api::serde_json::{Map, Value, json};

use crate::client::Client;

pub fn is_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Ids for `values`, in order, looking names up (one paged listing) only when needed.
pub fn resolve(client: &Client<'_, '_>, page: &str, values: &[String]) -> Result<Vec<String>, Error> {
    if values.iter().all(|v| is_id(v)) {
        return Ok(values.to_vec());
    }
    resolve_in(&listing(client, page)?, page, values)
}

/// Every component of the page (groups included). A name is decided on the whole list: a
/// listing that does not end is an error.
pub fn listing(client: &Client<'_, '_>, page: &str) -> Result<Vec<Value>, Error> {
    client.get_all(&format!("/pages/{page}/components"), None)?.whole()
}

/// Ids for `values` among the components `all` (the page's listing): an id-shaped value as
/// given, a name by exact match (unknown or ambiguous: a usage error listing the candidates).
pub fn resolve_in(all: &[Value], page: &str, values: &[String]) -> Result<Vec<String>, Error> {
    let components: Vec<(&str, &str)> = all
        .iter()
        .filter(|c| c.get("group").and_then(Value::as_bool) != Some(true))
        .filter_map(|c| Some((c.get("id")?.as_str()?, c.get("name")?.as_str()?)))
        .collect();
    values
        .iter()
        .map(|value| {
            if is_id(value) {
                return Ok(value.clone());
            }
            let matches: Vec<&str> =
                components.iter().filter(|(_, n)| n == value).map(|(id, _)| *id).collect();
            match matches.as_slice() {
                [id] => Ok(id.to_string()),
                [] => {
                    let names: Vec<&str> = components.iter().map(|(_, n)| *n).collect();
                    Err(Error::usage(format!(
                        "no component named `{value}` on page {page}; components: {}",
                        if names.is_empty() { "none".to_string() } else { names.join(", ") }
                    )))
                }
                ids => Err(Error::usage(format!(
                    "the component name `{value}` is ambiguous on page {page}: {}; pass one of these ids",
                    ids.join(", ")
                ))),
            }
        })
        .collect()
}

/// `{"<id>": status, …}`: the `components` object of an incident.
pub fn statuses(ids: &[String], status: &str) -> Value {
    Value::Object(ids.iter().map(|id| (id.clone(), json!(status))).collect::<Map<_, _>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_shape() {
        assert!(is_id("apicomponent"));
        assert!(is_id("9l6psxxrg5vh"));
        assert!(!is_id("API"));
        assert!(!is_id("apicomponent1"));
        assert!(!is_id("ApiComponent"));
        assert!(!is_id("api-componen"));
    }
}
