//! `POST/DELETE /api/my-account/primary-email` and `/primary-phone`: change or remove the
//! user's primary email / phone. Both need a permission verification record
//! (`logto-verification-id`); a new value needs a second record proving it
//! (`newIdentifierVerificationRecordId`: a verified code record for exactly that value).
//! Uniqueness is claimed atomically by the user repository's index keys in the same commit as
//! the change (422 `user.email_already_in_use` / `user.phone_already_in_use`).

use serde::Deserialize;

use super::profile::{has_identifier, scope};
use super::{Access, Ctx, errors, no_content};
use crate::Response;
use crate::domain::account_center::Field;
use crate::domain::email_blocklist::{self, Refusal};
use crate::domain::sign_in_experience;
use crate::domain::user::{self, input, phone};
use crate::domain::verification_record::VerificationRecord;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Email,
    Phone,
}

impl Kind {
    fn field(self) -> Field {
        match self {
            Kind::Email => Field::Email,
            Kind::Phone => Field::Phone,
        }
    }

    fn scope(self) -> &'static str {
        match self {
            Kind::Email => scope::EMAIL,
            Kind::Phone => scope::PHONE,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    email: Option<String>,
    phone: Option<String>,
    new_identifier_verification_record_id: String,
}

/// The blocklist refusal in Logto's codes (`validateEmailAgainstBlocklistPolicy`).
fn blocklist_error(refusal: Refusal, email: &str) -> ApiError {
    use http::StatusCode;
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

pub(super) async fn update(ctx: &Ctx<'_>, kind: Kind) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    let value = match kind {
        Kind::Email => body.email.filter(|e| input::is_email(e)),
        Kind::Phone => body.phone.filter(|p| input::is_phone(p)),
    }
    .ok_or_else(|| errors::invalid_body(format!("Error in key path \"{}\": (invalid_string) Invalid", kind.key())))?;
    ctx.require_verified().await?;
    ctx.require_field(kind.field(), Access::Edit)?;
    ctx.require_claim_scope(kind.scope())?;
    ctx.require_first_party().await?;
    if kind == Kind::Email {
        let sie = sign_in_experience::find(ctx.app).await?;
        email_blocklist::check(Some(&sie.email_blocklist_policy), &value).map_err(|r| blocklist_error(r, &value))?;
    }

    // The new value must be proven by a verified code record of the matching type.
    let record = ctx.record(&body.new_identifier_verification_record_id).await?;
    let proven = match (&record.value.data, kind) {
        (VerificationRecord::EmailVerificationCode(code), Kind::Email) => {
            code.verified && code.identifier.value == value
        }
        (VerificationRecord::PhoneVerificationCode(code), Kind::Phone) => {
            code.verified && code.identifier.value == value
        }
        _ => false,
    };
    if !proven {
        return Err(errors::record_not_found());
    }

    // Logto's `checkIdentifierCollision` (case-insensitive for email), before the atomic claim.
    let store = ctx.app.store.as_ref();
    let holder = match kind {
        Kind::Email => user::find_by_email(store, &value).await?,
        Kind::Phone => user::find_by_phone(store, &value).await?,
    };
    if holder.is_some_and(|h| h.value.id != ctx.user.id) {
        return Err(match kind {
            Kind::Email => errors::email_already_in_use(),
            Kind::Phone => errors::phone_already_in_use(),
        });
    }

    ctx.update_user(|user| {
        match kind {
            Kind::Email => user.primary_email = Some(value.clone()),
            Kind::Phone => user.primary_phone = Some(phone::normalize(&value)),
        }
        Ok(())
    })
    .await?;
    no_content()
}

pub(super) async fn delete(ctx: &Ctx<'_>, kind: Kind) -> Result<Response, ApiError> {
    ctx.require_verified().await?;
    ctx.require_field(kind.field(), Access::Edit)?;
    ctx.require_claim_scope(kind.scope())?;
    ctx.require_first_party().await?;
    ctx.update_user(|user| {
        match kind {
            Kind::Email => user.primary_email = None,
            Kind::Phone => user.primary_phone = None,
        }
        if has_identifier(user) { Ok(()) } else { Err(errors::last_sign_in_method_required()) }
    })
    .await?;
    no_content()
}
