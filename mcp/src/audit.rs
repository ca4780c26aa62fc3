//! One JSON line per tool call: time, tool, arguments (secrets masked), outcome, request ids.
//! To stderr (never stdout: it carries the protocol) or appended to `--audit-log FILE`.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Map, Value};

/// Where audit lines go.
pub struct AuditLog {
    out: Mutex<Box<dyn Write + Send>>,
}

impl AuditLog {
    pub fn stderr() -> Self {
        Self { out: Mutex::new(Box::new(std::io::stderr())) }
    }

    /// Appends to `path` (created owner-only when new).
    pub fn file(path: &Path) -> std::io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        Ok(Self { out: Mutex::new(Box::new(options.open(path)?)) })
    }

    /// For tests: lines go to `out`.
    pub fn to(out: Box<dyn Write + Send>) -> Self {
        Self { out: Mutex::new(out) }
    }

    /// Writes one event as one line, with the time first.
    pub fn write(&self, event: Map<String, Value>) {
        let mut line = Map::new();
        line.insert("time".into(), jiff::Timestamp::now().to_string().into());
        line.extend(event);
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(err) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            tracing::warn!("cannot write the audit line: {err}");
        }
    }
}
