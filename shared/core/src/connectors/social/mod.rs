//! Social connectors: sign in with another identity provider (Logto's `SocialConnector`:
//! `getAuthorizationUri` + `getUserInfo`).
//!
//! [`authorization_uri`] builds where the browser goes and the [`ConnectorSession`] the caller
//! keeps (in the experience's verification record or the account's verification record, never
//! in a cookie); [`user_info`] turns what the provider sent back to the redirect URI
//! (`connectorData`: `code`, `state`, … or `error`) into a [`SocialUserInfo`], checking the
//! session's `state` and, for OpenID Connect, the ID token (signature against the provider's
//! JWKS, `iss`, `aud`, `exp`/`iat`, `nonce`).
//!
//! Failures are [`SocialError`]s, which become Logto's errors as its
//! `koa-connector-error-handler` maps them (401 `connector.social_auth_code_invalid`, 400
//! `connector.general`, …): a provider's refusal or outage is never a 5xx.

mod config;
mod error;
pub mod github;
pub mod google;
mod id_token;
pub mod oauth;
pub mod oauth2;
pub mod oidc;

pub use error::{ErrorCode, SocialError};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::factory::{self, Factory, Transport};
use crate::App;
use crate::domain::connector::{self as repo, ConnectorRecord, ConnectorType};
use crate::error::ApiError;

/// What a social connector knows about the person (Logto's `SocialUserInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialUserInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<Value>,
}

/// What a connector remembers between the authorization URI and the callback (Logto's
/// `ConnectorSession`, plus the PKCE verifier). Kept server-side only: the sanitized records
/// never show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorSession {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_factory_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// The social connector kinds this build implements (one per factory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Logto's `mock-social-connector` (integration tests).
    Mock,
    /// Generic OAuth 2.0 (`oauth2`).
    OAuth2,
    /// Generic OpenID Connect (`oidc`).
    Oidc,
    /// `github-universal`.
    GitHub,
    /// `google-universal` (OpenID Connect).
    Google,
}

/// A configured social connector with its factory.
#[derive(Clone)]
pub struct SocialConnector {
    pub record: ConnectorRecord,
    pub factory: &'static Factory,
    pub kind: Kind,
}

impl SocialConnector {
    /// The identity target users are linked under (`identities[target]`): the record's
    /// metadata override for standard connectors, else the factory's.
    pub fn target(&self) -> String {
        let meta = (self.factory.metadata)();
        match self.record.metadata.get("target").and_then(Value::as_str) {
            Some(t) if meta.is_standard == Some(true) && !t.is_empty() => t.to_owned(),
            _ => meta.target.to_owned(),
        }
    }

    pub fn id(&self) -> &str {
        &self.record.id
    }

    pub fn sync_profile(&self) -> bool {
        self.record.sync_profile
    }
}

/// The configured social connector `id` (Logto's `getLogtoConnectorById` + a type check):
/// 404 `entity.not_found` when there is none (or its factory is not offered by this host),
/// 400 `connector.unexpected_type` when it is an Email/Sms connector.
pub async fn find(app: &App, id: &str) -> Result<SocialConnector, ApiError> {
    let record = repo::find(app.store.as_ref(), id).await?.map(|v| v.value);
    let found = record.and_then(|record| factory::find(app, &record.connector_id).map(|f| (record, f)));
    let Some((record, factory)) = found else {
        return Err(ApiError::new(http::StatusCode::NOT_FOUND, "entity.not_found", "The entity does not exist.")
            .with_data(serde_json::json!({ "id": id })));
    };
    match (record.connector_type, factory.transport) {
        (ConnectorType::Social, Transport::Social(kind)) => Ok(SocialConnector { record, factory, kind }),
        _ => Err(ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "connector.unexpected_type",
            "The connector's type is unexpected.",
        )),
    }
}

/// Logto's `socials.getConnector` on the verify paths: a missing (or non-social) connector is
/// 422 `session.invalid_connector_id`.
pub async fn find_for_verify(app: &App, id: &str) -> Result<SocialConnector, ApiError> {
    find(app, id).await.map_err(|e| match e.code {
        "entity.not_found" | "connector.unexpected_type" => invalid_connector_id(id),
        _ => e,
    })
}

/// The profile API's lookup (`SocialVerification.getConnectorData`): a missing connector is
/// 422 `session.invalid_connector_id`, an Email/Sms one 400 `connector.unexpected_type`.
pub async fn find_for_account(app: &App, id: &str) -> Result<SocialConnector, ApiError> {
    find(app, id).await.map_err(|e| match e.code {
        "entity.not_found" => invalid_connector_id(id),
        _ => e,
    })
}

pub(crate) fn invalid_connector_id(id: &str) -> ApiError {
    ApiError::new(
        http::StatusCode::UNPROCESSABLE_ENTITY,
        "session.invalid_connector_id",
        format!("Unable to find available connector with id {id}."),
    )
}

/// 400 `session.insufficient_info` (an empty `state` or `redirectUri`).
pub fn insufficient_info() -> ApiError {
    ApiError::new(http::StatusCode::BAD_REQUEST, "session.insufficient_info", "Insufficient sign-in info.")
}

/// 400 `session.connector_validation_session_not_found`: no connector session to check the
/// callback against (never created, or already spent by an earlier callback).
pub fn session_not_found() -> ApiError {
    ApiError::new(
        http::StatusCode::BAD_REQUEST,
        "session.connector_validation_session_not_found",
        "The connector session for token validation is not found.",
    )
}

/// Where to send the browser, and the session to keep until the callback (Logto's
/// `getAuthorizationUri`). `state` and `redirect_uri` must be non-empty (the routes answer
/// 400 `session.insufficient_info` before calling this).
pub async fn authorization_uri(
    app: &App,
    connector: &SocialConnector,
    state: &str,
    redirect_uri: &str,
    scope: Option<&str>,
) -> Result<(String, ConnectorSession), SocialError> {
    let config = &connector.record.config;
    (connector.factory.validate)(&Value::Object(config.clone())).map_err(SocialError::InvalidConfig)?;
    let session = ConnectorSession {
        state: Some(state.to_owned()),
        redirect_uri: Some(redirect_uri.to_owned()),
        connector_id: Some(connector.record.id.clone()),
        connector_factory_id: Some(connector.record.connector_id.clone()),
        ..ConnectorSession::default()
    };
    match connector.kind {
        Kind::Mock => Ok(mock::authorization_uri(app, session, scope)),
        Kind::OAuth2 => oauth2::authorization_uri(app, config, session, scope),
        Kind::Oidc => oidc::from_config(config).authorization_uri(app, session, scope),
        Kind::GitHub => github::authorization_uri(app, config, session, scope),
        Kind::Google => google::authorization_uri(app, config, session, scope),
    }
}

/// Who the provider says signed in (Logto's `getUserInfo(connectorData, getSession)`).
pub async fn user_info(
    app: &App,
    connector: &SocialConnector,
    session: &ConnectorSession,
    connector_data: &Map<String, Value>,
) -> Result<SocialUserInfo, SocialError> {
    let config = &connector.record.config;
    (connector.factory.validate)(&Value::Object(config.clone())).map_err(SocialError::InvalidConfig)?;
    match connector.kind {
        Kind::Mock => mock::user_info(app, session, connector_data),
        Kind::OAuth2 => oauth2::user_info(app, config, session, connector_data).await,
        Kind::Oidc => oidc::from_config(config).user_info(app, session, connector_data).await,
        Kind::GitHub => github::user_info(app, config, session, connector_data).await,
        Kind::Google => google::user_info(app, config, session, connector_data).await,
    }
}

pub(crate) mod mock;

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests;
