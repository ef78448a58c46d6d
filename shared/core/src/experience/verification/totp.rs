//! `POST /api/experience/verification/totp/secret` and `.../totp/verify` (Logto's
//! `totp-verification.ts` routes), for the identified user.
//!
//! - `secret` → `{verificationId, secret, secretQrCode}`: a TOTP record holding a fresh secret
//!   to bind; `verify {code, verificationId}` checks a code of that secret (±1 step) and marks
//!   the record verified, ready for `POST /api/experience/profile/mfa`.
//! - `verify {code}` (no id) checks the code against the user's stored TOTP and spends its
//!   time step on the user record ([`crate::domain::mfa::use_totp`], `IfVersion`), so a code
//!   is accepted once; the outcome counts in the sentinel's own `MfaTotp` pool (identifier:
//!   the user id), never in the password pool.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::super::errors::{self, mfa as err};
use super::super::session::Session;
use super::super::storage::{TotpRecord, VerificationRecord, VerificationType};
use super::super::{Ctx, json, rules, users};
use super::{VerificationId, with_sentinel};
use crate::Response;
use crate::domain::mfa::{self, ChangeError, totp};
use crate::domain::sentinel::Action;
use crate::error::ApiError;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Secret<'a> {
    verification_id: &'a str,
    secret: &'a str,
    secret_qr_code: &'a str,
}

pub(in super::super) async fn secret(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let user = users::identified(app, session.storage.user_id.as_deref()).await?;
    let secret = totp::generate_secret(app.rng.as_ref());
    let qr = totp::secret_qr_code(&app.config, &user.value, &secret)?;
    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::Totp(TotpRecord {
        id: id.clone(),
        user_id: user.value.id.clone(),
        secret: Some(secret.clone()),
        verified: false,
    }));
    session.save(app).await?;
    json(StatusCode::OK, &Secret { verification_id: &id, secret: &secret, secret_qr_code: &qr })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyBody {
    code: String,
    #[serde(default)]
    verification_id: Option<String>,
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: VerifyBody = ctx.body()?;
    let Some(user_id) = session.storage.user_id.clone() else {
        return Err(errors::identifier_not_found(404));
    };

    // Binding: a code of the secret just generated.
    if let Some(id) = body.verification_id {
        let now = app.clock.now_ms();
        let Some(VerificationRecord::Totp(record)) = session.storage.record_of(VerificationType::Totp, &id) else {
            return Err(errors::verification_session_not_found());
        };
        if record.user_id != user_id {
            return Err(errors::verification_session_not_found());
        }
        let valid = record.secret.as_deref().is_some_and(|s| totp::matching_step(s, &body.code, now).is_some());
        if !valid {
            return Err(err::invalid_totp_code());
        }
        record.verified = true;
        session.save(app).await?;
        return json(StatusCode::OK, &VerificationId { verification_id: &id });
    }

    // Verification: the user's stored TOTP, each time step once.
    let rules = rules::load(app).await?;
    let outcome = match mfa::use_totp(app, &user_id, &body.code).await {
        Ok(()) => Ok(()),
        // An unknown user, no TOTP, a wrong or replayed code: all the same answer.
        Err(ChangeError::Refused(_) | ChangeError::UserNotFound) => Err(err::invalid_totp_code()),
        Err(ChangeError::Internal(e)) => return Err(e.into()),
    };
    with_sentinel(app, rules.sentinel_policy(), Action::MfaTotp, &user_id, outcome).await?;
    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::Totp(TotpRecord {
        id: id.clone(),
        user_id,
        secret: None,
        verified: true,
    }));
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &id })
}
