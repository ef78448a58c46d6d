//! Logto's GitHub connector (`connector-github`, factory `github-universal`, target `github`):
//! OAuth 2.0 against GitHub's endpoints, then `GET /user` and `GET /user/emails` (the primary
//! verified address when the public one is hidden).

use serde_json::{Map, Value, json};

use super::config::{optional, text};
use super::oauth::{self, AuthMethod, Provider};
use super::oauth2::get_json;
use super::{ConnectorSession, ErrorCode, Kind, SocialError, SocialUserInfo};
use crate::App;
use crate::connectors::factory::{ConnectorMetadata, Factory, Transport, phrases, svg_data_url};
use crate::connectors::guard::{self, Issues};
use crate::domain::connector::{ConnectorPlatform, ConnectorType};

pub const AUTHORIZATION_ENDPOINT: &str = "https://github.com/login/oauth/authorize";
pub const TOKEN_ENDPOINT: &str = "https://github.com/login/oauth/access_token";
pub const USER_ENDPOINT: &str = "https://api.github.com/user";
pub const EMAILS_ENDPOINT: &str = "https://api.github.com/user/emails";
const DEFAULT_SCOPE: &str = "read:user user:email";

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#181717"/><text x="32" y="40" font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">GH</text></svg>"##;
const README: &str = "# GitHub connector\n\nSign in with GitHub. Create an OAuth App on GitHub with \
`<edgeid>/callback/<connector-id>` as the callback URL, then set `clientId` and `clientSecret` (and optionally \
`scope`, default `read:user user:email`).\n";

fn validate(config: &Value) -> Result<(), Issues> {
    guard::validate(config, |c| {
        c.string("clientId", true);
        c.string("clientSecret", true);
        c.string("scope", false);
    })
}

fn metadata() -> ConnectorMetadata {
    ConnectorMetadata {
        id: "github-universal",
        target: "github",
        platform: Some(ConnectorPlatform::Universal),
        name: phrases(&[("en", "GitHub"), ("zh-CN", "GitHub"), ("tr-TR", "GitHub"), ("ko", "GitHub")]),
        logo: svg_data_url(LOGO),
        logo_dark: Some(svg_data_url(LOGO)),
        description: phrases(&[("en", "GitHub is an online community for software development and version control.")]),
        readme: README,
        config_template: None,
        form_items: Some(json!([
            { "key": "clientId", "type": "Text", "label": "Client ID", "required": true, "placeholder": "<client-id>" },
            { "key": "clientSecret", "type": "Text", "label": "Client Secret", "required": true, "placeholder": "<client-secret>" },
            { "key": "scope", "type": "MultilineText", "label": "Scope", "required": false,
              "placeholder": "Enter the scopes (separated by a space)",
              "description": "The `scope` determines permissions granted by the user's authorization. " },
        ])),
        is_standard: None,
        is_token_storage_supported: Some(true),
    }
}

pub const FACTORY: Factory = Factory {
    connector_type: ConnectorType::Social,
    transport: Transport::Social(Kind::GitHub),
    metadata,
    validate,
    needs_mock_outlet: false,
};

fn provider(config: &Map<String, Value>) -> Provider<'_> {
    Provider {
        authorization_endpoint: AUTHORIZATION_ENDPOINT,
        token_endpoint: TOKEN_ENDPOINT,
        client_id: text(config, "clientId"),
        client_secret: text(config, "clientSecret"),
        auth_method: AuthMethod::ClientSecretPost,
        pkce: true,
    }
}

pub fn authorization_uri(
    app: &App,
    config: &Map<String, Value>,
    mut session: ConnectorSession,
    scope: Option<&str>,
) -> Result<(String, ConnectorSession), SocialError> {
    let scope = scope.or_else(|| optional(config, "scope")).unwrap_or(DEFAULT_SCOPE);
    let uri = oauth::authorization_url(app, &provider(config), &mut session, Some(scope), &[])?;
    Ok((uri, session))
}

const GITHUB_JSON: &[(&str, &str)] = &[("x-github-api-version", "2022-11-28")];

pub async fn user_info(
    app: &App,
    config: &Map<String, Value>,
    session: &ConnectorSession,
    data: &Map<String, Value>,
) -> Result<SocialUserInfo, SocialError> {
    let code = oauth::callback_code(session, data)?;
    let answer = oauth::exchange_code(app, &provider(config), session, &code, &[]).await?;
    let authorization = format!("Bearer {}", oauth2::TokenResponse::access_token(&answer).secret());
    let user = get_json(app, USER_ENDPOINT, &authorization, GITHUB_JSON).await?;
    // GitHub Apps may hide the email list (an error, not an empty list): treat it as empty.
    let emails = get_json(app, EMAILS_ENDPOINT, &authorization, GITHUB_JSON).await.unwrap_or(json!([]));
    let invalid = |m: &str| SocialError::new(ErrorCode::InvalidResponse, m);
    let id = match user.get("id") {
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(invalid("GitHub's user has no numeric `id`.")),
    };
    let text = |key: &str| user.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let verified_primary = emails.as_array().and_then(|list| {
        list.iter()
            .find(|e| e["verified"] == json!(true) && e["primary"] == json!(true))
            .and_then(|e| e["email"].as_str())
    });
    Ok(SocialUserInfo {
        id,
        avatar: text("avatar_url"),
        email: text("email").or_else(|| verified_primary.map(str::to_owned)),
        phone: None,
        name: text("name"),
        raw_data: Some(json!({ "userInfo": user, "userEmails": emails })),
    })
}
