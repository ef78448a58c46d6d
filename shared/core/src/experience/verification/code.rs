//! `POST /api/experience/verification/verification-code` (send) and `.../verify`.
//!
//! Sending: `{identifier: {type: email|phone, value}, interactionEvent}` → `{verificationId}`.
//! A code record is created every time; delivery is skipped (anti-enumeration, as in Logto)
//! for ForgotPassword to an unknown recipient and for SignIn to an unknown recipient when
//! registration is off. Sends are rate limited per recipient and per interaction (429
//! `request.message_rate_limited`, counted even when delivery is skipped so the limit does
//! not reveal who is registered). No connector → 501 `connector.not_found`.
//!
//! Verifying: `{identifier, verificationId, code}` → `{verificationId}`; the record must be
//! the code record of that type (404 `session.verification_session_not_found`), the code is
//! checked (400 `verification_code.*`) and the outcome reported to the sentinel.

use http::StatusCode;
use serde::Deserialize;

use super::super::session::Session;
use super::super::storage::{
    CodeRecord, Identifier, IdentifierType, InteractionEvent, VerificationRecord, VerificationType,
};
use super::super::{Ctx, errors, invalid_body, json, rules, users};
use super::{VerificationId, with_sentinel};
use crate::Response;
use crate::connectors::{self, ConnectorKind, TemplateType};
use crate::domain::message_rate;
use crate::domain::sentinel::Action;
use crate::domain::verification_code::{self, Recipient};
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendBody {
    identifier: Identifier,
    interaction_event: InteractionEvent,
}

pub(in super::super) fn recipient(identifier: &Identifier) -> Result<Recipient, ApiError> {
    match identifier.kind {
        IdentifierType::Email => Ok(Recipient::Email(identifier.value.clone())),
        IdentifierType::Phone => Ok(Recipient::Phone(identifier.value.clone())),
        _ => {
            Err(invalid_body("Error in key path \"identifier.type\": (invalid_enum_value) expected 'email' | 'phone'"))
        }
    }
}

fn template(name: &str) -> TemplateType {
    match name {
        "SignIn" => TemplateType::SignIn,
        "Register" => TemplateType::Register,
        "ForgotPassword" => TemplateType::ForgotPassword,
        "BindMfa" => TemplateType::BindMfa,
        "MfaVerification" => TemplateType::MfaVerification,
        _ => TemplateType::Generic,
    }
}

pub(in super::super) async fn send(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: SendBody = ctx.body()?;
    recipient(&body.identifier)?;
    let rules = rules::load(app).await?;
    let identified = session.storage.user_id.is_some();
    if !identified && !session.storage.captcha.verified && !session.storage.captcha.skipped {
        rules.guard_captcha()?;
    }
    // An identified user getting a code for an identifier that is not a sign-up identifier is
    // binding it as an MFA factor (Logto's `BindMfa` template).
    let template_type = if identified && !rules.is_sign_up_identifier(body.identifier.kind) {
        "BindMfa"
    } else {
        body.interaction_event.template_type()
    };

    if body.interaction_event == InteractionEvent::Register && body.identifier.kind == IdentifierType::Email {
        rules.guard_email_blocklist(&body.identifier.value)?;
    }

    let unknown = || async { users::find_by_identifier(app, &rules, &body.identifier).await.map(|u| u.is_none()) };
    let skip_delivery = match body.interaction_event {
        InteractionEvent::ForgotPassword => unknown().await?,
        InteractionEvent::SignIn if !identified && rules.registration_disabled() => unknown().await?,
        _ => false,
    };

    let id = deliver(app, &rules, &session, &body.identifier, template_type, skip_delivery).await?;

    session.storage.set_record(code_record(
        &body.identifier,
        CodeRecord {
            id: id.clone(),
            identifier: body.identifier.clone(),
            template_type: template_type.into(),
            verified: false,
        },
    ));
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &id })
}

/// Create a code for `identifier` under the message rate limits (per recipient and per
/// interaction, counted even when delivery is skipped) and send it unless `skip_delivery`;
/// the new verification id. Shared by the sign-in and the MFA code routes.
pub(in super::super) async fn deliver(
    app: &crate::App,
    rules: &rules::Rules,
    session: &Session,
    identifier: &Identifier,
    template_type: &str,
    skip_delivery: bool,
) -> Result<String, ApiError> {
    let to = recipient(identifier)?;
    let recipient_key = message_rate::normalize_recipient(&identifier.value);
    let Some(recipient_slot) =
        message_rate::take(app, "recipient", &recipient_key, message_rate::PER_RECIPIENT).await?
    else {
        return Err(errors::message_rate_limited());
    };
    let Some(interaction_slot) =
        message_rate::take(app, "interaction", &session.interaction.uid, message_rate::PER_INTERACTION).await?
    else {
        message_rate::give_back(app, &recipient_slot).await;
        return Err(errors::message_rate_limited());
    };

    let id = app.rng.id(21);
    let sent = async {
        let code = verification_code::create(app, &id, to.clone(), template_type, rules.code_policy()).await?;
        if skip_delivery {
            return Ok(());
        }
        let mut message = connectors::Message::code(&identifier.value, template(template_type), &code);
        let kind = match to {
            Recipient::Email(_) => {
                if let Some(context) = application_context(app, &session.interaction.params.client_id).await {
                    message.payload.insert("application".into(), context);
                }
                ConnectorKind::Email
            }
            Recipient::Phone(_) => ConnectorKind::Sms,
        };
        connectors::send_message(app, kind, &message).await.map_err(|e| e.to_api_error())
    }
    .await;
    if let Err(e) = sent {
        // Logto does not count failed sends.
        message_rate::give_back(app, &recipient_slot).await;
        message_rate::give_back(app, &interaction_slot).await;
        return Err(e);
    }

    Ok(id)
}

/// Logto's `buildVerificationCodeContext` for email codes sent in an interaction: the
/// application the person is signing in to, `{id, name}`, for the template (`{{application.name}}`).
/// Best effort, as in Logto: a failed lookup sends the code without it.
async fn application_context(app: &crate::App, client_id: &str) -> Option<serde_json::Value> {
    let found = crate::domain::application::find(app.store.as_ref(), client_id).await.ok().flatten()?;
    Some(serde_json::json!({ "id": found.value.app.id, "name": found.value.app.name }))
}

/// Check `code` for the record's recipient; the outcome counts in the sentinel's first-factor
/// pool for the identifier (Logto reports MFA code attempts there too).
pub(in super::super) async fn check(
    app: &crate::App,
    rules: &rules::Rules,
    verification_id: &str,
    to: &Recipient,
    identifier: &str,
    code: &str,
) -> Result<(), ApiError> {
    let outcome = match verification_code::verify(app, verification_id, to, code).await? {
        Ok(()) => Ok(()),
        Err(e) => Err(errors::code_error(&e)),
    };
    with_sentinel(app, rules.sentinel_policy(), Action::VerificationCode, identifier, outcome).await
}

fn code_record(identifier: &Identifier, record: CodeRecord) -> VerificationRecord {
    match identifier.kind {
        IdentifierType::Phone => VerificationRecord::PhoneVerificationCode(record),
        _ => VerificationRecord::EmailVerificationCode(record),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyBody {
    identifier: Identifier,
    verification_id: String,
    code: String,
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: VerifyBody = ctx.body()?;
    let to = recipient(&body.identifier)?;
    let kind = match to {
        Recipient::Email(_) => VerificationType::EmailVerificationCode,
        Recipient::Phone(_) => VerificationType::PhoneVerificationCode,
    };
    if session.storage.record_of(kind, &body.verification_id).is_none() {
        return Err(errors::verification_session_not_found());
    }
    let rules = rules::load(app).await?;
    check(app, &rules, &body.verification_id, &to, &body.identifier.value, &body.code).await?;

    if let Some(VerificationRecord::EmailVerificationCode(record) | VerificationRecord::PhoneVerificationCode(record)) =
        session.storage.record_of(kind, &body.verification_id)
    {
        record.verified = true;
    }
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &body.verification_id })
}
