//! Logto's generic OAuth 2.0 connector (`connector-oauth2`, factory `oauth2`): authorization
//! code (+ PKCE), the token exchange, then `GET userInfoEndpoint` with the access token; the
//! answer is mapped to a [`SocialUserInfo`] by `profileMap` (dotted paths allowed).

use serde_json::{Map, Value, json};

use super::config::{self, optional, params, text};
use super::oauth::{self, Provider};
use super::{ConnectorSession, ErrorCode, Kind, SocialError, SocialUserInfo};
use crate::App;
use crate::connectors::factory::{ConnectorMetadata, Factory, Transport, phrases, svg_data_url};
use crate::connectors::guard::{self, Issues};
use crate::domain::connector::{ConnectorPlatform, ConnectorType};

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#3D3D3D"/><text x="32" y="40" font-family="sans-serif" font-size="14" fill="#fff" text-anchor="middle">OAuth</text></svg>"##;
const README: &str = "# OAuth 2.0 connector\n\nSign in with any OAuth 2.0 provider. edgeid sends the authorization request with \
`state` and a PKCE (S256) challenge, exchanges the code at the token endpoint (JSON or form-encoded answers), then \
calls `userInfoEndpoint` with the access token and maps the answer with `profileMap` (`id`, `email`, `phone`, `name`, \
`avatar`; dotted paths such as `data.user.id` reach nested members).\n\nRegister \
`<edgeid>/callback/<connector-id>` as the redirect URI at the provider.\n";

const PROFILE_KEYS: [&str; 5] = ["id", "email", "phone", "name", "avatar"];

fn validate(config: &Value) -> Result<(), Issues> {
    guard::validate(config, |c| {
        config::oauth2_guard(c, false);
        c.url("userInfoEndpoint", true);
        c.one_of("tokenEndpointResponseType", &["query-string", "json"], false);
        c.object("profileMap", false, |p| {
            for key in PROFILE_KEYS {
                p.string(key, false);
            }
        });
    })
}

fn metadata() -> ConnectorMetadata {
    let mut items = config::oauth2_form_items(false);
    items.insert(
        2,
        json!({ "key": "userInfoEndpoint", "label": "User Info Endpoint", "type": "Text", "required": true, "placeholder": "<user-info-endpoint>" }),
    );
    items.extend([
        json!({
            "key": "tokenEndpointResponseType", "label": "Token Endpoint Response Type", "type": "Select", "required": false,
            "defaultValue": "query-string",
            "selectItems": [{ "title": "query-string", "value": "query-string" }, { "title": "json", "value": "json" }],
        }),
        json!({
            "key": "profileMap", "label": "Profile Map", "type": "Json", "required": false,
            "defaultValue": { "id": "user_id", "email": "email_verified", "phone": "phone_verified", "name": "full_name", "avatar": "avatar_url" },
        }),
        json!({ "key": "customConfig", "label": "Custom Config", "type": "Json", "required": false, "defaultValue": {} }),
    ]);
    ConnectorMetadata {
        id: "oauth2",
        target: "oauth2",
        platform: Some(ConnectorPlatform::Universal),
        name: phrases(&[("en", "OAuth 2.0"), ("zh-CN", "OAuth 2.0"), ("tr-TR", "OAuth 2.0"), ("ko", "OAuth 2.0")]),
        logo: svg_data_url(LOGO),
        logo_dark: None,
        description: phrases(&[(
            "en",
            "The OAuth 2.0 authorization framework enables a third-party application to obtain limited access to an HTTP service.",
        )]),
        readme: README,
        config_template: None,
        form_items: Some(Value::Array(items)),
        is_standard: Some(true),
        is_token_storage_supported: Some(true),
    }
}

pub const FACTORY: Factory = Factory {
    connector_type: ConnectorType::Social,
    transport: Transport::Social(Kind::OAuth2),
    metadata,
    validate,
    needs_mock_outlet: false,
};

fn provider(config: &Map<String, Value>) -> Provider<'_> {
    Provider {
        authorization_endpoint: text(config, "authorizationEndpoint"),
        token_endpoint: text(config, "tokenEndpoint"),
        client_id: text(config, "clientId"),
        client_secret: text(config, "clientSecret"),
        auth_method: config::auth_method(config),
        pkce: true,
    }
}

pub fn authorization_uri(
    app: &App,
    config: &Map<String, Value>,
    mut session: ConnectorSession,
    scope: Option<&str>,
) -> Result<(String, ConnectorSession), SocialError> {
    let scope = scope.or_else(|| optional(config, "scope"));
    let uri = oauth::authorization_url(app, &provider(config), &mut session, scope, &params(config, "customConfig"))?;
    Ok((uri, session))
}

pub async fn user_info(
    app: &App,
    config: &Map<String, Value>,
    session: &ConnectorSession,
    data: &Map<String, Value>,
) -> Result<SocialUserInfo, SocialError> {
    let code = oauth::callback_code(session, data)?;
    let answer = oauth::exchange_code(app, &provider(config), session, &code, &params(config, "customConfig")).await?;
    let raw = get_json(app, text(config, "userInfoEndpoint"), &oauth::bearer(&answer), &[]).await?;
    let Value::Object(object) = &raw else {
        return Err(SocialError::new(ErrorCode::InvalidResponse, "The user info response is not a JSON object."));
    };
    let map = config.get("profileMap").and_then(Value::as_object);
    let source = |key: &'static str| map.and_then(|m| m.get(key)).and_then(Value::as_str).unwrap_or(key);
    let pick = |key: &'static str| lookup(object, source(key)).filter(|v| truthy(v));
    let id = match pick("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(SocialError::with_data(
                ErrorCode::InvalidResponse,
                json!({ "message": "The user info has no `id`." }),
            ));
        }
    };
    let text = |key: &'static str| -> Result<Option<String>, SocialError> {
        match pick(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => {
                Err(SocialError::new(ErrorCode::InvalidResponse, format!("The user info's `{key}` is not a string.")))
            }
        }
    };
    Ok(SocialUserInfo {
        id,
        email: text("email")?,
        phone: text("phone")?,
        name: text("name")?,
        avatar: text("avatar")?,
        raw_data: Some(raw.clone()),
    })
}

/// `getSafe(object, "a.b.c")`.
fn lookup<'a>(object: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(direct) = object.get(path) {
        return Some(direct);
    }
    let mut parts = path.split('.');
    let mut current = object.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

/// JavaScript truthiness (Logto's mapping drops falsy values).
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// `GET uri` with `Authorization: <authorization>`: the JSON answer. 401 →
/// `connector.social_invalid_access_token`; other failures → `connector.general`.
pub async fn get_json(
    app: &App,
    uri: &str,
    authorization: &str,
    headers: &[(&'static str, &'static str)],
) -> Result<Value, SocialError> {
    let http = app
        .http_client
        .as_deref()
        .ok_or_else(|| SocialError::new(ErrorCode::NotImplemented, "This host cannot make outgoing HTTP requests."))?;
    let mut builder = http::Request::get(uri)
        .header(http::header::AUTHORIZATION, authorization)
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::USER_AGENT, "edgeid");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(bytes::Bytes::new())
        .map_err(|_| SocialError::new(ErrorCode::InvalidRequestParameters, format!("Invalid URL: {uri}")))?;
    let response = http
        .send(request)
        .await
        .map_err(|e| SocialError::new(ErrorCode::General, format!("The provider could not be reached: {}", e.0)))?;
    let status = response.status();
    if status == http::StatusCode::UNAUTHORIZED {
        return Err(SocialError::new(ErrorCode::SocialAccessTokenInvalid, "The provider refused the access token."));
    }
    if !status.is_success() {
        return Err(SocialError::new(
            ErrorCode::General,
            format!("HTTP {} from the provider: {}", status.as_u16(), String::from_utf8_lossy(response.body())),
        ));
    }
    serde_json::from_slice(response.body())
        .map_err(|_| SocialError::new(ErrorCode::InvalidResponse, "The provider's answer is not JSON."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_paths_reach_nested_members() {
        let object = json!({ "a": { "b": { "c": 1 } }, "x.y": 2, "id": 0 });
        let object = object.as_object().unwrap();
        assert_eq!(lookup(object, "a.b.c"), Some(&json!(1)));
        assert_eq!(lookup(object, "x.y"), Some(&json!(2)));
        assert_eq!(lookup(object, "a.z"), None);
        assert!(!truthy(&json!(0)) && !truthy(&json!("")) && truthy(&json!("x")));
    }

    #[test]
    fn the_config_guard_requires_the_user_info_endpoint() {
        let good = json!({
            "authorizationEndpoint": "https://p/auth", "tokenEndpoint": "https://p/token",
            "userInfoEndpoint": "https://p/me", "clientId": "c", "clientSecret": "s",
        });
        assert_eq!(validate(&good), Ok(()));
        let mut bad = good;
        bad.as_object_mut().unwrap().remove("userInfoEndpoint");
        bad["profileMap"] = json!({ "id": 1 });
        let zod = validate(&bad).unwrap_err().to_zod_error();
        assert_eq!(zod["issues"][0]["path"], json!(["userInfoEndpoint"]));
        assert_eq!(zod["issues"][1]["path"], json!(["profileMap", "id"]));
    }
}
