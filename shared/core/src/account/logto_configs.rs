//! `GET/PATCH /api/my-account/logto-configs`: the user's MFA and passkey sign-in flags
//! (`domain::user::logto_config`), gated by the `passkey` field (falling back to `mfa`) and
//! the `identities` scope; PATCH needs a verification record.

use http::StatusCode;

use super::profile::scope;
use super::{Ctx, errors, json};
use crate::Response;
use crate::domain::account_center::Field;
use crate::domain::user::logto_config::{self, Update};
use crate::error::ApiError;

/// Logto's `fields.passkey ?? fields.mfa`.
fn control(ctx: &Ctx<'_>) -> crate::domain::account_center::Control {
    ctx.account_center.fields.passkey.unwrap_or_else(|| ctx.account_center.control(Field::Mfa))
}

pub(super) async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    ctx.require_scope(scope::IDENTITIES)?;
    if !control(ctx).readable() {
        return Err(errors::field_not_enabled());
    }
    json(StatusCode::OK, &logto_config::response(&ctx.user.logto_config))
}

pub(super) async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Update = ctx.body()?;
    ctx.require_verified().await?;
    ctx.require_scope(scope::IDENTITIES)?;
    ctx.require_first_party().await?;
    if !control(ctx).editable() {
        return Err(errors::field_not_editable());
    }
    let updated = ctx
        .update_user(|user| {
            logto_config::apply(&mut user.logto_config, &body);
            Ok(())
        })
        .await?;
    json(StatusCode::OK, &logto_config::response(&updated.logto_config))
}
