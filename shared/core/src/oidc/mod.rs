//! The OIDC provider under `/oidc` (node-oidc-provider's routes, Logto's behaviour).
//!
//! Answering now: discovery, JWKS, the token endpoint (`authorization_code`, `refresh_token`,
//! `client_credentials`), userinfo (`/oidc/me`), introspection and revocation. Every other path — and a known path with the wrong method — is Logto's
//! 404 `invalid_request` "unrecognized route or not allowed method (GET on /x)".

pub(crate) mod account;
pub mod auth;
pub mod client_auth;
mod consent;
mod cors;
pub mod discovery;
mod jwks;
mod session_end;
pub mod token;
pub mod userinfo;

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
    Authorization,
    Resume,
    Consent,
    Userinfo,
    SessionEnd,
    SessionEndConfirm,
    SessionEndSuccess,
}

const TABLE: &[(&str, Route)] = &[
    ("/oidc/.well-known/openid-configuration", Route::Discovery),
    ("/oidc/.well-known/oauth-authorization-server", Route::Discovery),
    ("/oidc/jwks", Route::Jwks),
    ("/oidc/token", Route::Token),
    ("/oidc/token/introspection", Route::Introspection),
    ("/oidc/token/revocation", Route::Revocation),
    ("/oidc/auth", Route::Authorization),
    ("/oidc/auth/{uid}", Route::Resume),
    ("/consent", Route::Consent),
    ("/oidc/me", Route::Userinfo),
    ("/oidc/session/end", Route::SessionEnd),
    ("/oidc/session/end/confirm", Route::SessionEndConfirm),
    ("/oidc/session/end/success", Route::SessionEndSuccess),
];

fn routes() -> Option<&'static Routes<Route>> {
    static ROUTES: OnceLock<Option<Routes<Route>>> = OnceLock::new();
    ROUTES.get_or_init(|| Routes::new(TABLE).ok()).as_ref()
}

impl Route {
    fn cors(self) -> Option<cors::Policy> {
        match self {
            Route::Discovery | Route::Jwks => Some(cors::Policy::Open),
            Route::Token | Route::Introspection | Route::Revocation => Some(cors::Policy::Client),
            // Browser navigations, not fetches: no CORS.
            Route::Authorization
            | Route::Resume
            | Route::Consent
            | Route::SessionEnd
            | Route::SessionEndConfirm
            | Route::SessionEndSuccess => None,
            Route::Userinfo => Some(cors::Policy::Userinfo),
        }
    }
}

pub async fn handle(app: &App, req: Request) -> Response {
    let conditional = crate::http::etag::Conditional::of(req.method(), req.headers());
    let mut response = conditional.apply(serve(app, req).await);
    crate::http::security_headers::apply_basic(&mut response);
    response
}

async fn serve(app: &App, req: Request) -> Response {
    let matched = routes().and_then(|r| r.lookup(req.uri().path()));
    let route = matched.as_ref().map(|(route, _)| *route);
    if let Some(preflight) = route.and_then(Route::cors).and_then(|policy| cors::preflight(&req, policy)) {
        return preflight;
    }
    let result = match (route, req.method()) {
        (Some(Route::Discovery), &Method::GET) => discovery::get(app).await,
        (Some(Route::Jwks), &Method::GET) => jwks::get(app).await,
        (Some(Route::Token), &Method::POST) => token::post(app, &req).await,
        (Some(Route::Introspection), &Method::POST) => token::introspection::post(app, &req).await,
        (Some(Route::Revocation), &Method::POST) => token::revocation::post(app, &req).await,
        (Some(Route::Authorization), &Method::GET | &Method::POST) => return auth::handle(app, &req).await,
        (Some(Route::Resume), &Method::GET) => {
            let uid = matched.as_ref().map(|(_, p)| p.get("uid").to_owned()).unwrap_or_default();
            return auth::resume::get(app, &req, &uid).await;
        }
        (Some(Route::Consent), &Method::GET) => return consent::get(app, &req).await,
        (Some(Route::Userinfo), &Method::GET | &Method::POST) => userinfo::handle(app, &req).await,
        (Some(Route::SessionEnd), &Method::GET | &Method::POST) => return session_end::start(app, &req).await,
        (Some(Route::SessionEndConfirm), &Method::POST) => return session_end::confirm(app, &req).await,
        (Some(Route::SessionEndSuccess), &Method::GET) => return session_end::success(app, &req).await,
        _ => return unrecognized_route(&req).render(),
    };
    let decorate = !matches!(&result, Err(e) if cors::is_denied(e));
    let mut response = result.unwrap_or_else(|e| e.render());
    if let Some(policy) = route.and_then(Route::cors)
        && decorate
    {
        cors::decorate(&req, &mut response, policy);
    }
    response
}

fn unrecognized_route(req: &Request) -> OAuthError {
    let description = format!("unrecognized route or not allowed method ({} on {})", req.method(), provider_path(req));
    OAuthError::new(OAuthErrorCode::InvalidRequest, description).with_status(StatusCode::NOT_FOUND)
}

/// The path as Logto's provider sees it: relative to its `/oidc` mount (`/oidc` itself is `/`).
fn provider_path(req: &Request) -> &str {
    match req.uri().path().strip_prefix("/oidc") {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => req.uri().path(),
    }
}

/// The parameters of a POST to a provider endpoint (form or JSON body). Beyond the body checks
/// (`http::parse_form`: content type, NUL bytes, UTF-8), a percent-encoded NUL (`%00`) in any
/// value is refused too: no OAuth parameter may contain one.
pub(crate) fn form(req: &Request) -> Result<crate::http::FormParams, OAuthError> {
    let params = crate::http::parse_form(req.headers(), req.body()).map_err(|e| match e {
        // node-oidc-provider's wording (Logto converts JSON to a form before it).
        crate::http::FormError::UnsupportedContentType => OAuthError::invalid_request(format!(
            "only application/x-www-form-urlencoded content-type bodies are supported on {} {}",
            req.method(),
            provider_path(req)
        )),
        crate::http::FormError::Invalid(why) => OAuthError::invalid_request(why),
    })?;
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
            // Logto's provider is mounted at /oidc and names the path relative to it.
            let relative = match path.strip_prefix("/oidc").unwrap() {
                "" => "/",
                rest => rest,
            };
            assert_eq!(
                body["error_description"],
                format!("unrecognized route or not allowed method ({method} on {relative})")
            );
        }
    }
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod cors_tests {
    use bytes::Bytes;

    use crate::testing::{self, call, post_form, seed::*};

    fn with_origin(mut req: crate::Request, origin: &'static str) -> crate::Request {
        req.headers_mut().insert("origin", http::HeaderValue::from_static(origin));
        req
    }

    #[tokio::test]
    async fn discovery_and_jwks_are_open_to_every_origin() {
        let app = testing::app();
        for path in ["/oidc/.well-known/openid-configuration", "/oidc/jwks"] {
            let req = with_origin(http::Request::get(path).body(Bytes::new()).unwrap(), "https://spa.example.com");
            let (status, headers, _) = call(&app, req).await;
            assert_eq!(status, 200);
            assert_eq!(headers["access-control-allow-origin"], "https://spa.example.com");
            assert_eq!(headers["vary"], "Origin");
            let (_, headers, _) = call(&app, http::Request::get(path).body(Bytes::new()).unwrap()).await;
            assert_eq!(headers["access-control-allow-origin"], "*");
        }
    }

    #[tokio::test]
    async fn preflights_answer_204_with_the_allowed_method() {
        let app = testing::app();
        let req = http::Request::builder()
            .method("OPTIONS")
            .uri("/oidc/token")
            .header("origin", "https://spa.example.com")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, authorization")
            .body(Bytes::new())
            .unwrap();
        let (status, headers, _) = call(&app, req).await;
        assert_eq!(status, 204);
        assert_eq!(headers["access-control-allow-origin"], "https://spa.example.com");
        assert_eq!(headers["access-control-allow-methods"], "POST");
        assert_eq!(headers["access-control-allow-headers"], "content-type, authorization");
        assert_eq!(headers["access-control-max-age"], "3600");
        // OPTIONS that is not a preflight is an unknown route.
        let req = http::Request::builder().method("OPTIONS").uri("/oidc/token").body(Bytes::new()).unwrap();
        assert_eq!(call(&app, req).await.0, 404);
    }

    #[tokio::test]
    async fn token_endpoints_only_serve_the_clients_origins() {
        let app = testing::app();
        testing::seed(&app).await;
        let body = "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com";
        // The issuer's own origin is always fine; errors carry CORS headers too.
        let req = with_origin(post_form("/oidc/token", Some((M2M, M2M_SECRET)), body), "http://localhost:3001");
        let (status, headers, _) = call(&app, req).await;
        assert_eq!(status, 200);
        assert_eq!(headers["access-control-allow-origin"], "http://localhost:3001");
        assert_eq!(headers["access-control-expose-headers"], "WWW-Authenticate");
        let req = with_origin(post_form("/oidc/token", Some((M2M, "wrong")), body), "http://localhost:3001");
        let (status, headers, _) = call(&app, req).await;
        assert_eq!(status, 401);
        assert_eq!(headers["access-control-allow-origin"], "http://localhost:3001");
        // A foreign origin is refused before the secret is even checked, without CORS headers.
        let req = with_origin(post_form("/oidc/token", Some((M2M, M2M_SECRET)), body), "https://evil.example.com");
        let (status, headers, json) = call(&app, req).await;
        assert_eq!(status, 400);
        assert_eq!(json["error_description"], "origin https://evil.example.com not allowed for client: m2m");
        assert!(headers.get("access-control-allow-origin").is_none());
        // Server-side callers send no Origin and are not affected.
        assert_eq!(call(&app, post_form("/oidc/token", Some((M2M, M2M_SECRET)), body)).await.0, 200);
    }
}
