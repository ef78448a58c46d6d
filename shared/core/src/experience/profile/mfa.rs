//! `POST /api/experience/profile/mfa` and its flags (Logto's `profile-routes.ts`, MFA part):
//!
//! - `/profile/mfa {type, verificationId}` binds a verified factor to the interaction (TOTP
//!   secret, WebAuthn credential, backup codes, or a verified email/phone as the email/phone
//!   factor) and marks MFA enabled; written to the user at submit.
//! - `/mfa-enabled`, `/mfa-skipped` (422 `session.mfa.mfa_policy_not_user_controlled` under a
//!   mandatory policy), `/mfa-suggestion-skipped`, `/passkey-skipped`: flags kept until submit.
//!
//! Every route runs Logto's `verifiedInteractionGuard`: not in ForgotPassword, and a sign-in
//! must have passed MFA first (403 `session.mfa.require_mfa_verification`).

use serde::Deserialize;

use super::super::mfa;
use super::super::session::Session;
use super::super::storage::{CodeRecord, Identifier, IdentifierType, Profile, VerificationRecord};
use super::super::{Ctx, errors, no_content, rules, users};
use crate::Response;
use crate::domain::mfa::MfaFactor;
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BindBody {
    #[serde(rename = "type")]
    kind: MfaFactor,
    verification_id: String,
}

pub(in super::super) async fn bind(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: BindBody = ctx.body()?;
    let rules = rules::load(app).await?;
    mfa::guard_verified_interaction(app, &rules, &session.storage).await?;
    let user = users::identified(app, session.storage.user_id.as_deref()).await?;
    let storage = &mut session.storage;
    let id = &body.verification_id;
    match body.kind {
        MfaFactor::Totp => mfa::add_totp(&rules, storage, &user.value, id)?,
        MfaFactor::WebAuthn => mfa::add_webauthn(&rules, storage, id)?,
        MfaFactor::BackupCode => mfa::add_backup_code(&rules, storage, &user.value, id)?,
        MfaFactor::EmailVerificationCode | MfaFactor::PhoneVerificationCode => {
            // `setProfileByVerificationId`: the verified address becomes the staged primary
            // email/phone, and counts as this sign-in's MFA verification.
            let (kind, staged) = match (body.kind, storage.record(id)) {
                (MfaFactor::EmailVerificationCode, Some(VerificationRecord::EmailVerificationCode(r)))
                    if r.verified =>
                {
                    rules.guard_email_blocklist(&r.identifier.value)?;
                    (
                        IdentifierType::Email,
                        Profile { primary_email: Some(r.identifier.value.clone()), ..Profile::default() },
                    )
                }
                (MfaFactor::PhoneVerificationCode, Some(VerificationRecord::PhoneVerificationCode(r)))
                    if r.verified =>
                {
                    (
                        IdentifierType::Phone,
                        Profile { primary_phone: Some(r.identifier.value.clone()), ..Profile::default() },
                    )
                }
                (MfaFactor::EmailVerificationCode, Some(VerificationRecord::EmailVerificationCode(_)))
                | (MfaFactor::PhoneVerificationCode, Some(VerificationRecord::PhoneVerificationCode(_))) => {
                    return Err(errors::verification_failed());
                }
                _ => return Err(errors::verification_session_not_found()),
            };
            super::stage(app, &rules, storage, staged).await?;
            let value = match kind {
                IdentifierType::Phone => storage.profile.primary_phone.clone(),
                _ => storage.profile.primary_email.clone(),
            };
            if let Some(value) = value {
                let record = CodeRecord {
                    id: app.rng.id(21),
                    identifier: Identifier { kind, value },
                    template_type: "MfaVerification".into(),
                    verified: true,
                };
                storage.set_record(match kind {
                    IdentifierType::Phone => VerificationRecord::MfaPhoneVerificationCode(record),
                    _ => VerificationRecord::MfaEmailVerificationCode(record),
                });
            }
        }
    }
    storage.mfa.mfa_enabled = Some(true);
    session.save(app).await?;
    no_content()
}

/// Which flag a body-less route sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in super::super) enum Flag {
    Enabled,
    Skipped,
    SuggestionSkipped,
    PasskeySkipped,
}

pub(in super::super) async fn flag(ctx: &Ctx<'_>, flag: Flag) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let rules = rules::load(app).await?;
    mfa::guard_verified_interaction(app, &rules, &session.storage).await?;
    match flag {
        Flag::Enabled => session.storage.mfa.mfa_enabled = Some(true),
        Flag::Skipped => {
            users::identified(app, session.storage.user_id.as_deref()).await?;
            mfa::skip(&rules, &mut session.storage)?;
        }
        Flag::SuggestionSkipped => session.storage.mfa.additional_binding_suggestion_skipped = Some(true),
        Flag::PasskeySkipped => session.storage.mfa.passkey_skipped = Some(true),
    }
    session.save(app).await?;
    no_content()
}
