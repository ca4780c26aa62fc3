//! Serves connections by hand (rather than with `axum::serve`) so that a
//! fault can close a connection without writing any response.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Request, StatusCode, header, request::Parts};
use axum::response::Response;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tower::ServiceExt;
use tracing::{debug, info, warn};

use crate::control::Control;
use crate::control_api::is_control_path;
use crate::fault::{DropPoint, FaultAction};
use crate::guard::{self, BodyRefused};
use crate::responses::raw_json;

const DEFAULT_FAULT_BODY: &str = r#"{"error":"injected fault"}"#;

/// Returned by the per-request service to make hyper close the connection
/// without a response: the client sees a connection error, not an HTTP one.
#[derive(thiserror::Error, Debug)]
enum Hangup {
    #[error("connection dropped by an injected fault ({0})")]
    Fault(&'static str),
    #[error("cannot read the request body")]
    UnreadableBody(#[source] axum::BoxError),
}

/// Sends each request to the control API or, through the fault layer, to the
/// provider routes.
pub(crate) struct Dispatch {
    control: Control,
    control_api: Router,
    providers: Router,
}

impl Dispatch {
    pub(crate) fn new(control: Control, providers: Router) -> Self {
        let control_api = crate::control_api::router(control.clone());
        Self { control, control_api, providers }
    }

    async fn handle(&self, request: Request<Incoming>) -> Result<Response, Hangup> {
        let (parts, body) = request.into_parts();
        if let Some(refused) = guard::refuse_foreign(&parts) {
            warn!(method = %parts.method, path = parts.uri.path(), "refused a request not addressed to loopback");
            return Ok(refused);
        }
        let control_path = is_control_path(parts.uri.path());
        if control_path && let Some(refused) = guard::refuse_non_json_control(&parts, &body) {
            return Ok(refused);
        }
        // The whole body is needed for the recording anyway.
        let body = match guard::read_body(&parts.headers, body).await {
            Ok(body) => body,
            Err(BodyRefused::TooLarge(refused)) => return Ok(refused),
            Err(BodyRefused::Unreadable(error)) => return Err(Hangup::UnreadableBody(error)),
        };
        if control_path {
            return Ok(call(&self.control_api, Request::from_parts(parts, Body::from(body))).await);
        }
        let Some(action) = self.control.admit(&parts, &body) else {
            return Ok(self.call_provider(parts, body).await);
        };
        info!(
            method = %parts.method,
            path = parts.uri.path(),
            fault = action.describe(),
            "injecting fault"
        );
        if let Some(delay_ms) = action.delay_ms {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        if let Some(status) = action.status {
            return Ok(injected_response(&action, status));
        }
        match action.drop {
            Some(DropPoint::Before) => Err(Hangup::Fault("drop before")),
            Some(DropPoint::After) => {
                let response = self.call_provider(parts, body).await;
                // Drain the body too, in case the provider does work lazily.
                let _ = response.into_body().collect().await;
                Err(Hangup::Fault("drop after"))
            }
            None => Ok(self.call_provider(parts, body).await),
        }
    }

    async fn call_provider(&self, parts: Parts, body: Bytes) -> Response {
        call(&self.providers, Request::from_parts(parts, Body::from(body))).await
    }
}

async fn call<B>(router: &Router, request: Request<B>) -> Response
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let Ok::<_, Infallible>(response) = router.clone().oneshot(request).await;
    response
}

fn injected_response(action: &FaultAction, status: u16) -> Response {
    // Faults are validated when added; this only guards against a bypass.
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = action.body.as_deref().unwrap_or(DEFAULT_FAULT_BODY);
    let mut response = raw_json(status, body);
    if let Some(retry_after) =
        action.retry_after.as_deref().and_then(|value| HeaderValue::from_str(value).ok())
    {
        response.headers_mut().insert(header::RETRY_AFTER, retry_after);
    }
    response
}

/// Accepts connections until `stop` fires or its sender is dropped, then
/// aborts the connections still open.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    dispatch: Arc<Dispatch>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&dispatch)));
                }
                Err(error) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    warn!(%error, "sandbox cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            // Reaps finished connections so the set does not grow forever.
            Some(finished) = connections.join_next(), if !connections.is_empty() => {
                if let Err(error) = finished {
                    warn!(%error, "sandbox connection task failed");
                }
            }
        }
    }
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, dispatch: Arc<Dispatch>) {
    // Small request/response exchanges: do not let Nagle delay them.
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let dispatch = Arc::clone(&dispatch);
        async move { dispatch.handle(request).await }
    });
    let served = http1::Builder::new()
        // No timer is configured, so the default timeout must be turned off explicitly.
        .header_read_timeout(None)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(error) = served {
        debug!(%error, "sandbox connection closed");
    }
}
