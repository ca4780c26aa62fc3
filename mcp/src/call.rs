//! A tool call, protocol aside: check the arguments against what the tool offers, count it
//! against the caps, run it through the backend, shape the result, write the audit line.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value, json};
use statusctl_plugin_api::{ArgKind, resolve};

use crate::audit::AuditLog;
use crate::catalog::{Catalog, ToolDef};
use crate::policy::Policy;
use crate::schema::{self, DRY_RUN};
use crate::{Backend, CallError, CallOptions, Produced, Wait};

/// The server: its tools, its rules, what runs the commands, where calls are recorded.
pub struct Server {
    catalog: Catalog,
    policy: Policy,
    backend: Arc<dyn Backend>,
    audit: AuditLog,
}

/// A call's result, as MCP carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    pub is_error: bool,
    /// Always an object.
    pub structured: Value,
    pub text: String,
}

/// What the protocol layer knows of a call.
pub struct CallContext {
    /// The JSON-RPC request id, for the audit line.
    pub request_id: Value,
    pub cancel: tokio_util::sync::CancellationToken,
    pub progress: Option<Arc<dyn Fn(Wait) + Send + Sync>>,
}

impl Server {
    pub fn new(catalog: Catalog, policy: Policy, backend: Arc<dyn Backend>, audit: AuditLog) -> Self {
        Self { catalog, policy, backend, audit }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Runs a tool. `Err` only for a tool that is not served (a protocol error, saying why
    /// when the command exists but is left out); every other failure is a result with
    /// `is_error`.
    pub async fn call(
        &self,
        name: &str,
        arguments: Option<Map<String, Value>>,
        cx: CallContext,
    ) -> Result<ToolResult, String> {
        let started = Instant::now();
        let arguments = arguments.unwrap_or_default();
        let Some(tool) = self.catalog.find(name) else {
            let reasons: Vec<String> =
                self.catalog.not_served(name).map(|s| format!("{} {}", s.command, s.reason)).collect();
            let message = if reasons.is_empty() {
                format!("unknown tool: {name}")
            } else {
                format!("unknown tool: {name} (not served: {})", reasons.join("; "))
            };
            let mut event = Map::new();
            event.insert("event".into(), "mcp_call".into());
            event.insert("tool".into(), name.into());
            event.insert("request_id".into(), cx.request_id.clone());
            event.insert("outcome".into(), "unknown_tool".into());
            event.insert("message".into(), message.clone().into());
            self.audit.write(event);
            return Err(message);
        };
        let (dry_run, result) = match self.check(tool, &arguments) {
            Err(err) => (false, Err(err)),
            Ok((given, dry_run)) => {
                let result = match self.policy.take_call(&tool.command) {
                    Err(message) => Err(CallError::new("call_cap", 1, message)),
                    Ok(()) => {
                        let options =
                            CallOptions { dry_run, cancel: cx.cancel.clone(), progress: cx.progress };
                        self.backend.invoke(&tool.command, given, options).await
                    }
                };
                (dry_run, result)
            }
        };
        let mut event = Map::new();
        event.insert("event".into(), "mcp_call".into());
        event.insert("tool".into(), tool.name.clone().into());
        event.insert("command".into(), tool.command.clone().into());
        event.insert("request_id".into(), cx.request_id);
        event.insert("arguments".into(), Value::Object(self.masked(tool, &arguments)));
        event.insert("dry_run".into(), dry_run.into());
        let shaped = match result {
            Ok(Produced::Output { data, text }) => {
                event.insert("outcome".into(), "ok".into());
                ToolResult {
                    is_error: false,
                    structured: self.scrub_value(schema::wrap(data)),
                    text: self.backend.scrub(&text),
                }
            }
            Ok(Produced::Planned { requests, text }) => {
                event.insert("outcome".into(), "planned".into());
                event.insert("planned_requests".into(), requests.as_array().map_or(0, Vec::len).into());
                ToolResult {
                    is_error: false,
                    structured: self.scrub_value(schema::plan(requests)),
                    text: self.backend.scrub(&text),
                }
            }
            Err(err) => {
                let message = self.backend.scrub(&err.message);
                let outcome = match err.kind.as_str() {
                    "interrupted" => "cancelled",
                    "call_cap" => "refused",
                    _ => "error",
                };
                event.insert("outcome".into(), outcome.into());
                event.insert("kind".into(), err.kind.clone().into());
                event.insert("exit_code".into(), err.exit_code.into());
                event.insert("message".into(), message.clone().into());
                if let Some(id) = &err.request_id {
                    event.insert("provider_request_id".into(), id.clone().into());
                }
                let mut text = format!("error: {message}\n(kind: {}, exit code {}", err.kind, err.exit_code);
                if let Some(status) = err.http_status {
                    text.push_str(&format!(", HTTP {status}"));
                }
                if let Some(id) = &err.request_id {
                    text.push_str(&format!(", request id {id}"));
                }
                text.push(')');
                ToolResult {
                    is_error: true,
                    structured: json!({"error": {
                        "message": message,
                        "kind": err.kind,
                        "exit_code": err.exit_code,
                        "http_status": err.http_status,
                        "request_id": err.request_id,
                    }}),
                    text,
                }
            }
        };
        event.insert("duration_ms".into(), (started.elapsed().as_secs_f64() * 1000.0).round().into());
        self.audit.write(event);
        Ok(shaped)
    }

    /// The arguments by id and whether this is a dry run; an argument the tool does not
    /// offer (a secret, an endpoint, a file, a typo) is a usage error, and nothing is sent.
    /// So is what the engine would refuse before running the command whatever its
    /// environment (a wrong type, a value not among the choices, a required argument nothing
    /// else can supply, in the engine's words): checked here, before the call counts
    /// against a `--max-calls` cap it could never use.
    fn check(
        &self,
        tool: &ToolDef,
        arguments: &Map<String, Value>,
    ) -> Result<(Map<String, Value>, bool), CallError> {
        let mut given = Map::new();
        let mut dry_run = false;
        for (key, value) in arguments {
            if key == DRY_RUN && tool.writes() && !tool.offered.iter().any(|o| o == DRY_RUN) {
                dry_run = match value {
                    Value::Bool(b) => *b,
                    Value::Null => false,
                    _ => return Err(usage(format!("{}: `dry_run` must be true or false", tool.name))),
                };
                continue;
            }
            if !tool.offered.iter().any(|o| o == key) {
                let known = tool.input_schema["properties"]
                    .as_object()
                    .map(|p| p.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                let known = if known.is_empty() { "none".to_string() } else { known };
                return Err(usage(format!(
                    "{} has no argument `{key}` (its arguments: {known}); nothing was sent",
                    tool.name
                )));
            }
            if value.is_null() {
                continue;
            }
            given.insert(key.clone(), value.clone());
        }
        resolve::check_given(&tool.decl, &given).map_err(|err| usage(err.message))?;
        // Required with nothing but the caller to supply it (the schema's `required`).
        let needed = tool.input_schema.get("required").and_then(Value::as_array);
        for arg in &tool.decl.args {
            if arg.kind != ArgKind::Flag
                && !given.contains_key(&arg.id)
                && needed.is_some_and(|r| r.iter().any(|id| id == arg.id.as_str()))
            {
                let flag = resolve::display_name(arg);
                return Err(usage(format!("the required argument {flag} was not provided")));
            }
        }
        Ok((given, dry_run))
    }

    /// The arguments for the audit line: values of arguments the tool does not offer are
    /// masked (an agent may try a secret's name), known secrets scrubbed from the rest.
    fn masked(&self, tool: &ToolDef, arguments: &Map<String, Value>) -> Map<String, Value> {
        arguments
            .iter()
            .map(|(k, v)| {
                let offered = k == DRY_RUN || tool.offered.iter().any(|o| o == k);
                let v = if offered { self.scrub_value(v.clone()) } else { Value::String("****".into()) };
                (k.clone(), v)
            })
            .collect()
    }

    fn scrub_value(&self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.backend.scrub(&s)),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.scrub_value(v)).collect()),
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, self.scrub_value(v))).collect())
            }
            other => other,
        }
    }
}

fn usage(message: String) -> CallError {
    CallError::new("usage", 2, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BoxFuture;
    use statusctl_plugin_api::{ArgDecl, CommandDecl};
    use std::sync::Mutex;

    /// Command, arguments, dry run.
    type Seen = (String, Map<String, Value>, bool);

    struct Fake {
        calls: Mutex<Vec<Seen>>,
    }

    impl Backend for Fake {
        fn invoke(
            &self,
            command: &str,
            args: Map<String, Value>,
            options: CallOptions,
        ) -> BoxFuture<'_, Result<Produced, CallError>> {
            self.calls.lock().unwrap().push((command.into(), args.clone(), options.dry_run));
            let out = match args.get("title").and_then(Value::as_str) {
                Some("fail") => Err(CallError::new("failed", 1, "refused: s3cret")),
                _ if options.dry_run => {
                    Ok(Produced::Planned { requests: json!([{"method": "POST"}]), text: "plan".into() })
                }
                _ => Ok(Produced::Output { data: json!([{"id": "s3cret"}]), text: "id s3cret".into() }),
            };
            Box::pin(async move { out })
        }
        fn scrub(&self, text: &str) -> String {
            text.replace("s3cret", "****")
        }
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn server(caps: &[String]) -> (Server, Arc<Fake>, Arc<Mutex<Vec<u8>>>) {
        let decl = CommandDecl::new("create_incident", "Open")
            .changes()
            .arg(ArgDecl::value("title"))
            .arg(ArgDecl::value("status").choices(&["investigating", "resolved"]))
            .arg(ArgDecl::value("limit").integer())
            .arg(ArgDecl::value("token").secret());
        let close = CommandDecl::new("close_incident", "Close")
            .changes()
            .arg(ArgDecl::value("incident").required())
            .arg(ArgDecl::value("page").required().from_profile());
        let delete = CommandDecl::new("delete_incident", "Delete").destroys();
        let policy = Policy::new(&["s".into()], &[], caps).unwrap();
        let catalog = Catalog::build([("s", &decl), ("s", &close), ("s", &delete)], &policy);
        let fake = Arc::new(Fake { calls: Mutex::default() });
        let lines = Arc::new(Mutex::new(Vec::new()));
        let audit = AuditLog::to(Box::new(Sink(lines.clone())));
        (Server::new(catalog, policy, fake.clone(), audit), fake, lines)
    }

    fn cx() -> CallContext {
        CallContext { request_id: json!(7), cancel: Default::default(), progress: None }
    }

    fn args(v: Value) -> Option<Map<String, Value>> {
        v.as_object().cloned()
    }

    #[tokio::test]
    async fn results_are_objects_errors_are_results_and_secrets_are_refused() {
        let (server, fake, lines) = server(&[]);
        let ok = server.call("s_create_incident", args(json!({"title": "x"})), cx()).await.unwrap();
        assert_eq!(
            (ok.is_error, ok.structured, ok.text),
            (false, json!({"items": [{"id": "****"}]}), "id ****".into())
        );
        let plan = server.call("s_create_incident", args(json!({"dry_run": true})), cx()).await.unwrap();
        assert_eq!(plan.structured, json!({"dry_run": true, "requests": [{"method": "POST"}]}));
        let failed = server.call("s_create_incident", args(json!({"title": "fail"})), cx()).await.unwrap();
        assert!(
            failed.is_error && failed.text.contains("refused: ****") && failed.text.contains("exit code 1")
        );
        let secret = server.call("s_create_incident", args(json!({"token": "x9"})), cx()).await.unwrap();
        assert!(secret.is_error && secret.text.contains("no argument `token`"), "{}", secret.text);
        assert_eq!(secret.structured["error"]["exit_code"], json!(2));
        assert_eq!(server.call("nope", None, cx()).await.unwrap_err(), "unknown tool: nope");
        assert_eq!(fake.calls.lock().unwrap().len(), 3);
        let audit = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        assert_eq!(audit.lines().count(), 5);
        assert!(!audit.contains("x9") && !audit.contains("s3cret"), "{audit}");
        let first: Value = serde_json::from_str(audit.lines().next().unwrap()).unwrap();
        assert_eq!((first["outcome"].as_str(), first["request_id"].as_i64()), (Some("ok"), Some(7)));
    }

    #[tokio::test]
    async fn the_cap_refuses_without_calling() {
        let (server, fake, _) = server(&["s:*=1/hour".into()]);
        assert!(!server.call("s_create_incident", None, cx()).await.unwrap().is_error);
        let refused = server.call("s_create_incident", None, cx()).await.unwrap();
        assert!(refused.is_error && refused.text.contains("call cap"), "{}", refused.text);
        assert_eq!(fake.calls.lock().unwrap().len(), 1);
    }

    /// A call the engine would refuse whatever its environment (a value not among the
    /// choices, a wrong type, a required argument only the caller can give) is a usage error
    /// before the cap counts it: the one call an hour allowed is still there afterwards.
    #[tokio::test]
    async fn a_call_that_cannot_go_through_does_not_spend_a_capped_call() {
        let (server, fake, lines) = server(&["s:*=1/hour".into()]);
        for (tool, arguments, said) in [
            ("s_create_incident", json!({"status": "bogus"}), "invalid value 'bogus' for --status"),
            ("s_create_incident", json!({"limit": "many"}), "expected a whole number"),
            ("s_create_incident", json!({"limit": 1.5}), "expected whole numbers"),
            ("s_create_incident", json!({"title": ["a"]}), "--title: expected text"),
            ("s_close_incident", json!({}), "the required argument --incident was not provided"),
        ] {
            let refused = server.call(tool, args(arguments.clone()), cx()).await.unwrap();
            assert!(refused.is_error && refused.text.contains(said), "{arguments}: {}", refused.text);
            assert_eq!(refused.structured["error"]["kind"], json!("usage"), "{arguments}");
        }
        assert!(fake.calls.lock().unwrap().is_empty(), "nothing reached the backend");
        let ok = server.call("s_close_incident", args(json!({"incident": "i1"})), cx()).await.unwrap();
        assert!(!ok.is_error, "{}", ok.text);
        let capped =
            server.call("s_create_incident", args(json!({"status": "resolved"})), cx()).await.unwrap();
        assert_eq!(capped.structured["error"]["kind"], json!("call_cap"), "{}", capped.text);
        assert_eq!(fake.calls.lock().unwrap().len(), 1);
        let audit = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        let outcomes: Vec<String> = audit
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["outcome"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(outcomes, ["error", "error", "error", "error", "error", "ok", "refused"]);
    }

    /// A tool that exists but is not served is a protocol error that says why.
    #[tokio::test]
    async fn a_tool_left_out_says_why() {
        let (server, _, lines) = server(&[]);
        let destroys = server.call("s_delete_incident", None, cx()).await.unwrap_err();
        assert_eq!(
            destroys,
            "unknown tool: s_delete_incident (not served: s:delete_incident destroys something: \
             allow it with --allow-writes s:delete_incident (its own name))"
        );
        let audit = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        let line: Value = serde_json::from_str(audit.lines().next().unwrap()).unwrap();
        assert_eq!(line["outcome"], json!("unknown_tool"), "{line}");
        assert_eq!(line["message"], json!(destroys), "{line}");
        let policy = Policy::default();
        let decl = CommandDecl::new("create_incident", "Open").changes();
        let catalog = Catalog::build([("s", &decl)], &policy);
        let backend = Arc::new(Fake { calls: Mutex::default() });
        let reads_only = Server::new(catalog, policy, backend, AuditLog::to(Box::new(std::io::sink())));
        let changes = reads_only.call("s_create_incident", None, cx()).await.unwrap_err();
        assert_eq!(
            changes,
            "unknown tool: s_create_incident (not served: s:create_incident changes something: \
             allow it with --allow-writes s or --allow-writes s:create_incident)"
        );
        assert_eq!(reads_only.call("nope", None, cx()).await.unwrap_err(), "unknown tool: nope");
    }
}
