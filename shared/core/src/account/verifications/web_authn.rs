//! `POST /api/verifications/web-authn/registration` → 200 `{verificationRecordId,
//! registrationOptions, expiresAt}` and `.../registration/verify` `{verificationRecordId,
//! payload}` → 200 `{verificationRecordId}` (Logto's `routes/verification/index.ts`): register
//! a WebAuthn credential for the token's user; `POST /api/my-account/mfa-verifications
//! {type: "WebAuthn", newIdentifierVerificationRecordId}` then binds it.
//!
//! The RP ID is the endpoint's host, as in the Experience API; the allowed origins are the
//! endpoint's origin plus the account center's `webauthnRelatedOrigins` (an account page on
//! another origin of the same site). The challenge is cleared in the same `IfVersion` write
//! that stores the verified credential: a replayed response finds none.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::super::{Ctx, errors, json};
use super::Verified;
use crate::Response;
use crate::domain::mfa::webauthn::{self, RegistrationOptions, RegistrationPayload, RelyingParty};
use crate::domain::verification_record::{self, UpdateError, VerificationRecord, WebAuthnRecord};
use crate::error::{ApiError, Internal};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Created<'a> {
    verification_record_id: &'a str,
    registration_options: RegistrationOptions,
    expires_at: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyBody {
    verification_record_id: String,
    payload: RegistrationPayload,
}

fn relying_party(ctx: &Ctx<'_>) -> Result<RelyingParty, ApiError> {
    RelyingParty::of(&ctx.app.config)
        .ok_or_else(|| Internal::Bug("EDGEID_ENDPOINT has no host to serve as the WebAuthn RP ID".into()).into())
}

pub(in super::super) async fn registration(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    ctx.require_first_party().await?;
    let rp = relying_party(ctx)?;
    let user = &ctx.user;
    let challenge = webauthn::challenge(app.rng.as_ref());
    let names = webauthn::UserNames {
        id: &user.id,
        name: user.name.as_deref(),
        username: user.username.as_deref(),
        primary_email: user.primary_email.as_deref(),
        primary_phone: user.primary_phone.as_deref(),
    };
    let options =
        webauthn::registration_options(&rp.id, challenge.clone(), &names, webauthn::credentials::descriptors(user));
    let record = verification_record::insert(
        app,
        &user.id,
        VerificationRecord::WebAuthn(WebAuthnRecord {
            verified: false,
            registration_challenge: Some(challenge),
            registration_rp_id: Some(rp.id),
            registration_info: None,
        }),
    )
    .await?;
    json(
        StatusCode::OK,
        &Created {
            verification_record_id: &record.id,
            registration_options: options,
            expires_at: crate::domain::mfa::iso8601(record.expires_at),
        },
    )
}

pub(in super::super) async fn registration_verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let body: VerifyBody = ctx.body()?;
    ctx.require_first_party().await?;
    let current = ctx.record(&body.verification_record_id).await?;
    let VerificationRecord::WebAuthn(record) = &current.value.data else {
        return Err(errors::record_not_found());
    };
    let (Some(challenge), Some(rp_id)) = (&record.registration_challenge, &record.registration_rp_id) else {
        return Err(webauthn::pending_info_not_found());
    };
    let rp = relying_party(ctx)?;
    let mut origins = rp.origins.clone();
    origins.extend(ctx.account_center.webauthn_related_origins.iter().cloned());
    let expected = webauthn::Expected { challenge, rp_id, origins: &origins };
    let credential = webauthn::verify_registration(app.crypto.as_ref(), &body.payload, &expected)
        .await
        .map_err(webauthn::api_error)?;
    if webauthn::credentials::find(&ctx.user, &credential.credential_id).is_some() {
        return Err(webauthn::verification_failed());
    }

    let agent = ctx.req.headers().get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let next = WebAuthnRecord {
        verified: true,
        registration_challenge: None,
        registration_rp_id: Some(rp_id.clone()),
        registration_info: Some(webauthn::BindWebAuthn::new(rp_id, credential, agent)),
    };
    match verification_record::update(app, &current, VerificationRecord::WebAuthn(next)).await {
        Ok(_) => {}
        // Someone else used the record in between (a replay racing this request).
        Err(UpdateError::Stale) => return Err(webauthn::pending_info_not_found()),
        Err(UpdateError::Internal(e)) => return Err(e.into()),
    }
    json(StatusCode::OK, &Verified { verification_record_id: &body.verification_record_id })
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests;
