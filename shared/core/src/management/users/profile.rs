//! `PATCH /api/users/:userId/profile`: shallow-merge OIDC standard claims into `profile`.

use http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::{input, modify};
use crate::Response;
use crate::error::ApiError;
use crate::management::{Ctx, json};

#[derive(Debug, Deserialize)]
struct Body {
    profile: Value,
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    let profile = input::profile("profile", body.profile)?;
    let user = modify(ctx, &ctx.param("userId"), |u| {
        u.profile.extend(profile.clone());
        Ok(())
    })
    .await?;
    json(StatusCode::OK, &user.profile)
}
