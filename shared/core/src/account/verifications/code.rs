//! `POST /api/verifications/verification-code` (send) and `.../verify`.
//!
//! Sending: `{identifier: {type: email|phone, value}, templateType?}` → 201
//! `{verificationRecordId, expiresAt}`. A value other than the user's current one is a new
//! identifier (template `BindNewIdentifier`, checked against the email blocklist); the user's
//! own value gets `UserPermissionValidation` (or `BindMfa` if asked) — only such a record
//! proves identity. Sends are rate limited per recipient (429 `request.message_rate_limited`);
//! no connector → 501 `connector.not_found`.
//!
//! Verifying: `{identifier, verificationId, code}` → `{verificationRecordId}`; the record must
//! be this user's code record of that type (400 `verification_record.not_found`), the code is
//! checked (400 `verification_code.*`) and the outcome reported to the sentinel.

use http::StatusCode;
use serde::Deserialize;

use super::super::{Ctx, errors, json};
use super::{Created, Verified, with_sentinel};
use crate::Response;
use crate::connectors::{self, ConnectorKind, TemplateType};
use crate::domain::email_blocklist::{self, Refusal};
use crate::domain::message_rate;
use crate::domain::sentinel::{self, Action};
use crate::domain::sign_in_experience;
use crate::domain::verification_code::{self, Recipient};
use crate::domain::verification_record::{
    self, BIND_MFA, BIND_NEW_IDENTIFIER, CodeRecord, Identifier, IdentifierType, USER_PERMISSION_VALIDATION,
    UpdateError, VerificationRecord,
};
use crate::error::ApiError;

/// `verificationCodeIdentifierGuard`: `{type: "email" | "phone", value}`.
#[derive(Deserialize)]
struct CodeIdentifier {
    #[serde(rename = "type")]
    kind: CodeIdentifierType,
    value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
enum CodeIdentifierType {
    Email,
    Phone,
}

impl CodeIdentifier {
    fn recipient(&self) -> Recipient {
        match self.kind {
            CodeIdentifierType::Email => Recipient::Email(self.value.clone()),
            CodeIdentifierType::Phone => Recipient::Phone(self.value.clone()),
        }
    }

    fn identifier(&self) -> Identifier {
        let kind = match self.kind {
            CodeIdentifierType::Email => IdentifierType::Email,
            CodeIdentifierType::Phone => IdentifierType::Phone,
        };
        Identifier { kind, value: self.value.clone() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
enum RequestedTemplate {
    BindMfa,
    UserPermissionValidation,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendBody {
    identifier: CodeIdentifier,
    template_type: Option<RequestedTemplate>,
}

fn template(name: &str) -> TemplateType {
    match name {
        BIND_NEW_IDENTIFIER => TemplateType::BindNewIdentifier,
        BIND_MFA => TemplateType::BindMfa,
        _ => TemplateType::UserPermissionValidation,
    }
}

fn blocklist_error(refusal: Refusal, email: &str) -> ApiError {
    match refusal {
        Refusal::InvalidEmail => {
            ApiError::new(StatusCode::BAD_REQUEST, "session.email_blocklist.invalid_email", "Invalid email address.")
        }
        Refusal::SubaddressingNotAllowed => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "session.email_blocklist.email_subaddressing_not_allowed",
            "Email subaddressing is not allowed.",
        ),
        Refusal::NotAllowed => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "session.email_blocklist.email_not_allowed",
            format!("The email address \"{email}\" is restricted. Please choose a different one."),
        ),
    }
}

pub(in super::super) async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let body: SendBody = ctx.body()?;
    ctx.require_first_party().await?;
    let current = match body.identifier.kind {
        CodeIdentifierType::Email => ctx.user.primary_email.as_deref(),
        CodeIdentifierType::Phone => ctx.user.primary_phone.as_deref(),
    };
    let is_new = current != Some(body.identifier.value.as_str());
    let template_type = match (is_new, body.template_type) {
        (true, _) => BIND_NEW_IDENTIFIER,
        (false, Some(RequestedTemplate::BindMfa)) => BIND_MFA,
        (false, _) => USER_PERMISSION_VALIDATION,
    };
    let sie = sign_in_experience::find(app).await?;
    if is_new && body.identifier.kind == CodeIdentifierType::Email {
        email_blocklist::check(Some(&sie.email_blocklist_policy), &body.identifier.value)
            .map_err(|r| blocklist_error(r, &body.identifier.value))?;
    }

    let recipient_key = message_rate::normalize_recipient(&body.identifier.value);
    let Some(slot) = message_rate::take(app, "recipient", &recipient_key, message_rate::PER_RECIPIENT).await? else {
        return Err(errors::message_rate_limited());
    };
    let id = verification_record::new_id(app);
    let policy = verification_code::Policy::from_json(Some(&sie.verification_code_policy));
    let sent = async {
        let code = verification_code::create(app, &id, body.identifier.recipient(), template_type, policy).await?;
        let kind = match body.identifier.kind {
            CodeIdentifierType::Email => ConnectorKind::Email,
            CodeIdentifierType::Phone => ConnectorKind::Sms,
        };
        connectors::send_verification_code(app, kind, &body.identifier.value, template(template_type), &code)
            .await
            .map_err(|e| e.to_api_error())
    }
    .await;
    if let Err(e) = sent {
        // Logto does not count failed sends.
        message_rate::give_back(app, &slot).await;
        return Err(e);
    }

    let code = CodeRecord {
        identifier: body.identifier.identifier(),
        template_type: template_type.to_owned(),
        verified: false,
    };
    let data = match body.identifier.kind {
        CodeIdentifierType::Email => VerificationRecord::EmailVerificationCode(code),
        CodeIdentifierType::Phone => VerificationRecord::PhoneVerificationCode(code),
    };
    let stored = verification_record::insert_with_id(app, id, &ctx.user.id, data).await?;
    json(StatusCode::CREATED, &Created::new(&stored.id, stored.expires_at))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyBody {
    identifier: CodeIdentifier,
    verification_id: String,
    code: String,
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let body: VerifyBody = ctx.body()?;
    ctx.require_first_party().await?;
    let found = ctx.record(&body.verification_id).await?;
    let mut code_record = match (&found.value.data, body.identifier.kind) {
        (VerificationRecord::EmailVerificationCode(r), CodeIdentifierType::Email)
        | (VerificationRecord::PhoneVerificationCode(r), CodeIdentifierType::Phone) => r.clone(),
        _ => return Err(errors::record_not_found()),
    };
    let outcome = if body.code.is_empty() {
        Err(errors::code_error(&verification_code::CodeError::NotFound))
    } else {
        match verification_code::verify(app, &body.verification_id, &body.identifier.recipient(), &body.code).await? {
            Ok(()) => Ok(()),
            Err(e) => Err(errors::code_error(&e)),
        }
    };
    let sie = sign_in_experience::find(app).await?;
    let policy = sentinel::Policy::from_json(Some(&sie.sentinel_policy));
    with_sentinel(app, policy, Action::VerificationCode, &body.identifier.value, outcome).await?;

    code_record.verified = true;
    let data = match body.identifier.kind {
        CodeIdentifierType::Email => VerificationRecord::EmailVerificationCode(code_record),
        CodeIdentifierType::Phone => VerificationRecord::PhoneVerificationCode(code_record),
    };
    match verification_record::update(app, &found, data).await {
        Ok(_) => {}
        // Changed or expired since it was read: it cannot be marked verified any more.
        Err(UpdateError::Stale) => return Err(errors::record_not_found()),
        Err(UpdateError::Internal(e)) => return Err(e.into()),
    }
    json(StatusCode::OK, &Verified { verification_record_id: &body.verification_id })
}
