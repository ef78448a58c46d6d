//! `GET/PATCH /api/my-account/mfa-settings` (Logto's `routes/account/index.ts`): whether the
//! user skips MFA at sign-in (`logtoConfig.mfa.skipMfaOnSignIn`, honoured only where the MFA
//! policy lets users decide; see the Experience API's MFA checks).

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::profile::scope;
use super::{Ctx, errors, json};
use crate::Response;
use crate::domain::account_center::Field;
use crate::domain::user::logto_config;
use crate::error::ApiError;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    skip_mfa_on_sign_in: bool,
}

fn read(config: &Map<String, Value>) -> Settings {
    let skip = config.get(logto_config::MFA).and_then(|m| m.get("skipMfaOnSignIn")).and_then(Value::as_bool);
    Settings { skip_mfa_on_sign_in: skip.unwrap_or(false) }
}

pub(super) async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    ctx.require_scope(scope::IDENTITIES)?;
    if !ctx.account_center.control(Field::Mfa).readable() {
        return Err(errors::field_not_enabled());
    }
    json(StatusCode::OK, &read(&ctx.user.logto_config))
}

pub(super) async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Settings = ctx.body()?;
    ctx.require_verified().await?;
    ctx.require_scope(scope::IDENTITIES)?;
    ctx.require_first_party().await?;
    if !ctx.account_center.control(Field::Mfa).editable() {
        return Err(errors::field_not_editable());
    }
    let update = logto_config::Update {
        mfa: Some(logto_config::MfaFlags {
            enabled: None,
            skipped: None,
            skip_mfa_on_sign_in: Some(body.skip_mfa_on_sign_in),
        }),
        passkey_sign_in: None,
    };
    let user = ctx
        .update_user(|user| {
            logto_config::apply(&mut user.logto_config, &update);
            Ok(())
        })
        .await?;
    json(StatusCode::OK, &read(&user.logto_config))
}
