//! Logging to stderr for the host and its plugins: level prefixes like cargo's, filtered by
//! `-q`/`-v`/`-vv`, and every line scrubbed of known secrets before it is written.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter, format::Writer};
use tracing_subscriber::registry::LookupSpan;

use super::redact::Redactor;

/// The level shown for a verbosity: -q errors, default info, -v debug (each HTTP call),
/// -vv trace.
pub fn level_for(verbosity: i8) -> Level {
    match verbosity {
        i8::MIN..=-1 => Level::ERROR,
        0 => Level::INFO,
        1 => Level::DEBUG,
        _ => Level::TRACE,
    }
}

/// Where log lines go.
#[derive(Clone)]
pub enum LogTarget {
    /// Written as they happen (a terminal front end).
    Stderr,
    /// Collected, for the front end to show (the library's default).
    Buffer(Arc<Mutex<String>>),
}

/// Builds the subscriber for one run (installed for the run only, so embedders running
/// several hosts keep them apart).
pub fn subscriber(
    verbosity: i8,
    color: bool,
    redactor: Redactor,
    target: LogTarget,
) -> impl Subscriber + Send + Sync {
    use tracing_subscriber::layer::SubscriberExt;
    // The host's own lines follow the verbosity; the libraries underneath (hyper, reqwest,
    // rustls) only speak up for warnings, or at debug level with -vv.
    let libraries = if verbosity >= 2 { Level::DEBUG } else { Level::WARN };
    let filter = Targets::new()
        .with_target(env!("CARGO_CRATE_NAME"), level_for(verbosity))
        // The binary and the front-end crates (statusctl_serve, statusctl_mcp) speak as the host.
        .with_target("statusctl", level_for(verbosity))
        .with_default(libraries.min(level_for(verbosity)));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(ScrubbingWriter { redactor, target })
        .event_format(CliFormat { color })
        .with_filter(filter);
    tracing_subscriber::registry().with(layer)
}

struct CliFormat {
    color: bool,
}

impl<S, N> FormatEvent<S, N> for CliFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let (word, ansi) = match *event.metadata().level() {
            Level::ERROR => ("error: ", "\x1b[1;31m"),
            Level::WARN => ("warning: ", "\x1b[1;33m"),
            Level::INFO => ("", ""),
            Level::DEBUG => ("debug: ", "\x1b[2m"),
            Level::TRACE => ("trace: ", "\x1b[2m"),
        };
        if self.color && !word.is_empty() {
            write!(writer, "{ansi}{word}\x1b[0m")?;
        } else {
            write!(writer, "{word}")?;
        }
        ctx.format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The target, with known secrets scrubbed from each formatted line.
struct ScrubbingWriter {
    redactor: Redactor,
    target: LogTarget,
}

impl<'a> MakeWriter<'a> for ScrubbingWriter {
    type Writer = ScrubbedLine;
    fn make_writer(&'a self) -> Self::Writer {
        ScrubbedLine { redactor: self.redactor.clone(), target: self.target.clone(), buffer: Vec::new() }
    }
}

struct ScrubbedLine {
    redactor: Redactor,
    target: LogTarget,
    buffer: Vec<u8>,
}

impl Write for ScrubbedLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for ScrubbedLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buffer);
        let line = self.redactor.scrub(&text);
        match &self.target {
            LogTarget::Stderr => {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
            LogTarget::Buffer(buffer) => buffer.lock().unwrap_or_else(|e| e.into_inner()).push_str(&line),
        }
    }
}
