//! One JSON line per tool call: time, tool, arguments (secrets masked), outcome, request ids,
//! written by the JSON-lines event writer that `serve`'s decision log uses too. To stderr
//! (never stdout: it carries the protocol) or appended to `--audit-log FILE`.

pub use statusctl_events::EventLog as AuditLog;
