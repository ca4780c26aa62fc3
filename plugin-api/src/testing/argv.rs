//! Command-line words to argument values, as the host's parser reads them: `--long V`,
//! `--long=V`, `-s V`, Conan's `-cs V`, lists taking every following word up to the next
//! flag, positionals in order. Values are checked against choices and types.

use serde_json::{Map, Value};

use crate::{ArgDecl, ArgKind, CommandDecl, Error, ValueType};

pub fn parse(decl: &CommandDecl, words: &[&str]) -> Result<Map<String, Value>, Error> {
    let mut given = Map::new();
    let mut positionals = decl.args.iter().filter(|a| a.kind == ArgKind::Positional);
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        i += 1;
        if !word.starts_with('-') || word == "-" {
            let arg =
                positionals.next().ok_or_else(|| Error::usage(format!("unexpected argument '{word}'")))?;
            given.insert(arg.id.clone(), scalar(arg, word)?);
            continue;
        }
        let (spelling, inline) = match word.split_once('=') {
            Some((s, v)) if word.starts_with("--") => (s, Some(v)),
            _ => (word, None),
        };
        let arg = decl
            .args
            .iter()
            .find(|a| a.spellings().iter().any(|s| s == spelling))
            .ok_or_else(|| Error::usage(format!("unexpected argument '{spelling}' for {}", decl.name)))?;
        match arg.kind {
            ArgKind::Flag => {
                given.insert(arg.id.clone(), Value::Bool(true));
            }
            ArgKind::Value | ArgKind::Positional => {
                let value = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        *words.get(i - 1).ok_or_else(|| Error::usage(format!("{spelling} needs a value")))?
                    }
                };
                given.insert(arg.id.clone(), scalar(arg, value)?);
            }
            ArgKind::List => {
                let mut items = match given.remove(&arg.id) {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                };
                let before = items.len();
                if let Some(v) = inline {
                    items.push(scalar(arg, v)?);
                }
                while inline.is_none() && i < words.len() && (!words[i].starts_with('-') || words[i] == "-") {
                    items.push(scalar(arg, words[i])?);
                    i += 1;
                }
                if items.len() == before {
                    return Err(Error::usage(format!("{spelling} needs at least one value")));
                }
                given.insert(arg.id.clone(), Value::Array(items));
            }
        }
    }
    Ok(given)
}

fn scalar(arg: &ArgDecl, raw: &str) -> Result<Value, Error> {
    if !arg.choices.is_empty() && !arg.choices.iter().any(|c| c == raw) {
        return Err(Error::usage(format!(
            "invalid value '{raw}' for --{}: possible values: {}",
            arg.long_name().unwrap_or_else(|| arg.id.clone()),
            arg.choices.join(", ")
        )));
    }
    match arg.value_type {
        ValueType::Integer if arg.choices.is_empty() => raw.parse::<i64>().map(Value::from).map_err(|_| {
            Error::usage(format!("invalid value '{raw}' for {}: expected a whole number", arg.id))
        }),
        _ => Ok(Value::from(raw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spellings_the_host_accepts() {
        let decl = CommandDecl::new("c", "c")
            .arg(ArgDecl::value("title").short('t'))
            .arg(ArgDecl::list("components").short('c'))
            .arg(ArgDecl::value("status").dash_alias("cs").choices(&["ok", "down"]))
            .arg(ArgDecl::value("limit").integer())
            .arg(ArgDecl::flag("no_notify"))
            .arg(ArgDecl::positional("id"));
        let given = parse(
            &decl,
            &["x", "-t", "T", "-c", "A", "B", "-cs", "down", "--limit=3", "--no-notify", "-c", "C"],
        )
        .unwrap();
        let expected = serde_json::json!({"title": "T", "components": ["A", "B", "C"], "status": "down",
            "limit": 3, "no_notify": true, "id": "x"});
        assert_eq!(Value::Object(given), expected);
        assert!(parse(&decl, &["-cs", "up"]).unwrap_err().message.contains("possible values: ok, down"));
        assert!(parse(&decl, &["--nope"]).is_err());
        assert!(parse(&decl, &["-t"]).is_err());
    }
}
