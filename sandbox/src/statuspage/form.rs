//! Form bodies with Rails-style keys, turned into the JSON they stand for:
//! `incident[name]=x&incident[component_ids][]=a&incident[components][a]=major_outage`
//! becomes `{"incident": {"name": "x", "component_ids": ["a"], "components": {"a": "major_outage"}}}`.
//! Every leaf is a string; the field readers convert `"true"`/`"false"`.

use serde_json::{Map, Value};

/// Decodes the body, or says which key cannot be placed.
pub(crate) fn decode(body: &[u8]) -> Result<Map<String, Value>, String> {
    let mut root = Map::new();
    for (key, value) in form_urlencoded::parse(body) {
        let path = parse_key(&key).ok_or_else(|| format!("malformed form key {key:?}"))?;
        insert(&mut root, &path, Value::String(value.into_owned()))
            .ok_or_else(|| format!("form key {key:?} conflicts with another key"))?;
    }
    Ok(root)
}

/// `a[b][]` → `["a", "b", ""]`; an empty segment means "append" and may only
/// come last.
fn parse_key(key: &str) -> Option<Vec<String>> {
    let (base, mut rest) = match key.find('[') {
        Some(index) => (&key[..index], &key[index..]),
        None => (key, ""),
    };
    if base.is_empty() {
        return None;
    }
    let mut path = vec![base.to_owned()];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        path.push(inner[..end].to_owned());
        rest = &inner[end + 1..];
    }
    let appends_early = path[..path.len() - 1].iter().skip(1).any(String::is_empty);
    (!appends_early).then_some(path)
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) -> Option<()> {
    let (head, rest) = path.split_first()?;
    match rest {
        [] => {
            if map.get(head).is_some_and(|existing| !existing.is_string()) {
                return None;
            }
            map.insert(head.clone(), value);
        }
        [append] if append.is_empty() => {
            let entry = map.entry(head.clone()).or_insert_with(|| Value::Array(Vec::new()));
            entry.as_array_mut()?.push(value);
        }
        _ => {
            let entry = map.entry(head.clone()).or_insert_with(|| Value::Object(Map::new()));
            insert(entry.as_object_mut()?, rest, value)?;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn decodes_rails_style_keys() {
        let body = "incident[name]=DB%20down&incident[component_ids][]=a&incident[component_ids][]=b\
                    &incident[components][a]=major_outage&incident[metadata][jira][id]=1&plain=yes+no";
        let decoded = decode(body.as_bytes()).expect("valid form");
        assert_eq!(
            Value::Object(decoded),
            json!({
                "incident": {
                    "name": "DB down",
                    "component_ids": ["a", "b"],
                    "components": {"a": "major_outage"},
                    "metadata": {"jira": {"id": "1"}},
                },
                "plain": "yes no",
            })
        );
    }

    #[test]
    fn refuses_malformed_and_conflicting_keys() {
        assert!(decode(b"incident[name=x").is_err());
        assert!(decode(b"[name]=x").is_err());
        assert!(decode(b"a[][b]=x").is_err());
        assert!(decode(b"a[b]=x&a=y").is_err());
        assert!(decode(b"a=y&a[b]=x").is_err());
    }
}
