//! edgeid-native-http: the core's [`HttpClient`] port for native hosts (the local server and
//! the Lambda functions), on reqwest with rustls. The Workers host implements the same port
//! with `fetch`.
//!
//! What it promises the core: no redirects are followed (a connector's endpoint answers
//! itself), every call is bounded in time, and a response body larger than
//! [`MAX_RESPONSE_BYTES`] is cut off rather than buffered without limit.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use edgeid_core::ports::{HttpClient, HttpClientError, IncomingResponse, OutgoingRequest};

/// Whole-call limit (connect + request + response).
pub const TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Connector responses are small (an ack, an error text, a token response).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

pub struct NativeHttpClient {
    client: reqwest::Client,
}

impl NativeHttpClient {
    pub fn new() -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("edgeid/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self { client })
    }
}

#[async_trait::async_trait]
impl HttpClient for NativeHttpClient {
    async fn send(&self, request: OutgoingRequest) -> Result<IncomingResponse, HttpClientError> {
        let (parts, body) = request.into_parts();
        let url = parts.uri.to_string();
        let mut response = self
            .client
            .request(parts.method, &url)
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .map_err(|e| HttpClientError(describe(&e)))?;
        let mut out = http::Response::builder().status(response.status());
        if let Some(headers) = out.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| HttpClientError(describe(&e)))? {
            let room = MAX_RESPONSE_BYTES.saturating_sub(body.len());
            body.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
            if body.len() >= MAX_RESPONSE_BYTES {
                break;
            }
        }
        out.body(Bytes::from(body)).map_err(|e| HttpClientError(e.to_string()))
    }
}

/// The error with its causes (reqwest's top-level message alone says little).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A one-shot HTTP/1.1 server: returns what it read and answers `response`.
    async fn serve_once(response: &'static str) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = socket.read(&mut buf).await.unwrap();
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen).to_string();
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let length = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if seen.len() >= head_end + 4 + length {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.shutdown().await.unwrap();
            String::from_utf8(seen).unwrap()
        });
        (format!("http://{addr}"), task)
    }

    #[tokio::test]
    async fn sends_the_request_and_does_not_follow_redirects() {
        let (base, server) = serve_once("HTTP/1.1 302 Found\r\nLocation: http://example.invalid/\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno").await;
        let client = NativeHttpClient::new().unwrap();
        let request = http::Request::post(format!("{base}/hook?x=1"))
            .header("content-type", "application/json")
            .header("authorization", "Bearer abc")
            .body(Bytes::from_static(b"{\"a\":1}"))
            .unwrap();
        let response = client.send(request).await.unwrap();
        assert_eq!(response.status(), 302);
        assert_eq!(response.body().as_ref(), b"no");
        let seen = server.await.unwrap();
        assert!(seen.starts_with("POST /hook?x=1 HTTP/1.1\r\n"), "{seen}");
        let lower = seen.to_ascii_lowercase();
        assert!(lower.contains("authorization: bearer abc\r\n"));
        assert!(lower.contains("content-type: application/json\r\n"));
        assert!(seen.ends_with("\r\n\r\n{\"a\":1}"));
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_an_error_not_a_response() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let client = NativeHttpClient::new().unwrap();
        let request = http::Request::post(format!("http://{addr}/")).body(Bytes::new()).unwrap();
        let err = client.send(request).await.unwrap_err();
        assert!(err.0.contains("error sending request"), "{err}");
    }
}
