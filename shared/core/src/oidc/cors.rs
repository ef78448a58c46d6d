//! CORS under `/oidc`, as node-oidc-provider does it (`lib/shared/cors.js`,
//! `lib/helpers/initialize_app.js`) with Logto's `clientBasedCORS` (`oidc/init.ts`): browser
//! SDKs (`@logto/browser`) read discovery and JWKS and call the token and revocation endpoints
//! from the page.
//!
//! - Discovery and JWKS are open: `Access-Control-Allow-Origin` echoes the `Origin` (or `*`).
//! - Token, introspection and revocation are client-based: a request with an `Origin` is only
//!   served if the origin is the issuer's own, one of the client's `corsAllowedOrigins`, or the
//!   origin of one of its redirect URIs; otherwise 400 `invalid_request` "origin <o> not allowed
//!   for client: <id>", without CORS headers. `WWW-Authenticate` is exposed.
//! - Preflights (`OPTIONS` with `Access-Control-Request-Method`) answer 204 with the allowed
//!   method, `Access-Control-Max-Age: 3600` and the requested headers.
//!
//! Wildcard redirect URIs are not matched against origins yet (Logto matches them by pattern).

use http::{HeaderValue, Method, StatusCode, header};

use crate::domain::application::ApplicationRecord;
use crate::error::OAuthError;
use crate::{App, Request, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Public metadata (GET).
    Open,
    /// Client-authenticated endpoints (POST).
    Client,
    /// Userinfo: any origin (the bearer token is the credential), GET and POST.
    Userinfo,
}

impl Policy {
    fn methods(self) -> &'static str {
        match self {
            Policy::Open => "GET",
            Policy::Client => "POST",
            Policy::Userinfo => "GET,POST",
        }
    }
}

/// The answer to a CORS preflight, or `None` if `req` is not one.
pub fn preflight(req: &Request, policy: Policy) -> Option<Response> {
    if req.method() != Method::OPTIONS || !req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return None;
    }
    let mut response = crate::http::empty(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin(req));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("3600"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(policy.methods()));
    if let Some(requested) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    Some(response)
}

/// CORS headers on an actual (non-preflight) response.
pub fn decorate(req: &Request, response: &mut Response, policy: Policy) {
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin(req));
    if matches!(policy, Policy::Client | Policy::Userinfo) {
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("WWW-Authenticate"));
    }
}

fn allow_origin(req: &Request) -> HeaderValue {
    req.headers().get(header::ORIGIN).cloned().unwrap_or_else(|| HeaderValue::from_static("*"))
}

const DENIED: &str = " not allowed for client: ";

/// Refuse a browser request from an origin the client did not register (after the client is
/// known, before its secret is checked, as upstream's `assign.client` hook does).
pub fn check_client(app: &App, req_headers: &http::HeaderMap, client: &ApplicationRecord) -> Result<(), OAuthError> {
    let Some(origin) = req_headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default();
    if allowed(&app.config.endpoint, origin, client) {
        Ok(())
    } else {
        Err(OAuthError::invalid_request(format!("origin {origin}{DENIED}{}", client.app.id)))
    }
}

/// Whether `error` is the refusal of [`check_client`] (its response carries no CORS headers).
pub fn is_denied(error: &OAuthError) -> bool {
    error.description.starts_with("origin ") && error.description.contains(DENIED)
}

fn origin_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

fn allowed(endpoint: &str, origin: &str, client: &ApplicationRecord) -> bool {
    if origin_of(endpoint).as_deref() == Some(origin) {
        return true;
    }
    let custom = client.app.custom_client_metadata.cors_allowed_origins.as_deref().unwrap_or_default();
    if custom.iter().any(|o| o == origin) {
        return true;
    }
    client
        .app
        .oidc_client_metadata
        .redirect_uris
        .iter()
        .filter(|uri| !uri.contains('*'))
        .any(|uri| origin_of(uri).as_deref() == Some(origin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::ApplicationType;

    #[test]
    fn allowed_origins_follow_logto() {
        let mut app = ApplicationRecord::new("spa".into(), "spa".into(), ApplicationType::Spa, 0);
        app.app.oidc_client_metadata.redirect_uris =
            vec!["https://app.example.com/callback".into(), "https://*.example.org/cb".into(), "not a url".into()];
        app.app.custom_client_metadata.cors_allowed_origins = Some(vec!["https://extra.example.net".into()]);
        let endpoint = "http://localhost:3001";
        for (origin, expected) in [
            ("https://app.example.com", true),
            ("https://extra.example.net", true),
            ("http://localhost:3001", true),
            ("https://app.example.com:8443", false),
            ("http://app.example.com", false),
            ("https://evil.example.com", false),
            ("https://a.example.org", false),
            ("null", false),
        ] {
            assert_eq!(allowed(endpoint, origin, &app), expected, "{origin}");
        }
    }
}
