//! Title, message and component templates (minijinja), and the cleaning of what they
//! render before it is sent: no control characters, a title of at most 255 characters and
//! a message of at most 25,000 (each cut with "…").

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

pub const TITLE_MAX: usize = 255;
pub const MESSAGE_MAX: usize = 25_000;

/// The template environment: a missing field renders empty (`group.commonAnnotations.x`
/// on a group without it), never an error at alert time.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_keep_trailing_newline(false);
    env
}

/// Checks a template: it must parse, and render against a sample of what it will see (an
/// unknown filter or test shows here, at start, rather than at the first alert).
pub fn check(env: &Environment<'static>, source: &str) -> Result<(), String> {
    let tmpl = env.template_from_str(source).map_err(describe)?;
    let alert = serde_json::json!({"status": "firing", "labels": {}, "annotations": {}});
    let sample = serde_json::json!({
        "group": {"groupKey": "", "source": "", "status": "firing", "groupLabels": {}, "commonLabels": {},
                  "commonAnnotations": {}, "truncatedAlerts": 0, "rule": ""},
        "alerts": [alert],
        "alert": alert,
    });
    tmpl.render(sample).map(|_| ()).map_err(describe)
}

/// Renders `source` with `ctx`.
pub fn render<S: Serialize>(env: &Environment<'static>, source: &str, ctx: S) -> Result<String, String> {
    env.render_str(source, ctx).map_err(describe)
}

fn describe(err: minijinja::Error) -> String {
    let mut text = err.kind().to_string();
    if let Some(detail) = err.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    if let Some(line) = err.line() {
        text.push_str(&format!(" (template line {line})"));
    }
    text
}

/// A title: one line, no control characters, at most 255 characters.
pub fn clean_title(text: &str) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let squeezed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    cut(&squeezed, TITLE_MAX)
}

/// A message: line breaks and tabs kept, other control characters removed, at most 25,000
/// characters.
pub fn clean_message(text: &str) -> String {
    let kept: String =
        text.replace("\r\n", "\n").chars().filter(|&c| !c.is_control() || c == '\n' || c == '\t').collect();
    cut(kept.trim(), MESSAGE_MAX)
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_and_missing_fields_are_empty() {
        let env = environment();
        let ctx = minijinja::context! { group => minijinja::context! { status => "firing" } };
        assert_eq!(render(&env, "{{ group.status }}/{{ group.commonLabels.x }}/", &ctx).unwrap(), "firing//");
        assert!(check(&env, "{{ x | nosuchfilter }}").unwrap_err().contains("nosuchfilter"));
        assert!(check(&env, "{% if %}").is_err());
        assert!(check(&env, "{{ group.a.b.c }}").is_ok());
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean_title("API\x1b[31m down\n\tnow"), "API [31m down now");
        let long = "x".repeat(300);
        let title = clean_title(&long);
        assert_eq!(title.chars().count(), 255);
        assert!(title.ends_with('…'));
        assert_eq!(clean_message("a\r\nb\x07\tc\u{0}"), "a\nb\tc");
        let message = clean_message(&"é".repeat(30_000));
        assert_eq!(message.chars().count(), 25_000);
        assert!(message.ends_with('…'));
    }
}
