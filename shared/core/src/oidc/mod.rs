//! The OIDC provider under `/oidc` (node-oidc-provider's routes, Logto's behaviour).

use crate::error::{OAuthError, OAuthErrorCode};
use crate::{App, Request, Response};

pub async fn handle(_app: &App, req: Request) -> Response {
    let description = format!("unrecognized route or not allowed method ({} on {})", req.method(), req.uri().path());
    OAuthError::new(OAuthErrorCode::InvalidRequest, description).with_status(http::StatusCode::NOT_FOUND).render()
}
