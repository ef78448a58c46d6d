//! `/api/my-account/mfa-verifications*` (Logto's `routes/account/mfa-verifications.ts`): the
//! token's user lists, adds and removes their own second factors.
//!
//! - `GET` (field `mfa` readable, scope `identities`): the factors without secrets.
//! - `POST {type: "Totp", secret, code?}` / `{type: "BackupCode", codes}` /
//!   `{type: "WebAuthn", newIdentifierVerificationRecordId, name?}`, `PUT /totp {secret, code}`
//!   (replace), `DELETE /:id`, `PATCH /:id/name` (WebAuthn): a verification record in
//!   `logto-verification-id`, field `mfa` (`passkey` ?? `mfa` for WebAuthn) editable, scope
//!   `identities`, a first-party client, the factor enabled in the sign-in experience.
//! - `POST /totp-secret/generate`, `POST /backup-codes/generate`: fresh values, nothing stored.
//! - `GET /backup-codes`: the user's set. Codes are stored hashed (Logto keeps them in clear),
//!   so each entry carries `usedAt` but no `code`: codes are shown once, when generated.
//!
//! Writes go through [`Ctx::update_user`] (`IfVersion`, re-applied to a fresh read), so the
//! one-TOTP and one-usable-backup-set rules hold under concurrent requests.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::profile::scope;
use super::{Ctx, errors, json, no_content};
use crate::Response;
use crate::domain::account_center::{Control, Field};
use crate::domain::mfa::errors as mfa_errors;
use crate::domain::mfa::{BindMfa, MfaFactor, MfaVerification, backup_code, totp};
use crate::domain::sign_in_experience;
use crate::domain::user::UserRecord;
use crate::domain::user::logto_config::{self, MfaFlags, Update};
use crate::domain::verification_record::VerificationRecord;
use crate::error::ApiError;

/// Logto's `fields.passkey ?? fields.mfa` (WebAuthn credentials double as passkeys).
fn passkey_control(ctx: &Ctx<'_>) -> Control {
    ctx.account_center.fields.passkey.unwrap_or_else(|| ctx.account_center.control(Field::Mfa))
}

/// `buildUpdatedUserLogtoConfig(user, {mfa: {enabled: true}})`.
fn mark_enabled(user: &mut UserRecord) {
    let update = Update {
        mfa: Some(MfaFlags { enabled: Some(true), skipped: None, skip_mfa_on_sign_in: None }),
        passkey_sign_in: None,
    };
    logto_config::apply(&mut user.logto_config, &update);
}

pub(super) async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    if !ctx.account_center.control(Field::Mfa).readable() {
        return Err(errors::field_not_enabled());
    }
    ctx.require_scope(scope::IDENTITIES)?;
    let out: Vec<_> = ctx.user.mfa_verifications.iter().map(MfaVerification::response).collect();
    json(StatusCode::OK, &out)
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
enum AddBody {
    WebAuthn {
        new_identifier_verification_record_id: String,
        #[serde(default)]
        name: Option<String>,
    },
    Totp {
        secret: String,
        #[serde(default)]
        code: Option<String>,
    },
    BackupCode {
        codes: Vec<String>,
    },
}

/// The write-route gate in Logto's order: verified identity, field editable, scope, first party.
async fn guard_write(ctx: &Ctx<'_>, control: Control) -> Result<(), ApiError> {
    ctx.require_verified().await?;
    if !control.editable() {
        return Err(errors::field_not_editable());
    }
    ctx.require_scope(scope::IDENTITIES)?;
    ctx.require_first_party().await
}

fn code_matches(secret: &str, code: &str, now: i64) -> bool {
    totp::matching_step(secret, code, now).is_some()
}

pub(super) async fn add(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: AddBody = ctx.body()?;
    let is_webauthn = matches!(body, AddBody::WebAuthn { .. });
    let control = if is_webauthn { passkey_control(ctx) } else { ctx.account_center.control(Field::Mfa) };
    guard_write(ctx, control).await?;
    let sie = sign_in_experience::find(ctx.app).await?;
    let passkey_sign_in = sie.passkey_sign_in.get("enabled").and_then(serde_json::Value::as_bool) == Some(true);
    let enabled = match &body {
        AddBody::WebAuthn { .. } => sie.mfa.factors.contains(&MfaFactor::WebAuthn) || passkey_sign_in,
        AddBody::Totp { .. } => sie.mfa.factors.contains(&MfaFactor::Totp),
        AddBody::BackupCode { .. } => sie.mfa.factors.contains(&MfaFactor::BackupCode),
    };
    if !enabled {
        return Err(mfa_errors::factor_not_enabled());
    }
    let now = ctx.app.clock.now_ms();
    match body {
        AddBody::Totp { secret, code } => {
            let factor = BindMfa::Totp { secret: secret.clone() }.into_verification(ctx.app);
            ctx.update_user(|user| {
                if user.totp().is_some() {
                    return Err(mfa_errors::totp_already_in_use());
                }
                if !totp::validate_secret(&secret) {
                    return Err(mfa_errors::totp_secret_invalid(400));
                }
                if code.as_deref().is_some_and(|c| !code_matches(&secret, c, now)) {
                    return Err(mfa_errors::invalid_totp_code());
                }
                user.mfa_verifications.push(factor.clone());
                mark_enabled(user);
                Ok(())
            })
            .await?;
        }
        AddBody::BackupCode { codes } => {
            let factor = BindMfa::BackupCode { codes: codes.clone() }.into_verification(ctx.app);
            ctx.update_user(|user| {
                if user.backup_codes().is_some_and(|b| b.remaining() > 0) {
                    return Err(mfa_errors::backup_code_already_in_use());
                }
                if !user.mfa_verifications.iter().any(|v| v.factor() != MfaFactor::BackupCode) {
                    return Err(mfa_errors::backup_code_can_not_be_alone());
                }
                if !backup_code::validate(&codes) {
                    return Err(mfa_errors::wrong_backup_code_format());
                }
                // A spent set is replaced, so the user never holds two.
                user.merge_mfa_verifications(vec![factor.clone()]);
                mark_enabled(user);
                Ok(())
            })
            .await?;
        }
        AddBody::WebAuthn { new_identifier_verification_record_id, name } => {
            let record = ctx.record(&new_identifier_verification_record_id).await?;
            let VerificationRecord::WebAuthn(webauthn) = &record.value.data else {
                return Err(errors::record_not_found());
            };
            if !webauthn.verified {
                return Err(errors::record_not_found());
            }
            let Some(mut info) = webauthn.registration_info.clone() else {
                return Err(mfa_errors::pending_info_not_found());
            };
            info.name = name;
            let factor = BindMfa::WebAuthn(info).into_verification(ctx.app);
            let mfa_has_webauthn = sie.mfa.factors.contains(&MfaFactor::WebAuthn);
            ctx.update_user(|user| {
                // The same registration bound twice adds the credential once.
                let MfaVerification::WebAuthn(new) = &factor else { return Ok(()) };
                if !user.webauthn_credentials().any(|w| w.credential_id == new.credential_id) {
                    user.mfa_verifications.push(factor.clone());
                }
                if mfa_has_webauthn {
                    mark_enabled(user);
                }
                Ok(())
            })
            .await?;
        }
    }
    no_content()
}

#[derive(Deserialize)]
struct ReplaceTotpBody {
    secret: String,
    code: String,
}

/// `PUT /mfa-verifications/totp`: a new authenticator replaces the old one (or is added).
pub(super) async fn replace_totp(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: ReplaceTotpBody = ctx.body()?;
    guard_write(ctx, ctx.account_center.control(Field::Mfa)).await?;
    let sie = sign_in_experience::find(ctx.app).await?;
    if !sie.mfa.factors.contains(&MfaFactor::Totp) {
        return Err(mfa_errors::factor_not_enabled());
    }
    if !totp::validate_secret(&body.secret) {
        return Err(mfa_errors::totp_secret_invalid(400));
    }
    if !code_matches(&body.secret, &body.code, ctx.app.clock.now_ms()) {
        return Err(mfa_errors::invalid_totp_code());
    }
    let factor = BindMfa::Totp { secret: body.secret }.into_verification(ctx.app);
    ctx.update_user(|user| {
        match user.mfa_verifications.iter_mut().find(|v| v.factor() == MfaFactor::Totp) {
            Some(existing) => *existing = factor.clone(),
            None => user.mfa_verifications.push(factor.clone()),
        }
        mark_enabled(user);
        Ok(())
    })
    .await?;
    no_content()
}

#[derive(Serialize)]
struct Secret {
    secret: String,
}

pub(super) async fn generate_totp_secret(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    json(StatusCode::OK, &Secret { secret: totp::generate_secret(ctx.app.rng.as_ref()) })
}

#[derive(Serialize)]
struct Codes {
    codes: Vec<String>,
}

pub(super) async fn generate_backup_codes(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    json(StatusCode::OK, &Codes { codes: backup_code::generate(ctx.app.rng.as_ref()) })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeState<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    used_at: Option<&'a str>,
}

#[derive(Serialize)]
struct CodeStates<'a> {
    codes: Vec<CodeState<'a>>,
}

/// `GET /mfa-verifications/backup-codes`: which of the user's codes are spent (the codes
/// themselves are stored hashed and cannot be read back).
pub(super) async fn backup_codes(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    ctx.require_verified().await?;
    ctx.require_scope(scope::IDENTITIES)?;
    let Some(set) = ctx.user.backup_codes() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "verification_record.not_found",
            "Verification record not found.",
        ));
    };
    let codes = set.codes.iter().map(|c| CodeState { used_at: c.used_at.as_deref() }).collect();
    json(StatusCode::OK, &CodeStates { codes })
}

#[derive(Deserialize)]
struct NameBody {
    name: String,
}

/// `PATCH /mfa-verifications/:id/name`: rename a WebAuthn credential.
pub(super) async fn rename(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: NameBody = ctx.body()?;
    guard_write(ctx, passkey_control(ctx)).await?;
    let id = ctx.params.get("verificationId").to_owned();
    ctx.update_user(|user| {
        let Some(MfaVerification::WebAuthn(w)) =
            user.mfa_verifications.iter_mut().find(|v| v.id() == id && v.factor() == MfaFactor::WebAuthn)
        else {
            return Err(errors::record_not_found());
        };
        w.name = Some(body.name.clone());
        Ok(())
    })
    .await?;
    Ok(crate::http::empty(StatusCode::OK))
}

pub(super) async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    ctx.require_verified().await?;
    ctx.require_scope(scope::IDENTITIES)?;
    ctx.require_first_party().await?;
    let id = ctx.params.get("verificationId").to_owned();
    let Some(existing) = ctx.user.mfa_verification(&id) else {
        return Err(errors::record_not_found());
    };
    let control = if existing.factor() == MfaFactor::WebAuthn {
        passkey_control(ctx)
    } else {
        ctx.account_center.control(Field::Mfa)
    };
    if !control.editable() {
        return Err(errors::field_not_editable());
    }
    ctx.update_user(|user| {
        let before = user.mfa_verifications.len();
        user.mfa_verifications.retain(|v| v.id() != id);
        if user.mfa_verifications.len() == before { Err(errors::record_not_found()) } else { Ok(()) }
    })
    .await?;
    no_content()
}
