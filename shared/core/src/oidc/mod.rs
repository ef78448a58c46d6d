//! The OIDC provider under `/oidc` (node-oidc-provider's routes, Logto's behaviour).
//!
//! Answering now: discovery, JWKS, the token endpoint (`client_credentials`), introspection
//! and revocation. Every other path — and a known path with the wrong method — is Logto's
//! 404 `invalid_request` "unrecognized route or not allowed method (GET on /x)".

pub mod client_auth;
pub mod discovery;
mod jwks;
pub mod token;

use std::sync::OnceLock;

use http::{Method, StatusCode};

use crate::error::{OAuthError, OAuthErrorCode};
use crate::http::Routes;
use crate::{App, Request, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Discovery,
    Jwks,
    Token,
    Introspection,
    Revocation,
}

const TABLE: &[(&str, Route)] = &[
    ("/oidc/.well-known/openid-configuration", Route::Discovery),
    ("/oidc/.well-known/oauth-authorization-server", Route::Discovery),
    ("/oidc/jwks", Route::Jwks),
    ("/oidc/token", Route::Token),
    ("/oidc/token/introspection", Route::Introspection),
    ("/oidc/token/revocation", Route::Revocation),
];

fn routes() -> Option<&'static Routes<Route>> {
    static ROUTES: OnceLock<Option<Routes<Route>>> = OnceLock::new();
    ROUTES.get_or_init(|| Routes::new(TABLE).ok()).as_ref()
}

pub async fn handle(app: &App, req: Request) -> Response {
    let route = routes().and_then(|r| r.lookup(req.uri().path())).map(|(route, _)| route);
    let result = match (route, req.method()) {
        (Some(Route::Discovery), &Method::GET) => discovery::get(app).await,
        (Some(Route::Jwks), &Method::GET) => jwks::get(app).await,
        (Some(Route::Token), &Method::POST) => token::post(app, &req).await,
        (Some(Route::Introspection), &Method::POST) => token::introspection::post(app, &req).await,
        (Some(Route::Revocation), &Method::POST) => token::revocation::post(app, &req).await,
        _ => Err(unrecognized_route(&req)),
    };
    result.unwrap_or_else(|e| e.render())
}

fn unrecognized_route(req: &Request) -> OAuthError {
    let description = format!("unrecognized route or not allowed method ({} on {})", req.method(), req.uri().path());
    OAuthError::new(OAuthErrorCode::InvalidRequest, description).with_status(StatusCode::NOT_FOUND)
}

/// The parameters of a POST to a provider endpoint (form or JSON body). Beyond the body checks
/// (`http::parse_form`: content type, NUL bytes, UTF-8), a percent-encoded NUL (`%00`) in any
/// value is refused too: no OAuth parameter may contain one.
pub(crate) fn form(req: &Request) -> Result<crate::http::FormParams, OAuthError> {
    let params = crate::http::parse_form(req.headers(), req.body()).map_err(OAuthError::invalid_request)?;
    if params.0.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(OAuthError::invalid_request("request parameters must not contain NUL characters"));
    }
    Ok(params)
}

/// `invalid_request` "missing required parameter '<name>'" (oidc-provider's wording).
pub(crate) fn missing_parameter(name: &str) -> OAuthError {
    OAuthError::invalid_request(format!("missing required parameter '{name}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_table_is_valid() {
        let routes = Routes::new(TABLE).unwrap();
        assert_eq!(routes.lookup("/oidc/token").map(|r| r.0), Some(Route::Token));
        assert_eq!(routes.lookup("/oidc/token/revocation").map(|r| r.0), Some(Route::Revocation));
        assert_eq!(routes.lookup("/oidc/tokens"), None);
    }
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod http_tests {
    use bytes::Bytes;

    use crate::testing;

    #[tokio::test]
    async fn unknown_routes_and_methods_are_404_json() {
        let app = testing::app();
        for (method, path) in
            [("GET", "/oidc/nope"), ("GET", "/oidc/token"), ("POST", "/oidc/jwks"), ("DELETE", "/oidc")]
        {
            let req = http::Request::builder().method(method).uri(path).body(Bytes::new()).unwrap();
            let res = super::handle(&app, req).await;
            assert_eq!(res.status(), 404);
            let body: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
            assert_eq!(body["error"], "invalid_request");
            assert_eq!(body["code"], "oidc.invalid_request");
            assert_eq!(
                body["error_description"],
                format!("unrecognized route or not allowed method ({method} on {path})")
            );
        }
    }
}
