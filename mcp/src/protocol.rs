//! The one module that uses the MCP SDK (`rmcp`, pinned `=3.11.0`): the catalogue as
//! `Tool`s, `tools/list` and `tools/call` through [`Server`], progress notifications and
//! cancellation, served on stdin/stdout until stdin closes.
//!
//! Both protocol eras come from rmcp 3.11 itself (a dual-era server by default): the
//! `initialize` handshake up to 2025-11-25, and the stateless 2026-07-28 revision
//! (`server/discover`, per-request `_meta`, `resultType`, `ttlMs`/`cacheScope`). Nothing
//! here depends on the era.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, CustomRequest, CustomResult,
    ErrorCode, Implementation, ListToolsResult, PaginatedRequestParams, ProgressNotificationParam,
    ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt};
use serde_json::Value;
use statusctl_plugin_api::Effect;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::Wait;
use crate::call::{CallContext, Server};
use crate::catalog::ToolDef;
use crate::stdio::ProtocolStdout;

/// The name the server gives in `serverInfo`.
pub const SERVER_NAME: &str = "statusctl";

struct Handler {
    server: Arc<Server>,
    tools: Vec<Tool>,
    version: String,
    /// How many calls are under way: the session waits for them (and so for their audit
    /// lines) before it ends.
    calls: watch::Sender<usize>,
}

/// One call under way, counted in [`Handler::calls`] until dropped.
struct Running<'a>(&'a watch::Sender<usize>);

impl<'a> Running<'a> {
    fn start(calls: &'a watch::Sender<usize>) -> Self {
        calls.send_modify(|n| *n += 1);
        Self(calls)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// How long calls still under way when the session ends (stdin closed, then rmcp's own
/// 5 s drain; or a signal) have to stop and write their audit lines.
const LAST_CALLS: Duration = Duration::from_secs(3);

/// Serves `server` on stdin/stdout until the client closes stdin (or goes away, or a
/// SIGINT, SIGTERM or SIGHUP comes). `stdout` is the real stdout, claimed at start
/// (everything else that prints to stdout goes to stderr).
///
/// Calls still under way when the session ends get rmcp's drain (5 s after stdin closes);
/// then, or at once on a signal (MCP clients send SIGTERM 2 s after closing stdin), they are
/// cancelled and the session waits for their audit lines: a change in flight is recorded
/// with its request id rather than lost with the process.
pub async fn serve_stdio(server: Arc<Server>, version: &str, stdout: ProtocolStdout) -> Result<(), String> {
    let tools = server.catalog().tools.iter().map(tool).collect();
    let (calls, mut under_way) = watch::channel(0usize);
    let handler = Handler { server, tools, version: version.to_string(), calls };
    // rmcp derives every request's token from this one.
    let shutdown = CancellationToken::new();
    listen_for_signals(&shutdown);
    let running = match handler.serve_with_ct(stdout.transport(), shutdown.clone()).await {
        Ok(running) => running,
        // The client went away (or a signal came) before the first message: nothing to serve.
        Err(_) if shutdown.is_cancelled() => return Ok(()),
        Err(err) if is_closed(&err.to_string()) => return Ok(()),
        Err(err) => return Err(format!("cannot start the MCP session: {err}")),
    };
    let over = running.waiting().await;
    // rmcp has cancelled whatever is still running: let it stop and write its audit line.
    let stopped = tokio::time::timeout(LAST_CALLS, under_way.wait_for(|n| *n == 0)).await.is_ok();
    if !stopped {
        tracing::warn!("mcp: {} call(s) still under way at exit", *under_way.borrow());
    }
    match over {
        Ok(reason) => {
            tracing::debug!("MCP session over: {reason:?}");
            Ok(())
        }
        Err(err) => Err(format!("the MCP session ended abnormally: {err}")),
    }
}

/// Cancels `shutdown` on the first SIGINT, SIGTERM or SIGHUP (the calls under way stop, the
/// session ends); a second one ends the process at once.
fn listen_for_signals(shutdown: &CancellationToken) {
    let signalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let on_signal = {
        let shutdown = shutdown.clone();
        move || {
            if signalled.swap(true, std::sync::atomic::Ordering::SeqCst) {
                std::process::exit(130);
            }
            tracing::info!("mcp: stopping on a signal: the calls under way are cancelled");
            shutdown.cancel();
        }
    };
    {
        let on_signal = on_signal.clone();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                on_signal();
            }
        });
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        for kind in [SignalKind::terminate(), SignalKind::hangup()] {
            let Ok(mut stream) = signal(kind) else { continue };
            let on_signal = on_signal.clone();
            tokio::spawn(async move {
                while stream.recv().await.is_some() {
                    on_signal();
                }
            });
        }
    }
}

fn is_closed(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("closed") || lower.contains("eof") || lower.contains("connection")
}

/// A catalogue entry as an MCP tool.
fn tool(def: &ToolDef) -> Tool {
    let annotations = match def.effect {
        Effect::Reads => ToolAnnotations::new().read_only(true).idempotent(true),
        Effect::Changes => {
            ToolAnnotations::new().read_only(false).destructive(false).idempotent(def.idempotent)
        }
        Effect::Destroys => {
            ToolAnnotations::new().read_only(false).destructive(true).idempotent(def.idempotent)
        }
    }
    .open_world(true);
    let mut tool = Tool::new(def.name.clone(), def.description.clone(), Arc::new(def.input_schema.clone()))
        .with_annotations(annotations);
    if let Some(schema) = &def.output_schema {
        tool = tool.with_raw_output_schema(Arc::new(schema.clone()));
    }
    tool
}

impl ServerHandler for Handler {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(SERVER_NAME, self.version.clone()))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        // A few dozen tools: one page, no cursor.
        Ok(ListToolsResult::with_all_items(self.tools.clone()))
    }

    /// A request rmcp could not read as one it knows: a `tools/call` (or `tools/list`) whose
    /// params have the wrong shape is invalid params (-32602), not an unknown method.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        let message = match request.method.as_str() {
            "tools/call" => "tools/call: params must be {name: string, arguments?: object}",
            "tools/list" => "tools/list: params must be {cursor?: string}",
            _ => return Err(McpError::new(ErrorCode::METHOD_NOT_FOUND, request.method, None)),
        };
        Err(McpError::invalid_params(message, None))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let _running = Running::start(&self.calls);
        let request_id = serde_json::to_value(&context.id).unwrap_or(Value::Null);
        let (progress, forwarder) = match context.meta.get_progress_token() {
            Some(token) => {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Wait>();
                let peer = context.peer.clone();
                let forwarder = tokio::spawn(async move {
                    let mut meter = Meter::default();
                    while let Some(wait) = rx.recv().await {
                        let (progress, total) = meter.next(&wait);
                        let message = format!("waiting {:.1} s: {}", wait.left.as_secs_f64(), wait.reason);
                        let param = ProgressNotificationParam::new(token.clone(), progress)
                            .with_total(total)
                            .with_message(message);
                        if let Err(err) = peer.notify_progress(param).await {
                            tracing::debug!("cannot send a progress notification: {err}");
                        }
                    }
                });
                let tx = Mutex::new(tx);
                let sink: Arc<dyn Fn(Wait) + Send + Sync> = Arc::new(move |wait| {
                    let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(wait);
                });
                (Some(sink), Some(forwarder))
            }
            None => (None, None),
        };
        let cx = CallContext { request_id, cancel: context.ct.clone(), progress };
        let result = self.server.call(&request.name, request.arguments, cx).await;
        if let Some(mut forwarder) = forwarder {
            // Progress stops before the response.
            if tokio::time::timeout(Duration::from_millis(200), &mut forwarder).await.is_err() {
                forwarder.abort();
            }
        }
        let result = result.map_err(|message| McpError::invalid_params(message, None))?;
        let mut out = if result.is_error {
            CallToolResult::error(vec![ContentBlock::text(result.text)])
        } else {
            CallToolResult::success(vec![ContentBlock::text(result.text)])
        };
        out.structured_content = Some(result.structured);
        Ok(out.into())
    }
}

/// Progress that only increases: seconds waited in the call so far, over the waits' total.
#[derive(Default)]
struct Meter {
    done: f64,
    current_total: f64,
    last: f64,
}

impl Meter {
    fn next(&mut self, wait: &Wait) -> (f64, f64) {
        let total = wait.total.as_secs_f64();
        let elapsed = (total - wait.left.as_secs_f64()).max(0.0);
        if elapsed <= f64::EPSILON && self.current_total > 0.0 {
            // A new wait: the previous one is over.
            self.done += self.current_total;
        }
        self.current_total = total;
        let mut progress = self.done + elapsed;
        if progress <= self.last {
            progress = self.last + 0.001;
        }
        self.last = progress;
        (progress, (self.done + total).max(progress))
    }
}
