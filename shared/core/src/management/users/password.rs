//! `/api/users/:userId/password`, `/password/verify`, `/has-password`.

use http::StatusCode;
use serde::Deserialize;
use serde_json::json as body;

use super::{find, modify};
use crate::Response;
use crate::domain::password;
use crate::domain::user::{self as repo, PasswordCheck};
use crate::error::ApiError;
use crate::management::{Ctx, errors, json, no_content, validate};

#[derive(Debug, Deserialize)]
struct Body {
    password: String,
}

/// Set a new password (an admin reset: Logto does not apply the sign-in experience's password
/// policy here).
pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    validate::length("password", &body.password, None)?;
    let id = ctx.param("userId");
    find(ctx, &id).await?;
    let stored = password::hash(ctx.app.rng.as_ref(), &body.password)?;
    let now = ctx.now();
    let user = modify(ctx, &id, |u| {
        u.set_password(stored.clone(), now);
        Ok(())
    })
    .await?;
    json(StatusCode::OK, &user.response())
}

/// 204 when the password is the user's (upgrading a legacy digest), else 422
/// `session.invalid_credentials`.
pub async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    validate::length("password", &body.password, None)?;
    let user = find(ctx, &ctx.param("userId")).await?;
    match repo::verify_password(ctx.app, &user, &body.password).await? {
        PasswordCheck::Valid => no_content(),
        PasswordCheck::Invalid => Err(errors::invalid_credentials()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExpirationBody {
    is_expired: bool,
}

/// `PATCH /api/users/:userId/password/expiration`: force (or lift) a password reset at the next
/// sign-in; expiring needs the sign-in experience's expiration policy (400 otherwise).
pub async fn expiration(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: ExpirationBody = ctx.body()?;
    let id = ctx.param("userId");
    find(ctx, &id).await?;
    if body.is_expired {
        let policy = crate::domain::sign_in_experience::find(ctx.app).await?.password_expiration;
        let enabled = policy.get("enabled").and_then(serde_json::Value::as_bool).unwrap_or(false);
        let days = policy.get("validPeriodDays").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if !enabled || days == 0 {
            return Err(errors::password_expiration_not_enabled());
        }
    }
    let user = modify(ctx, &id, |u| {
        u.is_password_expired = body.is_expired;
        Ok(())
    })
    .await?;
    json(StatusCode::OK, &user.response())
}

pub async fn has_password(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let user = find(ctx, &ctx.param("userId")).await?.value;
    json(StatusCode::OK, &body!({ "hasPassword": user.has_password() }))
}
