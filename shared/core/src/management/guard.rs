//! Who may call the Management API (Logto's `koa-auth`): a Bearer JWT issued by this tenant for
//! the Management API resource (`https://default.logto.app/api`) whose scope includes `all`.
//!
//! Logto's test mode is kept: with `config.dev_admin` (integration tests, loopback only — the
//! host enforces that), a `development-user-id: <id>` header is an admin without a token.

use crate::config::MANAGEMENT_API_INDICATOR;
use crate::domain::access_token::{self, TokenError};
use crate::error::ApiError;
use crate::{App, Request};

use super::errors;

/// The Management API scope that grants everything.
pub const SCOPE_ALL: &str = "all";

const DEV_USER_HEADER: &str = "development-user-id";

/// The authenticated caller (Logto's `ctx.auth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A user token (or Logto's development header).
    User(String),
    /// A client-credentials token: `sub` is the application's `client_id`.
    App(String),
}

pub async fn authenticate(app: &App, req: &Request) -> Result<Caller, ApiError> {
    if app.config.dev_admin
        && let Some(id) = req.headers().get(DEV_USER_HEADER).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
    {
        return Ok(Caller::User(id.to_owned()));
    }
    let token = bearer_token(req)?;
    let claims = match access_token::verify(app, token).await {
        Ok(claims) => claims,
        Err(TokenError::Internal(e)) => return Err(e.into()),
        Err(_) => return Err(errors::unauthorized()),
    };
    // `jwtVerify(..., { audience })` in Logto: a token for another resource is not ours.
    if claims.aud != MANAGEMENT_API_INDICATOR {
        return Err(errors::unauthorized());
    }
    if claims.sub.is_empty() {
        return Err(errors::jwt_sub_missing());
    }
    if !claims.has_scope(SCOPE_ALL) {
        return Err(errors::forbidden());
    }
    Ok(if claims.client_id == claims.sub { Caller::App(claims.sub) } else { Caller::User(claims.sub) })
}

/// Logto's `extractBearerTokenFromHeaders`: the header must start with `Bearer`.
fn bearer_token(req: &Request) -> Result<&str, ApiError> {
    let header = req.headers().get(http::header::AUTHORIZATION).ok_or_else(errors::authorization_header_missing)?;
    let value = header.to_str().map_err(|_| errors::token_type_not_supported())?;
    let token = value.strip_prefix("Bearer").ok_or_else(errors::token_type_not_supported)?;
    Ok(token.strip_prefix(' ').unwrap_or(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::management::testing::{TestApp, request};

    #[tokio::test]
    async fn header_errors_follow_logto() {
        let t = TestApp::new(false);
        let check = |header: Option<&'static str>| {
            let mut req = request("GET", "/api/applications", "");
            if let Some(h) = header {
                req.headers_mut().insert(http::header::AUTHORIZATION, http::HeaderValue::from_static(h));
            }
            req
        };
        let err = authenticate(&t.app, &check(None)).await.unwrap_err();
        assert_eq!((err.status.as_u16(), err.code), (401, "auth.authorization_header_missing"));
        let err = authenticate(&t.app, &check(Some("Basic abc"))).await.unwrap_err();
        assert_eq!((err.status.as_u16(), err.code), (401, "auth.authorization_token_type_not_supported"));
        assert_eq!(err.data, Some(serde_json::json!({"supportedTypes": ["Bearer"]})));
        let err = authenticate(&t.app, &check(Some("Bearer not-a-jwt"))).await.unwrap_err();
        assert_eq!((err.status.as_u16(), err.code), (401, "auth.unauthorized"));
    }

    #[tokio::test]
    async fn the_development_header_only_works_in_dev_admin_mode() {
        let mut req = request("GET", "/api/applications", "");
        req.headers_mut().insert(DEV_USER_HEADER, http::HeaderValue::from_static("admin"));
        assert_eq!(authenticate(&TestApp::new(true).app, &req).await, Ok(Caller::User("admin".into())));
        let err = authenticate(&TestApp::new(false).app, &req).await.unwrap_err();
        assert_eq!(err.code, "auth.authorization_header_missing");
    }
}
