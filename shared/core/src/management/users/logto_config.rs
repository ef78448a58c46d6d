//! `/api/users/:userId/logto-configs` (Logto's `user-logto-config.ts`): the user's MFA and
//! passkey sign-in flags (`domain::user::logto_config`).

use http::StatusCode;

use super::{find, modify};
use crate::Response;
use crate::domain::user::logto_config::{self, Update};
use crate::error::ApiError;
use crate::management::{Ctx, json};

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let user = find(ctx, &ctx.param("userId")).await?.value;
    json(StatusCode::OK, &logto_config::response(&user.logto_config))
}

/// Merge the given flags into `logtoConfig` (absent ones keep their value).
pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Update = ctx.body()?;
    let user = modify(ctx, &ctx.param("userId"), |u| {
        logto_config::apply(&mut u.logto_config, &body);
        Ok(())
    })
    .await?;
    json(StatusCode::OK, &logto_config::response(&user.logto_config))
}
