//! `/api/users/:userId/identities/:target` (Logto's `routes/admin-user/social.ts`): link or
//! replace a social identity by hand, read one, unlink one. `(target, userId)` is unique across
//! users (claimed in the user's commit).

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{find, modify};
use crate::Response;
use crate::domain::user::Identity;
use crate::error::ApiError;
use crate::management::{Ctx, errors, json, validate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    user_id: String,
    #[serde(default)]
    details: Option<Map<String, Value>>,
}

/// 201 when the target was not linked yet, 200 when it replaced the old identity; the body is
/// the user's identities.
pub async fn put(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    validate::length("userId", &body.user_id, None)?;
    let target = ctx.param("target");
    let mut created = false;
    let identity = Identity { user_id: body.user_id, details: body.details };
    let user = modify(ctx, &ctx.param("userId"), |u| {
        created = !u.identities.contains_key(&target);
        u.identities.insert(target.clone(), identity.clone());
        Ok(())
    })
    .await?;
    json(if created { StatusCode::CREATED } else { StatusCode::OK }, &user.identities)
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let user = find(ctx, &ctx.param("userId")).await?.value;
    let identity = user.identities.get(&ctx.param("target")).ok_or_else(errors::identity_not_exist)?;
    json(StatusCode::OK, &serde_json::json!({ "identity": identity }))
}

/// Unlink; the body is the user.
pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let target = ctx.param("target");
    let user = modify(ctx, &ctx.param("userId"), |u| {
        u.identities.remove(&target).map(|_| ()).ok_or_else(errors::identity_not_exist)
    })
    .await?;
    json(StatusCode::OK, &user.response())
}
