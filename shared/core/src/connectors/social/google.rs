//! Logto's Google connector (`connector-google`, factory `google-universal`, target `google`)
//! as an OpenID Connect preset: Google's endpoints, its JWKS and issuers, the ID token checked
//! like any OIDC provider's; `prompts` and `offlineAccess` as Logto's config has them.

use serde_json::{Map, Value, json};

use super::config::{flag, optional, text};
use super::oauth::{AuthMethod, Provider};
use super::oidc::Oidc;
use super::{ConnectorSession, Kind, SocialError, SocialUserInfo};
use crate::App;
use crate::connectors::factory::{ConnectorMetadata, Factory, Transport, phrases, svg_data_url};
use crate::connectors::guard::{self, Issues};
use crate::domain::connector::{ConnectorPlatform, ConnectorType};

pub const AUTHORIZATION_ENDPOINT: &str = "https://accounts.google.com/o/oauth2/v2/auth";
pub const TOKEN_ENDPOINT: &str = "https://oauth2.googleapis.com/token";
pub const JWKS_URI: &str = "https://www.googleapis.com/oauth2/v3/certs";
const ISSUERS: [&str; 2] = ["https://accounts.google.com", "accounts.google.com"];
const DEFAULT_SCOPE: &str = "openid profile email";
const PROMPTS: &[&str] = &["none", "consent", "select_account"];

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#fff" stroke="#4285F4" stroke-width="4"/><text x="32" y="42" font-family="sans-serif" font-size="28" fill="#4285F4" text-anchor="middle">G</text></svg>"##;
const README: &str = "# Google connector\n\nSign in with Google. Create an OAuth client (Web application) in \
the Google Cloud console with `<edgeid>/callback/<connector-id>` as an authorized redirect URI, then set `clientId` \
and `clientSecret`. edgeid uses OpenID Connect: the ID token is checked against Google's keys, issuer, your client ID \
and the sign-in's nonce.\n";

fn validate(config: &Value) -> Result<(), Issues> {
    guard::validate(config, |c| {
        c.string("clientId", true);
        c.string("clientSecret", true);
        c.string("scope", false);
        c.strings("prompts", false, PROMPTS);
        c.boolean("offlineAccess", false);
    })
}

fn metadata() -> ConnectorMetadata {
    ConnectorMetadata {
        id: "google-universal",
        target: "google",
        platform: Some(ConnectorPlatform::Universal),
        name: phrases(&[("en", "Google"), ("zh-CN", "Google"), ("tr-TR", "Google"), ("ko", "Google")]),
        logo: svg_data_url(LOGO),
        logo_dark: None,
        description: phrases(&[("en", "Google is a principal search engine technology and email service provider.")]),
        readme: README,
        config_template: None,
        form_items: Some(json!([
            { "key": "clientId", "type": "Text", "label": "Client ID", "required": true, "placeholder": "<client-id>" },
            { "key": "clientSecret", "type": "Text", "label": "Client Secret", "required": true, "placeholder": "<client-secret>" },
            { "key": "scope", "type": "MultilineText", "label": "Scope", "required": false, "placeholder": "Enter the scopes (separated by a space)" },
            { "key": "prompts", "type": "MultiSelect", "label": "Prompts", "required": false,
              "selectItems": PROMPTS.iter().map(|p| json!({ "value": p })).collect::<Vec<_>>(), "defaultValue": ["select_account"] },
            { "key": "offlineAccess", "type": "Switch", "label": "Refresh access token", "required": false, "defaultValue": false },
        ])),
        is_standard: None,
        is_token_storage_supported: Some(true),
    }
}

pub const FACTORY: Factory = Factory {
    connector_type: ConnectorType::Social,
    transport: Transport::Social(Kind::Google),
    metadata,
    validate,
    needs_mock_outlet: false,
};

fn oidc(config: &Map<String, Value>) -> Oidc<'_> {
    let mut auth_params = Vec::new();
    let prompts: Vec<&str> = config
        .get("prompts")
        .and_then(Value::as_array)
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !prompts.is_empty() {
        auth_params.push(("prompt".to_owned(), prompts.join(" ")));
    }
    if flag(config, "offlineAccess") {
        auth_params.push(("access_type".to_owned(), "offline".to_owned()));
    }
    Oidc {
        provider: Provider {
            authorization_endpoint: AUTHORIZATION_ENDPOINT,
            token_endpoint: TOKEN_ENDPOINT,
            client_id: text(config, "clientId"),
            client_secret: text(config, "clientSecret"),
            auth_method: AuthMethod::ClientSecretPost,
            pkce: true,
        },
        scope: optional(config, "scope").unwrap_or(DEFAULT_SCOPE).to_owned(),
        jwks_uri: JWKS_URI,
        issuers: ISSUERS.iter().map(|s| (*s).to_owned()).collect(),
        algorithms: Some(vec!["RS256".to_owned()]),
        clock_tolerance: 10,
        max_token_age: None,
        accept_string_booleans: false,
        trust_unverified_email: false,
        auth_params,
        token_params: Vec::new(),
    }
}

pub fn authorization_uri(
    app: &App,
    config: &Map<String, Value>,
    session: ConnectorSession,
    scope: Option<&str>,
) -> Result<(String, ConnectorSession), SocialError> {
    oidc(config).authorization_uri(app, session, scope)
}

pub async fn user_info(
    app: &App,
    config: &Map<String, Value>,
    session: &ConnectorSession,
    data: &Map<String, Value>,
) -> Result<SocialUserInfo, SocialError> {
    oidc(config).user_info(app, session, data).await
}
