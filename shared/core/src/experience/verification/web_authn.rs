//! `POST /api/experience/verification/web-authn/*`: WebAuthn as a second factor for the
//! identified user (Logto's `web-authn-verification.ts` routes).
//!
//! - `registration` → `{verificationId, registrationOptions}`: a new WebAuthn record holding the
//!   challenge; `registration/verify` `{verificationId, payload}` checks the attestation and
//!   keeps the credential on the record until `POST /api/experience/profile/mfa` binds it.
//! - `authentication` → `{verificationId, authenticationOptions}` (400
//!   `session.mfa.webauthn_verification_not_found` without a credential);
//!   `authentication/verify` checks the assertion against the stored credential, reports the
//!   outcome to the sentinel's WebAuthn pool (so failures here never lock password sign-in),
//!   and records the new signature counter and `lastUsedAt` on the user.
//!
//! Each challenge is single use: it is cleared from the record in the same `IfVersion` write
//! that marks the record verified, so a replayed response finds no pending challenge.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::super::session::Session;
use super::super::storage::{VerificationRecord, VerificationType, WebAuthnRecord};
use super::super::{Ctx, errors, json, rules, users};
use super::{VerificationId, with_sentinel};
use crate::Response;
use crate::domain::mfa::webauthn::{
    self, AuthenticationOptions, AuthenticationPayload, BindWebAuthn, RegistrationOptions, RegistrationPayload,
    RelyingParty, credentials,
};
use crate::domain::sentinel::Action;
use crate::error::{ApiError, Internal};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Registration<'a> {
    verification_id: &'a str,
    registration_options: RegistrationOptions,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Authentication<'a> {
    verification_id: &'a str,
    authentication_options: AuthenticationOptions,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyBody<P> {
    verification_id: String,
    payload: P,
}

fn relying_party(ctx: &Ctx<'_>) -> Result<RelyingParty, ApiError> {
    RelyingParty::of(&ctx.app.config)
        .ok_or_else(|| Internal::Bug("EDGEID_ENDPOINT has no host to serve as the WebAuthn RP ID".into()).into())
}

fn user_agent(ctx: &Ctx<'_>) -> String {
    ctx.req.headers().get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

pub(in super::super) async fn registration(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let user = users::identified(app, session.storage.user_id.as_deref()).await?.value;
    let rp = relying_party(ctx)?;
    let challenge = webauthn::challenge(app.rng.as_ref());
    let names = webauthn::UserNames {
        id: &user.id,
        name: user.name.as_deref(),
        username: user.username.as_deref(),
        primary_email: user.primary_email.as_deref(),
        primary_phone: user.primary_phone.as_deref(),
    };
    let options = webauthn::registration_options(&rp.id, challenge.clone(), &names, credentials::descriptors(&user));

    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::WebAuthn(WebAuthnRecord {
        id: id.clone(),
        user_id: user.id,
        verified: false,
        registration_challenge: Some(challenge),
        registration_rp_id: Some(rp.id),
        authentication_challenge: None,
        registration_info: None,
    }));
    session.save(app).await?;
    json(StatusCode::OK, &Registration { verification_id: &id, registration_options: options })
}

pub(in super::super) async fn registration_verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: VerifyBody<RegistrationPayload> = ctx.body()?;
    let user_id = session.storage.user_id.clone().ok_or_else(|| errors::identifier_not_found(404))?;
    let record = web_authn_record(&mut session, &body.verification_id)?;
    if record.user_id != user_id {
        return Err(errors::verification_session_not_found());
    }
    let (Some(challenge), Some(rp_id)) = (record.registration_challenge.clone(), record.registration_rp_id.clone())
    else {
        return Err(webauthn::pending_info_not_found());
    };
    let rp = relying_party(ctx)?;
    // The record names the RP it was started for; the origin is this deployment's, or one the
    // account center lists as related (Logto reads `webauthnRelatedOrigins` here too).
    let mut origins = rp.origins;
    origins.extend(crate::domain::account_center::find(app).await?.webauthn_related_origins);
    let expected = webauthn::Expected { challenge: &challenge, rp_id: &rp_id, origins: &origins };
    let credential = webauthn::verify_registration(app.crypto.as_ref(), &body.payload, &expected)
        .await
        .map_err(webauthn::api_error)?;
    // The browser excludes the user's credentials; a response that names one anyway is refused.
    let user = users::identified(app, Some(&user_id)).await?.value;
    if credentials::find(&user, &credential.credential_id).is_some() {
        return Err(webauthn::verification_failed());
    }

    let record = web_authn_record(&mut session, &body.verification_id)?;
    record.verified = true;
    record.registration_challenge = None;
    record.registration_info = Some(BindWebAuthn::new(&rp_id, credential, &user_agent(ctx)));
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &body.verification_id })
}

pub(in super::super) async fn authentication(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let user = users::identified(app, session.storage.user_id.as_deref()).await?.value;
    let allow = credentials::descriptors(&user);
    if allow.is_empty() {
        return Err(webauthn::not_found());
    }
    let rp = relying_party(ctx)?;
    let challenge = webauthn::challenge(app.rng.as_ref());
    let options = webauthn::authentication_options(&rp.id, challenge.clone(), allow);

    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::WebAuthn(WebAuthnRecord {
        id: id.clone(),
        user_id: user.id,
        verified: false,
        registration_challenge: None,
        registration_rp_id: None,
        authentication_challenge: Some(challenge),
        registration_info: None,
    }));
    session.save(app).await?;
    json(StatusCode::OK, &Authentication { verification_id: &id, authentication_options: options })
}

pub(in super::super) async fn authentication_verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: VerifyBody<AuthenticationPayload> = ctx.body()?;
    let user_id = session.storage.user_id.clone().ok_or_else(|| errors::identifier_not_found(404))?;
    let record = web_authn_record(&mut session, &body.verification_id)?;
    if record.user_id != user_id {
        // Logto answers this one with 404.
        return Err(ApiError { status: StatusCode::NOT_FOUND, ..errors::identity_conflict() });
    }
    let Some(challenge) = record.authentication_challenge.clone() else {
        return Err(webauthn::pending_info_not_found());
    };
    let rules = rules::load(app).await?;
    let user = users::identified(app, Some(&user_id)).await?;
    let rp = relying_party(ctx)?;

    let outcome = match credentials::find(&user.value, &body.payload.id) {
        None => Err(webauthn::verification_failed()),
        Some(stored) => {
            let stored = webauthn::StoredCredential {
                credential_id: &stored.credential_id,
                public_key: &stored.public_key,
                counter: stored.counter,
                user_id: &user_id,
            };
            match webauthn::verify_authentication(app.crypto.as_ref(), &body.payload, &rp.expect(&challenge), &stored)
                .await
            {
                Ok(counter) => Ok(counter),
                Err(webauthn::Refused::Crypto(e)) => return Err(Internal::Bug(e.to_string()).into()),
                Err(refused) => Err(webauthn::api_error(refused)),
            }
        }
    };
    let counter = with_sentinel(app, rules.sentinel_policy(), Action::WebAuthn, &user_id, outcome).await?;

    // Consume the challenge first: of two requests racing with one response, one write wins.
    let record = web_authn_record(&mut session, &body.verification_id)?;
    record.verified = true;
    record.authentication_challenge = None;
    session.save(app).await?;
    credentials::record_use(app, &user_id, &body.payload.id, counter, &rp.id).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &body.verification_id })
}

/// The WebAuthn record `id` of this interaction (404 `session.verification_session_not_found`).
fn web_authn_record<'s>(session: &'s mut Session, id: &str) -> Result<&'s mut WebAuthnRecord, ApiError> {
    match session.storage.record_of(VerificationType::WebAuthn, id) {
        Some(VerificationRecord::WebAuthn(record)) => Ok(record),
        _ => Err(errors::verification_session_not_found()),
    }
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests;
