//! Lambda events ⇄ the core's `http::Request<Bytes>` / `http::Response<Bytes>`.

use bytes::Bytes;
use edgeid_core::http::MAX_BODY_BYTES;
use edgeid_core::{Request, Response, payload_too_large};
use lambda_http::Body;

/// The event's request for the core; an oversized body is answered right here with the 413
/// of the endpoint's wire format (the same limit every host enforces).
#[allow(clippy::result_large_err)] // The error is the 413 response itself, on a cold path.
pub fn request(event: lambda_http::Request) -> Result<Request, Response> {
    let (parts, body) = event.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(binary) => Bytes::from(binary),
        // `Body` is non-exhaustive; its bytes are whatever it dereferences to.
        other => Bytes::copy_from_slice(&other),
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(payload_too_large(parts.uri.path()));
    }
    Ok(http::Request::from_parts(parts, bytes))
}

/// The core's response for the runtime: UTF-8 bodies (JSON, HTML) go out as text, anything
/// else base64-encoded as binary.
pub fn response(response: Response) -> http::Response<Body> {
    let (parts, bytes) = response.into_parts();
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(bytes.into()) {
            Ok(text) => Body::Text(text),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    };
    http::Response::from_parts(parts, body)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use edgeid_core::ports::{FixedClock, RingCrypto, SeededRng};
    use edgeid_core::store::memory::MemoryStore;
    use edgeid_core::{App, Config};

    use super::*;

    pub(crate) fn memory_app() -> App {
        let clock = Arc::new(FixedClock::new(1_767_225_600_000));
        let store = Arc::new(MemoryStore::new(clock.clone()));
        App::new(
            Config::new("https://id.example.com"),
            store,
            clock,
            Arc::new(SeededRng::new(7)),
            Arc::new(RingCrypto::new()),
        )
        .unwrap()
    }

    /// An API Gateway HTTP API (payload v2) event, as API Gateway and `cargo lambda watch` send it.
    fn event(path: &str, body: &str, base64: bool) -> lambda_http::Request {
        let json = serde_json::json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": "a=1&b=%20",
            "headers": {"host": "id.example.com", "content-type": "application/x-www-form-urlencoded"},
            "requestContext": {
                "accountId": "123456789012", "apiId": "api", "domainName": "id.example.com",
                "domainPrefix": "id", "requestId": "r1", "routeKey": "$default", "stage": "$default",
                "time": "23/Nov/2026:13:00:00 +0000", "timeEpoch": 1795957200000u64,
                "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "t"}
            },
            "body": body,
            "isBase64Encoded": base64
        });
        lambda_http::request::from_str(&json.to_string()).unwrap()
    }

    #[test]
    fn an_event_becomes_the_core_request() {
        let req = request(event("/oidc/token", "grant_type=client_credentials", false)).unwrap();
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri().path(), "/oidc/token");
        assert_eq!(req.uri().query(), Some("a=1&b=%20"));
        assert_eq!(req.headers()["content-type"], "application/x-www-form-urlencoded");
        assert_eq!(req.body().as_ref(), b"grant_type=client_credentials");
    }

    #[test]
    fn base64_bodies_are_decoded() {
        // "hello" in base64.
        let req = request(event("/api/applications", "aGVsbG8=", true)).unwrap();
        assert_eq!(req.body().as_ref(), b"hello");
    }

    #[test]
    fn oversized_bodies_get_the_endpoints_413() {
        let big = "x".repeat(MAX_BODY_BYTES + 1);
        let oidc = request(event("/oidc/token", &big, false)).unwrap_err();
        assert_eq!(oidc.status(), 413);
        let body: serde_json::Value = serde_json::from_slice(oidc.body()).unwrap();
        assert_eq!(body["error"], "invalid_request");
        let api = request(event("/api/applications", &big, false)).unwrap_err();
        assert_eq!(api.status(), 413);
        let body: serde_json::Value = serde_json::from_slice(api.body()).unwrap();
        assert_eq!(body["code"], "request.general");
        // Exactly at the limit is fine.
        assert!(request(event("/oidc/token", &"x".repeat(MAX_BODY_BYTES), false)).is_ok());
    }

    #[test]
    fn responses_keep_status_headers_and_bytes() {
        let text = http::Response::builder()
            .status(201)
            .header("content-type", "application/json")
            .header("set-cookie", "a=1")
            .body(Bytes::from_static(b"{\"ok\":true}"))
            .unwrap();
        let out = response(text);
        assert_eq!(out.status(), 201);
        assert_eq!(out.headers()["set-cookie"], "a=1");
        assert!(matches!(out.body(), Body::Text(t) if t == "{\"ok\":true}"));

        let binary = http::Response::new(Bytes::from_static(&[0xff, 0x00]));
        assert!(matches!(response(binary).body(), Body::Binary(b) if b == &[0xff, 0x00]));
        assert!(matches!(response(http::Response::new(Bytes::new())).body(), Body::Empty));
    }
}
