//! HTTP/1.1 on tokio + hyper: accept, read the body within the limit, call the core, write.
//!
//! Everything product-specific happens in `edgeid_core::handle`; this file only moves bytes.
//! Keep-alive and `TCP_NODELAY` are on (benchmarks and SDKs reuse connections), header reads
//! time out (slow-loris), bodies are capped while they are read, and a panic in a handler
//! becomes a 500 for that request instead of a dropped connection.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use edgeid_core::error::{ApiError, OAuthError};
use edgeid_core::http::MAX_BODY_BYTES;
use edgeid_core::{App, Group};
use futures::FutureExt as _;
use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

/// How long in-flight requests may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How much of a refused body is read (and thrown away) so the client sees the 413.
const DRAIN_LIMIT: u64 = 1024 * 1024;
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// A client must send its whole body within this time once the headers are in.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// A client must send its request headers within this time.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serve `app` on `listener` until `shutdown` resolves, then stop accepting and let
/// in-flight requests finish (up to [`SHUTDOWN_GRACE`]).
pub async fn serve(listener: TcpListener, app: Arc<App>, shutdown: impl Future<Output = ()>) {
    let mut http = http1::Builder::new();
    // Pipelined requests get their responses flushed together (fewer writes under load).
    http.timer(TokioTimer::new()).keep_alive(true).header_read_timeout(HEADER_READ_TIMEOUT).pipeline_flush(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if let Err(e) = stream.set_nodelay(true) {
                        tracing::debug!(%peer, error = %e, "could not set TCP_NODELAY");
                    }
                    let app = Arc::clone(&app);
                    let service = service_fn(move |req| respond(Arc::clone(&app), req));
                    let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                    tokio::spawn(async move {
                        // Malformed HTTP, timeouts and resets end here: hyper already answered
                        // (400/408/431) or the peer is gone. Nothing for an operator to act on.
                        if let Err(e) = connection.await {
                            tracing::debug!(%peer, error = %e, "connection ended with an error");
                        }
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }

    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!(grace_secs = SHUTDOWN_GRACE.as_secs(), "gave up waiting for connections to close");
        }
    }
}

/// One request: read the body within the limit, hand it to the core, log, convert back.
async fn respond(app: Arc<App>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Only pay for the access log when it is on (benchmarks run at info).
    let access = tracing::enabled!(tracing::Level::DEBUG).then(|| AccessLog::start(&req));

    let (parts, body) = req.into_parts();
    let response = match read_body(&parts, body).await {
        Ok(bytes) => {
            let request = Request::from_parts(parts, bytes);
            match AssertUnwindSafe(edgeid_core::handle(&app, request)).catch_unwind().await {
                Ok(response) => response,
                Err(panic) => {
                    let what =
                        panic.downcast_ref::<&str>().copied().or(panic.downcast_ref::<String>().map(String::as_str));
                    tracing::error!(panic = what.unwrap_or("(non-string payload)"), "handler panicked");
                    internal_error()
                }
            }
        }
        Err(response) => response,
    };

    if let Some(access) = access {
        access.finish(response.status());
    }
    Ok(response.map(Full::new))
}

/// The whole body, or the response to send instead (413 when it is too large).
async fn read_body(parts: &http::request::Parts, body: Incoming) -> Result<Bytes, edgeid_core::Response> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let path = parts.uri.path();
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        drain(body, declared).await;
        return Err(edgeid_core::payload_too_large(path));
    }
    // A body trickling in byte by byte must not hold a connection (and its buffer) forever.
    match tokio::time::timeout(BODY_READ_TIMEOUT, collect(path, body)).await {
        Ok(result) => result,
        Err(_) => Err(body_timeout(path)),
    }
}

/// The body frames joined, refusing (413) as soon as they pass the limit.
async fn collect(path: &str, mut body: Incoming) -> Result<Bytes, edgeid_core::Response> {
    // Most bodies arrive in one frame: keep it as is instead of copying.
    let mut first: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let data = match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue, // trailers
            },
            Err(e) => {
                tracing::debug!(error = %e, "could not read request body");
                return Err(unreadable_body(path));
            }
        };
        let so_far = first.as_ref().map_or(0, Bytes::len) + joined.len();
        if so_far + data.len() > MAX_BODY_BYTES {
            drain(body, None).await;
            return Err(edgeid_core::payload_too_large(path));
        }
        match first.take() {
            None if joined.is_empty() => first = Some(data),
            None => joined.extend_from_slice(&data),
            Some(previous) => {
                joined.reserve(previous.len() + data.len());
                joined.extend_from_slice(&previous);
                joined.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| Bytes::from(joined)))
}

/// Read and discard the rest of a refused body (up to [`DRAIN_LIMIT`], briefly), so the client,
/// still sending, receives the 413 instead of a connection reset. Beyond that we just close.
async fn drain(mut body: Incoming, declared: Option<u64>) {
    if declared.is_some_and(|len| len > DRAIN_LIMIT) {
        return;
    }
    let discard = async {
        let mut read = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, Bytes::len);
            if read > DRAIN_LIMIT as usize {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, discard).await;
}

/// 408 in the asked endpoint's wire format; the connection is closed (the body is unread).
fn body_timeout(path: &str) -> edgeid_core::Response {
    let status = StatusCode::REQUEST_TIMEOUT;
    let description = format!("the request body did not arrive within {} s", BODY_READ_TIMEOUT.as_secs());
    let mut response = match Group::for_path(path) {
        Group::Oidc => OAuthError::invalid_request(description).with_status(status).render(),
        _ => ApiError::new(status, "request.general", "Request timeout.").with_details(description).render(),
    };
    response.headers_mut().insert(header::CONNECTION, http::HeaderValue::from_static("close"));
    response
}

/// 400 in the asked endpoint's wire format when the body could not be read (e.g. bad chunking).
fn unreadable_body(path: &str) -> edgeid_core::Response {
    match Group::for_path(path) {
        Group::Oidc => OAuthError::invalid_request("the request body could not be read").render(),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "request.general", "The request body could not be read.").render(),
    }
}

fn internal_error() -> edgeid_core::Response {
    let mut response = edgeid_core::http::empty(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(header::CONNECTION, http::HeaderValue::from_static("close"));
    response
}

/// What the debug-level access line reports.
struct AccessLog {
    method: http::Method,
    uri: http::Uri,
    started: std::time::Instant,
}

impl AccessLog {
    #[allow(clippy::disallowed_methods)] // Request timing is the host's business.
    fn start<B>(req: &Request<B>) -> Self {
        Self { method: req.method().clone(), uri: req.uri().clone(), started: std::time::Instant::now() }
    }

    fn finish(self, status: StatusCode) {
        tracing::debug!(
            method = %self.method,
            path = self.uri.path(),
            status = status.as_u16(),
            micros = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "request"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;
    use crate::settings::{Settings, StoreKind};

    /// A server on a free port over the memory store; the address to connect to.
    async fn start() -> std::net::SocketAddr {
        let mut settings = Settings::from_lookup(|_| None).unwrap();
        settings.store = StoreKind::Memory;
        let app = Arc::new(crate::build_app(&settings, "http://localhost:3001").unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, app, std::future::pending()));
        addr
    }

    async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response).await;
        String::from_utf8_lossy(&response).into_owned()
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_arriving_gets_408_in_the_wire_format() {
        let addr = start().await;
        let response =
            exchange(addr, b"POST /oidc/token HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\ngrant_type").await;
        assert!(response.starts_with("HTTP/1.1 408"), "{response}");
        assert!(response.contains("\"error\":\"invalid_request\""), "{response}");

        let response =
            exchange(addr, b"POST /api/applications HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\"na").await;
        assert!(response.starts_with("HTTP/1.1 408"), "{response}");
        assert!(response.contains("\"code\":\"request.general\""), "{response}");
    }

    #[tokio::test]
    async fn a_body_in_many_frames_arrives_whole() {
        let addr = start().await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let body = "grant_type=client_credentials&client_id=nobody&client_secret=x";
        let head = format!(
            "POST /oidc/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        for chunk in body.as_bytes().chunks(7) {
            stream.write_all(chunk).await.unwrap();
            stream.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        // The whole form was parsed: the unknown client is named, not a parse error.
        assert!(response.contains("invalid_client"), "{response}");
    }
}
