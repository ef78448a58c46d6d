//! `POST /api/experience/verification/mfa-verification-code` (+ `/verify`): the identified
//! user's primary email or phone as a second factor (Logto's MFA branch of
//! `verification-code.ts`).
//!
//! Sending `{identifierType}` creates a `MfaEmailVerificationCode` / `MfaPhoneVerificationCode`
//! record for the user's own address (400 `session.identifier_not_found` when nobody is
//! identified, 400 `session.mfa.mfa_factor_not_enabled` when the user has no such address) and
//! sends the `MfaVerification` template under the usual message rate limits. Verifying
//! `{verificationId, code, identifierType}` checks the code, reported to the sentinel for
//! that address as Logto does.

use http::StatusCode;
use serde::Deserialize;

use super::super::errors::{self, mfa as err};
use super::super::session::Session;
use super::super::storage::{CodeRecord, Identifier, IdentifierType, VerificationRecord, VerificationType};
use super::super::{Ctx, invalid_body, json, rules};
use super::VerificationId;
use super::code::{check, deliver, recipient};
use crate::Response;
use crate::error::ApiError;

const TEMPLATE: &str = "MfaVerification";

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum IdentifierKind {
    Email,
    Phone,
}

impl IdentifierKind {
    fn record_type(self) -> VerificationType {
        match self {
            IdentifierKind::Email => VerificationType::MfaEmailVerificationCode,
            IdentifierKind::Phone => VerificationType::MfaPhoneVerificationCode,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendBody {
    identifier_type: IdentifierKind,
}

pub(in super::super) async fn send(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: SendBody = ctx.body()?;
    let Some(user_id) = session.storage.user_id.as_deref() else {
        return Err(errors::identifier_not_found(400));
    };
    let user = super::super::users::identified(app, Some(user_id)).await?;
    let identifier = match body.identifier_type {
        IdentifierKind::Email => {
            user.value.primary_email.clone().map(|value| Identifier { kind: IdentifierType::Email, value })
        }
        IdentifierKind::Phone => {
            user.value.primary_phone.clone().map(|value| Identifier { kind: IdentifierType::Phone, value })
        }
    }
    .ok_or_else(err::factor_not_enabled)?;
    let rules = rules::load(app).await?;
    let id = deliver(app, &rules, &session, &identifier, TEMPLATE, false).await?;
    let record = CodeRecord { id: id.clone(), identifier, template_type: TEMPLATE.into(), verified: false };
    session.storage.set_record(match body.identifier_type {
        IdentifierKind::Email => VerificationRecord::MfaEmailVerificationCode(record),
        IdentifierKind::Phone => VerificationRecord::MfaPhoneVerificationCode(record),
    });
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &id })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyBody {
    verification_id: String,
    code: String,
    identifier_type: IdentifierKind,
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: VerifyBody = ctx.body()?;
    let kind = body.identifier_type.record_type();
    let identifier = match session.storage.record_of(kind, &body.verification_id) {
        Some(VerificationRecord::MfaEmailVerificationCode(r) | VerificationRecord::MfaPhoneVerificationCode(r)) => {
            r.identifier.clone()
        }
        _ => return Err(errors::verification_session_not_found()),
    };
    let to = recipient(&identifier).map_err(|_| invalid_body("identifierType"))?;
    let rules = rules::load(app).await?;
    check(app, &rules, &body.verification_id, &to, &identifier.value, &body.code).await?;
    if let Some(VerificationRecord::MfaEmailVerificationCode(r) | VerificationRecord::MfaPhoneVerificationCode(r)) =
        session.storage.record_of(kind, &body.verification_id)
    {
        r.verified = true;
    }
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &body.verification_id })
}
