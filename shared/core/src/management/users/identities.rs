//! `/api/users/:userId/identities[/:target]` (Logto's `routes/admin-user/social.ts`): link a
//! social identity through its connector (`POST`, after `POST /api/connectors/:id/authorization-uri`),
//! link or replace one by hand, read one, unlink one. `(target, userId)` is unique across users
//! (claimed in the user's commit).

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{find, modify};
use crate::Response;
use crate::connectors::social::{self, ConnectorSession};
use crate::domain::connector_session;
use crate::domain::user::Identity;
use crate::error::ApiError;
use crate::management::{Ctx, errors, json, validate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    user_id: String,
    #[serde(default)]
    details: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkBody {
    connector_id: String,
    connector_data: Map<String, Value>,
}

/// `POST /api/users/:userId/identities` `{connectorId, connectorData}`: ask the social connector
/// who `connectorData` (what its provider sent to the redirect URI) is, and link that identity
/// under the connector's target; the body is the user's identities. Logto's errors: 404
/// `entity.not_found` (connector or user), 422 `session.invalid_connector_id` (not a social
/// connector), the connector's errors, 422 `user.identity_already_in_use`.
///
/// The session kept by the authorization URI for `connectorData.state` is spent here; without
/// one the connector runs as Logto runs it (sessionless: the `state` and `redirectUri` sent
/// are taken as they are, which is all a provider without PKCE needs).
pub async fn link(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let body: LinkBody = ctx.body()?;
    let connector = social::find(app, &body.connector_id).await.map_err(|e| match e.code {
        "connector.unexpected_type" => social::invalid_connector_id(&body.connector_id),
        _ => e,
    })?;
    let user_id = ctx.param("userId");
    find(ctx, &user_id).await?;
    let text = |name: &str| body.connector_data.get(name).and_then(Value::as_str).map(str::to_owned);
    let kept = match text("state") {
        Some(state) => connector_session::take(app, connector.id(), &state).await?,
        None => None,
    };
    let session = kept.unwrap_or_else(|| ConnectorSession {
        state: text("state"),
        redirect_uri: text("redirectUri"),
        connector_id: Some(connector.id().to_owned()),
        ..ConnectorSession::default()
    });
    let info = social::user_info(app, &connector, &session, &body.connector_data).await?;
    let target = connector.target();
    if let Some(other) = crate::domain::user::find_by_identity(ctx.store(), &target, &info.id).await?
        && other.value.id != user_id
    {
        return Err(errors::identity_already_in_use());
    }
    let details = match serde_json::to_value(&info) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    let identity = Identity { user_id: info.id.clone(), details };
    let user = modify(ctx, &user_id, |u| {
        u.identities.insert(target.clone(), identity.clone());
        Ok(())
    })
    .await?;
    json(StatusCode::OK, &user.identities)
}

/// 201 when the target was not linked yet, 200 when it replaced the old identity; the body is
/// the user's identities.
pub async fn put(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    validate::length("userId", &body.user_id, None)?;
    let target = ctx.param("target");
    let mut created = false;
    let identity = Identity { user_id: body.user_id, details: body.details };
    let user = modify(ctx, &ctx.param("userId"), |u| {
        created = !u.identities.contains_key(&target);
        u.identities.insert(target.clone(), identity.clone());
        Ok(())
    })
    .await?;
    json(if created { StatusCode::CREATED } else { StatusCode::OK }, &user.identities)
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let user = find(ctx, &ctx.param("userId")).await?.value;
    let identity = user.identities.get(&ctx.param("target")).ok_or_else(errors::identity_not_exist)?;
    json(StatusCode::OK, &serde_json::json!({ "identity": identity }))
}

/// Unlink; the body is the user.
pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let target = ctx.param("target");
    let user = modify(ctx, &ctx.param("userId"), |u| {
        u.identities.remove(&target).map(|_| ()).ok_or_else(errors::identity_not_exist)
    })
    .await?;
    json(StatusCode::OK, &user.response())
}
