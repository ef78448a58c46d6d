//! `PATCH /api/users/:userId/is-suspended`: suspending also signs the user out everywhere.

use http::StatusCode;
use serde::Deserialize;

use super::modify;
use crate::Response;
use crate::domain::user as repo;
use crate::error::ApiError;
use crate::management::{Ctx, json};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    is_suspended: bool,
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    let user = modify(ctx, &ctx.param("userId"), |u| {
        u.is_suspended = body.is_suspended;
        Ok(())
    })
    .await?;
    if body.is_suspended {
        repo::sign_out(ctx.app, &user.id).await?;
    }
    json(StatusCode::OK, &user.response())
}
