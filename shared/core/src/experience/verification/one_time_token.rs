//! `POST /api/experience/verification/one-time-token/verify`: `{identifier: {type: "email",
//! value}, token}` → `{verificationId}` (Logto's one-time-token verification: a magic link an
//! administrator issued with `POST /api/one-time-tokens`). The token must be the email's,
//! active, unexpired, and scoped to this interaction's event if it is scoped at all; it is
//! consumed here. Every outcome is reported to the sentinel; a verified record skips the
//! CAPTCHA, as in Logto.

use http::StatusCode;
use serde::Deserialize;

use super::super::session::Session;
use super::super::storage::{Identifier, IdentifierType, OneTimeTokenRecord, VerificationRecord};
use super::super::{Ctx, invalid_body, json, rules};
use super::{VerificationId, with_sentinel};
use crate::Response;
use crate::domain::one_time_token;
use crate::domain::sentinel::Action;
use crate::error::ApiError;

#[derive(Deserialize)]
struct Body {
    identifier: Identifier,
    token: String,
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: Body = ctx.body()?;
    if body.identifier.kind != IdentifierType::Email {
        return Err(invalid_body("identifier.type must be email"));
    }
    if body.token.is_empty() {
        return Err(invalid_body("token must contain at least 1 character(s)"));
    }
    let rules = rules::load(app).await?;
    let event = session.storage.interaction_event.as_str();
    let outcome = one_time_token::verify(app, &body.token, &body.identifier.value, Some(event)).await;
    let token =
        with_sentinel(app, rules.sentinel_policy(), Action::OneTimeToken, &body.identifier.value, outcome).await?;

    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::OneTimeToken(OneTimeTokenRecord {
        id: id.clone(),
        identifier: body.identifier,
        verified: true,
        one_time_token_context: Some(token.context),
    }));
    session.storage.captcha.skipped = true;
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &id })
}
