//! `POST /api/verifications/password`: `{password}` → 201 `{verificationRecordId, expiresAt}`.
//! The identifier is the token's user (Logto's `AdditionalIdentifier.UserId`); a wrong
//! password (or none set: a decoy hash keeps the timing equal) is 422
//! `session.invalid_credentials`; every outcome is reported to the sentinel under the user id.

use http::StatusCode;
use serde::Deserialize;

use super::super::{Ctx, errors, json};
use super::{Created, with_sentinel};
use crate::Response;
use crate::domain::sentinel::{self, Action};
use crate::domain::user::{self, PasswordCheck};
use crate::domain::verification_record::{self, Identifier, IdentifierType, PasswordRecord, VerificationRecord};
use crate::domain::{Versioned, sign_in_experience};
use crate::error::ApiError;

#[derive(Deserialize)]
struct Body {
    password: String,
}

pub(in super::super) async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let body: Body = ctx.body()?;
    if body.password.is_empty() {
        return Err(errors::invalid_body(
            "Error in key path \"password\": (too_small) String must contain at least 1 character(s)",
        ));
    }
    ctx.require_first_party().await?;
    let sie = sign_in_experience::find(app).await?;

    let current = Versioned { value: ctx.user.clone(), version: ctx.user_version };
    let outcome = match user::verify_password(app, &current, &body.password).await? {
        PasswordCheck::Valid if ctx.user.is_suspended => Err(errors::suspended()),
        PasswordCheck::Valid => Ok(()),
        PasswordCheck::Invalid => Err(errors::invalid_credentials()),
    };
    let policy = sentinel::Policy::from_json(Some(&sie.sentinel_policy));
    with_sentinel(app, policy, Action::Password, &ctx.user.id, outcome).await?;

    let record = verification_record::insert(
        app,
        &ctx.user.id,
        VerificationRecord::Password(PasswordRecord {
            identifier: Identifier { kind: IdentifierType::UserId, value: ctx.user.id.clone() },
            verified: true,
        }),
    )
    .await?;
    json(StatusCode::CREATED, &Created::new(&record.id, record.expires_at))
}
