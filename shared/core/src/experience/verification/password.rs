//! `POST /api/experience/verification/password`: `{identifier: {type, value}, password}` →
//! `{verificationId}`. Unknown identifier and wrong password are the same 422
//! `session.invalid_credentials` after the same hash work; a suspended user is 401
//! `user.suspended` (only with the right password, as in Logto); every outcome is reported
//! to the sentinel.

use http::StatusCode;
use serde::Deserialize;

use super::super::session::Session;
use super::super::storage::{Identifier, IdentifierType, PasswordRecord, VerificationRecord};
use super::super::{Ctx, errors, json, rules, users};
use super::{VerificationId, with_sentinel};
use crate::Response;
use crate::domain::sentinel::Action;
use crate::error::ApiError;

#[derive(Deserialize)]
pub(in super::super) struct Body {
    pub identifier: Identifier,
    pub password: String,
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: Body = ctx.body()?;
    if body.identifier.kind == IdentifierType::UserId {
        return Err(super::super::invalid_body("identifier.type must be username, email or phone"));
    }
    let rules = rules::load(app).await?;

    let user = users::find_by_identifier(app, &rules, &body.identifier).await?;
    let outcome = match users::password_matches(app, user.as_ref(), &body.password).await? {
        false => Err(errors::invalid_credentials()),
        true => match &user {
            Some(user) if user.value.is_suspended => Err(errors::suspended()),
            _ => Ok(()),
        },
    };
    with_sentinel(app, rules.sentinel_policy(), Action::Password, &body.identifier.value, outcome).await?;
    // Outside the sentinel: an expired password is not a failed attempt.
    if let Some(user) = &user {
        rules.guard_password_expiration(&user.value, app.clock.now_ms())?;
    }

    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::Password(PasswordRecord {
        id: id.clone(),
        identifier: body.identifier,
        verified: true,
    }));
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &id })
}
