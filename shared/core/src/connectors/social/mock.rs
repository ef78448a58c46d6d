//! Logto's `mock-social-connector` flow: the authorization URI points at `http://mock-social/`
//! and `getUserInfo` takes the person straight from `connectorData`
//! (`{code, userId?, email?, phone?, name?, avatar?}`), as Logto's integration tests expect.

use serde_json::{Map, Value};

use super::{ConnectorSession, ErrorCode, SocialError, SocialUserInfo};
use crate::App;

const AUTH_DOMAIN: &str = "http://mock-social/";
const DEFAULT_SCOPE: &str = "email profile";

pub(super) fn authorization_uri(
    _app: &App,
    session: ConnectorSession,
    scope: Option<&str>,
) -> (String, ConnectorSession) {
    let query = serde_urlencoded::to_string([
        ("state", session.state.as_deref().unwrap_or_default()),
        ("redirect_uri", session.redirect_uri.as_deref().unwrap_or_default()),
        ("scope", scope.unwrap_or(DEFAULT_SCOPE)),
    ])
    .unwrap_or_default();
    // Logto's mock keeps only `{state, redirectUri, connectorId}`.
    let kept = ConnectorSession {
        state: session.state,
        redirect_uri: session.redirect_uri,
        connector_id: session.connector_id,
        ..ConnectorSession::default()
    };
    (format!("{AUTH_DOMAIN}?{query}"), kept)
}

pub(super) fn user_info(
    app: &App,
    _session: &ConnectorSession,
    data: &Map<String, Value>,
) -> Result<SocialUserInfo, SocialError> {
    let invalid = || SocialError::with_data(ErrorCode::InvalidResponse, Value::Object(data.clone()));
    let optional = |field: &str| -> Result<Option<String>, SocialError> {
        match data.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid()),
        }
    };
    if !matches!(data.get("code"), Some(Value::String(_))) {
        return Err(invalid());
    }
    let id = optional("userId")?.unwrap_or_else(|| format!("mock-social-sub-{}", app.rng.id(21)));
    Ok(SocialUserInfo {
        id,
        email: optional("email")?,
        phone: optional("phone")?,
        name: optional("name")?,
        avatar: optional("avatar")?,
        raw_data: Some(Value::Object(data.clone())),
    })
}
