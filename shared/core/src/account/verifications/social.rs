//! `POST /api/verifications/social` (`{connectorId, state, redirectUri, scope?}` → 201
//! `{verificationRecordId, authorizationUri, expiresAt}`) and `POST /api/verifications/social/verify`
//! (`{connectorData, verificationRecordId}` → `{verificationRecordId}`): prove a social identity
//! to link it to the account (Logto's profile-API social verification, the connector session
//! kept in the record). The record is the user's, lives ten minutes, and its connector session
//! serves one callback.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::super::{Ctx, errors, json};
use super::Verified;
use crate::Response;
use crate::connectors::social::{self, ConnectorSession};
use crate::domain::verification_record::{self, SocialRecord, UpdateError, VerificationRecord};
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    connector_id: String,
    state: String,
    redirect_uri: String,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedSocial<'a> {
    verification_record_id: &'a str,
    authorization_uri: &'a str,
    expires_at: String,
}

pub(in super::super) async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let body: CreateBody = ctx.body()?;
    if body.state.is_empty() || body.redirect_uri.is_empty() {
        return Err(social::insufficient_info());
    }
    let connector = social::find_for_account(app, &body.connector_id).await?;
    let id = verification_record::new_id(app);
    let (uri, mut session) =
        social::authorization_uri(app, &connector, &body.state, &body.redirect_uri, body.scope.as_deref()).await?;
    // Logto uses the record id as the connector session's `jti` for this API.
    session.jti = Some(id.clone());
    let record = verification_record::insert_with_id(
        app,
        id,
        &ctx.user.id,
        VerificationRecord::Social(Box::new(SocialRecord {
            connector_id: connector.record.id.clone(),
            social_user_info: None,
            connector_session: session,
        })),
    )
    .await?;
    let created = super::Created::new(&record.id, record.expires_at);
    json(
        StatusCode::CREATED,
        &CreatedSocial { verification_record_id: &record.id, authorization_uri: &uri, expires_at: created.expires_at },
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyBody {
    connector_data: Map<String, Value>,
    verification_record_id: String,
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let body: VerifyBody = ctx.body()?;
    let current = ctx.record(&body.verification_record_id).await?;
    let VerificationRecord::Social(record) = &current.value.data else {
        return Err(errors::record_not_found());
    };
    if record.connector_session == ConnectorSession::default() {
        return Err(social::session_not_found());
    }
    let connector = social::find_for_verify(app, &record.connector_id).await?;
    let outcome = social::user_info(app, &connector, &record.connector_session, &body.connector_data).await;
    let next = SocialRecord {
        connector_id: record.connector_id.clone(),
        social_user_info: outcome.as_ref().ok().cloned(),
        connector_session: ConnectorSession::default(),
    };
    match verification_record::update(app, &current, VerificationRecord::Social(Box::new(next))).await {
        Ok(_) => {}
        // Another verify of this record won: this callback is spent.
        Err(UpdateError::Stale) => return Err(social::session_not_found()),
        Err(UpdateError::Internal(e)) => return Err(e.into()),
    }
    outcome?;
    json(StatusCode::OK, &Verified { verification_record_id: &body.verification_record_id })
}
