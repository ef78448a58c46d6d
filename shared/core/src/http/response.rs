use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::Response;

pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => json_bytes_response(status, Bytes::from(bytes)),
        // Serialising our own DTOs cannot fail short of a bug; never panic on it.
        Err(_) => empty(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// A response from pre-serialised JSON (discovery and JWKS are served from cached bytes).
pub fn json_bytes_response(status: StatusCode, body: Bytes) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

pub fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    response
}

/// Logto's `Logto-Core-Request-Id` header: every `/api` response carries a fresh id (nanoid(16))
/// that clients quote in reports.
pub fn tag_request_id(response: &mut Response, id: &str) {
    if let Ok(value) = http::HeaderValue::from_str(id) {
        response.headers_mut().insert("logto-core-request-id", value);
    }
}
