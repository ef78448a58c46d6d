//! Logto's `koaOidcAuth` + `koaAccountCenter` for the user router: the bearer token must be an
//! opaque access token edgeid issued (a JWT for an API resource is not one), carrying `openid`,
//! of a user who still exists and is not suspended; then the account center must be enabled.
//!
//! Reads: the token (one `get`), then the user, its grant and the account center settings
//! concurrently.
//! The `logto-verification-id` record is only read by routes that need it
//! ([`super::Ctx::require_verified`]), not on every request as Logto does.

use http::header;

use super::{Ctx, errors};
use crate::domain::access_token::opaque;
use crate::domain::user::{self, UserRecord};
use crate::domain::{Versioned, account_center, grant};
use crate::error::ApiError;
use crate::http::Params;
use crate::store::Store;
use crate::{App, Request};

/// The token value of `Authorization: Bearer <value>` (Logto's `extractBearerTokenFromHeaders`).
fn bearer(req: &Request) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(errors::authorization_header_missing)?;
    let value = value.to_str().map_err(|_| errors::unauthorized())?;
    if value.is_empty() {
        return Err(errors::authorization_header_missing());
    }
    let token = value.strip_prefix("Bearer").ok_or_else(errors::token_type_not_supported)?;
    Ok(token.strip_prefix(' ').unwrap_or(token))
}

/// The live, unsuspended user `id` with its version (401 `auth.unauthorized` otherwise: the
/// token is as good as revoked).
pub(super) async fn live_user(store: &dyn Store, id: &str) -> Result<Versioned<UserRecord>, ApiError> {
    match user::find(store, id).await? {
        Some(user) if !user.value.is_suspended => Ok(user),
        _ => Err(errors::unauthorized()),
    }
}

pub(super) async fn authenticate<'a>(app: &'a App, req: &'a Request, params: Params) -> Result<Ctx<'a>, ApiError> {
    let value = bearer(req)?;
    let token = opaque::find(app, value).await?.ok_or_else(errors::unauthorized)?;
    if token.account_id.is_empty() {
        return Err(errors::unauthorized());
    }
    if !token.has_scope("openid") {
        return Err(errors::forbidden());
    }
    // The grant is re-read as at `/oidc/me`: revoking it stops its tokens at once, even if a
    // token record outlived the revocation (they are removed after the grant).
    let (user, settings, held) = futures::future::join3(
        live_user(app.store.as_ref(), &token.account_id),
        account_center::find(app),
        grant::find(app, &token.grant_id),
    )
    .await;
    let user = user?;
    match held? {
        Some(g) if g.value.account_id == token.account_id && g.value.client_id == token.client_id => {}
        _ => return Err(errors::unauthorized()),
    }
    let account_center = settings?;
    if !account_center.enabled {
        return Err(errors::not_enabled());
    }
    Ok(Ctx { app, req, params, user: user.value, user_version: user.version, token, account_center })
}
