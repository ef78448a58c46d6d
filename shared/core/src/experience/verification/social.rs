//! `POST /api/experience/verification/social/:connectorId/authorization-uri` (`{state,
//! redirectUri}` → `{authorizationUri, verificationId}`) and `.../verify` (`{connectorData,
//! verificationId}` → `{verificationId}`).
//!
//! The connector session (state, redirect URI, nonce, PKCE verifier) is kept in the Social
//! record inside the interaction, never sent to the browser, and used once: `verify` clears
//! it whatever the outcome, so a replayed callback answers 400
//! `session.connector_validation_session_not_found`. A verified social identity skips the
//! captcha, as in Logto.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::super::session::Session;
use super::super::storage::{SocialRecord, VerificationRecord, VerificationType};
use super::super::{Ctx, errors, json};
use super::VerificationId;
use crate::Response;
use crate::connectors::social::{self, ConnectorSession};
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthorizationBody {
    state: String,
    redirect_uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthorizationAnswer<'a> {
    authorization_uri: &'a str,
    verification_id: &'a str,
}

pub(in super::super) async fn authorization_uri(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: AuthorizationBody = ctx.body()?;
    if body.state.is_empty() || body.redirect_uri.is_empty() {
        return Err(social::insufficient_info());
    }
    let connector = social::find(app, &ctx.param("connectorId")).await?;
    let (uri, connector_session) =
        social::authorization_uri(app, &connector, &body.state, &body.redirect_uri, None).await?;
    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::Social(Box::new(SocialRecord {
        id: id.clone(),
        connector_id: connector.record.id.clone(),
        social_user_info: None,
        connector_session,
    })));
    session.save(app).await?;
    json(StatusCode::OK, &AuthorizationAnswer { authorization_uri: &uri, verification_id: &id })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyBody {
    connector_data: Map<String, Value>,
    #[serde(default)]
    verification_id: Option<String>,
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: VerifyBody = ctx.body()?;
    let connector_id = ctx.param("connectorId");
    let id = body.verification_id.ok_or_else(errors::verification_session_not_found)?;
    let record = match session.storage.record_of(VerificationType::Social, &id) {
        Some(VerificationRecord::Social(record)) if record.connector_id == connector_id => (**record).clone(),
        _ => return Err(errors::verification_session_not_found()),
    };
    let connector = social::find_for_verify(app, &connector_id).await?;
    if record.connector_session == ConnectorSession::default() {
        return Err(social::session_not_found());
    }
    let outcome = social::user_info(app, &connector, &record.connector_session, &body.connector_data).await;
    // The session is spent either way: a callback is good for one try.
    let verified = SocialRecord {
        social_user_info: outcome.as_ref().ok().cloned(),
        connector_session: ConnectorSession::default(),
        ..record
    };
    session.storage.set_record(VerificationRecord::Social(Box::new(verified)));
    if outcome.is_ok() {
        session.storage.captcha.skipped = true;
    }
    session.save(app).await?;
    outcome?;
    json(StatusCode::OK, &VerificationId { verification_id: &id })
}
