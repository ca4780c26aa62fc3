//! One JSON-lines event writer for statusctl's long-running front ends: `serve`'s decision
//! log and `mcp`'s audit log write through it, so both logs have the same shape (one JSON
//! object per line, `time` first) and the same file handling (appended, created owner-only).
//! Callers put no secret in an event.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Map, Value};

/// Where event lines go.
pub struct EventLog {
    out: Mutex<Box<dyn Write + Send>>,
}

impl EventLog {
    /// Lines to stderr (never stdout: a front end may speak a protocol there).
    pub fn stderr() -> Self {
        Self::to(Box::new(std::io::stderr()))
    }

    /// Lines appended to `path` (created owner-only when new).
    pub fn file(path: &Path) -> std::io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        Ok(Self::to(Box::new(options.open(path)?)))
    }

    /// Lines to any writer (tests).
    pub fn to(out: Box<dyn Write + Send>) -> Self {
        Self { out: Mutex::new(out) }
    }

    /// Writes one event as one line, its `time` (RFC 3339, UTC) first. A failed write is
    /// logged, never fatal: the work the event describes is done.
    pub fn write(&self, event: Map<String, Value>) {
        let mut line = Map::new();
        line.insert("time".into(), jiff::Timestamp::now().to_string().into());
        line.extend(event.into_iter().filter(|(k, _)| k != "time"));
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(err) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            tracing::warn!("cannot write an event line: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_line_per_event_with_the_time_first() {
        let sink = Sink::default();
        let log = EventLog::to(Box::new(sink.clone()));
        let event: Map<String, Value> = serde_json::from_str(r#"{"tool": "a", "time": "forged"}"#).unwrap();
        log.write(event);
        log.write(Map::new());
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with(r#"{"time":""#) && lines[0].ends_with(r#","tool":"a"}"#),
            "{}",
            lines[0]
        );
        assert!(!lines[0].contains("forged"));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_appended_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempdir();
        let path = dir.join("events.jsonl");
        EventLog::file(&path).unwrap().write(Map::new());
        EventLog::file(&path).unwrap().write(Map::new());
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "statusctl-events-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
