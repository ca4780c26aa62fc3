//! Rendering a result or an error for stdout, and making server text safe to print.

use std::borrow::Cow;

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

/// The text a command's result prints as: its text (controls neutralised, see
/// [`terminal_text`]) or, with `-f json` or when it has none, its data as JSON, unchanged.
pub fn render(output: &Output, format: Format) -> String {
    match (format, &output.text) {
        (Format::Text, Some(text)) => terminal_text(text).into_owned(),
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

/// Text from a plugin (and so, often, from a server) made safe for a terminal: C0 control
/// characters other than `\n` and `\t`, DEL, C1 controls and the bidirectional overrides
/// are shown instead of acted on (ESC as `^[`, so `\x1b[2J` prints as `^[[2J` and clears
/// nothing). A `\r\n` line end stays a line end.
pub fn terminal_text(text: &str) -> Cow<'_, str> {
    neutralise(text, false)
}

/// [`terminal_text`] for a one-line message (an error line): line breaks are shown as
/// `\n` / `\r` too, so a server's message cannot start a second `error:` line.
pub fn one_line(text: &str) -> Cow<'_, str> {
    neutralise(text, true)
}

fn neutralise(text: &str, one_line: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| match c {
        '\t' => false,
        '\n' => one_line,
        c => is_neutralised(c),
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if !one_line && chars.peek() == Some(&'\n') => {}
            '\n' if one_line => out.push_str("\\n"),
            '\r' if one_line => out.push_str("\\r"),
            c if c != '\t' && c != '\n' && is_neutralised(c) => match c {
                '\u{0}'..='\u{1f}' => {
                    out.push('^');
                    out.push(char::from(c as u8 + 0x40));
                }
                '\u{7f}' => out.push_str("^?"),
                _ => out.push('\u{FFFD}'),
            },
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Characters a terminal acts on instead of showing: controls, and the bidirectional
/// embeddings, overrides and isolates that reorder what follows them.
fn is_neutralised(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_controls_are_shown_not_acted_on() {
        assert_eq!(terminal_text("plain\ttext\nnext\n"), "plain\ttext\nnext\n");
        assert!(matches!(terminal_text("ok\n"), Cow::Borrowed(_)));
        assert_eq!(terminal_text("a\x1b[2Jb\x07c\x7f\r\n"), "a^[[2Jb^Gc^?\n");
        assert_eq!(terminal_text("over\rwrite \u{9b}31m \u{202E}txt"), "over^Mwrite \u{FFFD}31m \u{FFFD}txt");
        assert_eq!(one_line("bad\nerror: fake\r\x1b]0;t\x07"), "bad\\nerror: fake\\r^[]0;t^G");
        assert_eq!(one_line("tab\tkept"), "tab\tkept");
    }
}
