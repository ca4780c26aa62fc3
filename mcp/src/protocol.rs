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
}

/// Serves `server` on stdin/stdout until the client closes stdin (or goes away).
/// `stdout` is the real stdout, claimed at start (everything else that prints to stdout
/// goes to stderr).
pub async fn serve_stdio(server: Arc<Server>, version: &str, stdout: ProtocolStdout) -> Result<(), String> {
    let tools = server.catalog().tools.iter().map(tool).collect();
    let handler = Handler { server, tools, version: version.to_string() };
    let running = match handler.serve(stdout.transport()).await {
        Ok(running) => running,
        // The client went away before the first message: nothing to serve.
        Err(err) if is_closed(&err.to_string()) => return Ok(()),
        Err(err) => return Err(format!("cannot start the MCP session: {err}")),
    };
    match running.waiting().await {
        Ok(reason) => {
            tracing::debug!("MCP session over: {reason:?}");
            Ok(())
        }
        Err(err) => Err(format!("the MCP session ended abnormally: {err}")),
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
        if let Some(forwarder) = forwarder {
            // Progress stops before the response.
            let _ = tokio::time::timeout(Duration::from_millis(200), forwarder).await;
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
