//! CORS on the Account API: any origin (Logto's `koaCors(..., [accountApiPrefix,
//! verificationApiPrefix])` over `@koa/cors`): the bearer token is the credential, so the
//! browser's origin adds nothing. Preflights answer 204 before routing or authentication.

use http::{HeaderValue, Method, StatusCode, header};

use crate::{Request, Response};

/// `@koa/cors`'s default `allowMethods`.
const METHODS: &str = "GET,HEAD,PUT,POST,DELETE,PATCH";

fn allow_origin(req: &Request) -> HeaderValue {
    req.headers().get(header::ORIGIN).cloned().unwrap_or_else(|| HeaderValue::from_static("*"))
}

/// The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`), else `None`.
pub(super) fn preflight(req: &Request) -> Option<Response> {
    if req.method() != Method::OPTIONS || !req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return None;
    }
    let mut response = crate::http::empty(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin(req));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(METHODS));
    if let Some(requested) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    Some(response)
}

/// CORS headers on an actual response (errors included, so the page can read them).
pub(super) fn decorate(req: &Request, response: &mut Response) {
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin(req));
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("*"));
}
