//! Logto's generic OpenID Connect connector (`connector-oidc`, factory `oidc`): authorization
//! code + PKCE + `nonce`; the person is read from the ID token, verified against the
//! provider's JWKS ([`super::id_token`]). `email` / `phone` are kept only when the provider
//! says they are verified (or `trustUnverifiedEmail`), as Logto does.

use serde_json::{Map, Value, json};

use super::config::{self, flag, params, text};
use super::id_token::{self, Expectations};
use super::oauth::{self, Provider};
use super::{ConnectorSession, ErrorCode, Kind, SocialError, SocialUserInfo};
use crate::App;
use crate::connectors::factory::{ConnectorMetadata, Factory, Transport, phrases, svg_data_url};
use crate::connectors::guard::{self, Issues};
use crate::domain::connector::{ConnectorPlatform, ConnectorType};

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#F78C40"/><text x="32" y="40" font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">OIDC</text></svg>"##;
const README: &str = "# OIDC connector\n\nSign in with any OpenID Connect provider. edgeid sends the authorization code request \
with `state`, a `nonce` and a PKCE (S256) challenge, exchanges the code at the token endpoint, and reads the user from \
the ID token after checking its signature against `idTokenVerificationConfig.jwksUri` (ES256, ES384 or RS256), its \
`iss` (when `idTokenVerificationConfig.issuer` is set), `aud` (the client ID), `exp`/`iat` (with \
`clockTolerance` seconds of skew, default 60) and the nonce.\n\nRegister `<edgeid>/callback/<connector-id>` as the \
redirect URI at the provider.\n";

/// OIDC requires the `openid` scope (Logto's `scopePostProcessor`).
pub fn with_openid(scope: &str) -> String {
    let parts: Vec<&str> = scope.split([' ', '+']).filter(|s| !s.is_empty()).collect();
    if parts.contains(&"openid") {
        return scope.to_owned();
    }
    let mut out = parts;
    out.push("openid");
    out.join(" ")
}

fn validate(config: &Value) -> Result<(), Issues> {
    guard::validate(config, |c| {
        config::oauth2_guard(c, true);
        c.boolean("acceptStringTypedBooleanClaims", false);
        c.boolean("trustUnverifiedEmail", false);
        c.object("idTokenVerificationConfig", true, |v| {
            v.url("jwksUri", true);
            v.string_or_strings("issuer", false);
            v.string_or_strings("audience", false);
            v.strings("algorithms", false, &[]);
            v.string_or_number("clockTolerance", false);
            v.string_or_number("maxTokenAge", false);
            v.string("subject", false);
            v.string("typ", false);
        });
        c.object("authRequestOptionalConfig", false, |o| {
            for key in
                ["responseMode", "display", "prompt", "maxAge", "uiLocales", "idTokenHint", "loginHint", "acrValues"]
            {
                o.string(key, false);
            }
        });
    })
}

fn metadata() -> ConnectorMetadata {
    let mut items = config::oauth2_form_items(true);
    items.extend([
        json!({ "key": "acceptStringTypedBooleanClaims", "label": "Accept String-typed Boolean Claims", "type": "Switch", "required": false, "defaultValue": false }),
        json!({ "key": "trustUnverifiedEmail", "label": "Trust Unverified Email", "type": "Switch", "required": false, "defaultValue": false }),
        json!({ "key": "idTokenVerificationConfig", "label": "ID Token Verification Config", "type": "Json", "required": true, "defaultValue": { "jwksUri": "<jwks-uri>" } }),
        json!({ "key": "authRequestOptionalConfig", "label": "Authentication Request Optional Config", "type": "Json", "required": false, "defaultValue": {} }),
        json!({ "key": "customConfig", "label": "Custom Config", "type": "Json", "required": false, "defaultValue": {} }),
    ]);
    ConnectorMetadata {
        id: "oidc",
        target: "oidc",
        platform: Some(ConnectorPlatform::Universal),
        name: phrases(&[("en", "OIDC"), ("zh-CN", "OIDC"), ("tr-TR", "OIDC"), ("ko", "OIDC")]),
        logo: svg_data_url(LOGO),
        logo_dark: None,
        description: phrases(&[(
            "en",
            "OpenID Connect 1.0 is a simple identity layer on top of the OAuth 2.0 protocol.",
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
    transport: Transport::Social(Kind::Oidc),
    metadata,
    validate,
    needs_mock_outlet: false,
};

/// A provider's OIDC settings, from the generic config or a preset.
pub struct Oidc<'a> {
    pub provider: Provider<'a>,
    pub scope: String,
    pub jwks_uri: &'a str,
    pub issuers: Vec<String>,
    pub algorithms: Option<Vec<String>>,
    pub clock_tolerance: i64,
    pub max_token_age: Option<i64>,
    pub accept_string_booleans: bool,
    pub trust_unverified_email: bool,
    /// Extra authorization parameters after `nonce` (optional config, custom config).
    pub auth_params: Vec<(String, String)>,
    /// Extra token request parameters (custom config).
    pub token_params: Vec<(String, String)>,
}

/// Seconds from a number or a `"30"`, `"30s"`, `"5m"`, `"1h"` string (jose's time spans).
fn seconds(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_f64().map(|f| f as i64),
        Value::String(s) => {
            let s = s.trim();
            let (digits, unit) = s.find(|c: char| !c.is_ascii_digit()).map_or((s, ""), |i| s.split_at(i));
            let n: i64 = digits.parse().ok()?;
            let factor = match unit.trim() {
                "" | "s" | "sec" | "secs" | "second" | "seconds" => 1,
                "m" | "min" | "mins" | "minute" | "minutes" => 60,
                "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
                "d" | "day" | "days" => 86400,
                _ => return None,
            };
            Some(n * factor)
        }
        _ => None,
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

pub fn from_config(config: &Map<String, Value>) -> Oidc<'_> {
    let verification = config.get("idTokenVerificationConfig").and_then(Value::as_object);
    let member = |key: &str| verification.and_then(|v| v.get(key));
    let mut auth_params = params(config, "authRequestOptionalConfig");
    let custom = params(config, "customConfig");
    auth_params.extend(custom.iter().cloned());
    Oidc {
        provider: Provider {
            authorization_endpoint: text(config, "authorizationEndpoint"),
            token_endpoint: text(config, "tokenEndpoint"),
            client_id: text(config, "clientId"),
            client_secret: text(config, "clientSecret"),
            auth_method: config::auth_method(config),
            pkce: true,
        },
        scope: with_openid(text(config, "scope")),
        jwks_uri: member("jwksUri").and_then(Value::as_str).unwrap_or_default(),
        issuers: strings(member("issuer")),
        algorithms: member("algorithms").map(|v| strings(Some(v))),
        clock_tolerance: seconds(member("clockTolerance")).unwrap_or(60),
        max_token_age: seconds(member("maxTokenAge")),
        accept_string_booleans: flag(config, "acceptStringTypedBooleanClaims"),
        trust_unverified_email: flag(config, "trustUnverifiedEmail"),
        auth_params,
        token_params: custom,
    }
}

impl Oidc<'_> {
    pub fn authorization_uri(
        &self,
        app: &App,
        mut session: ConnectorSession,
        scope: Option<&str>,
    ) -> Result<(String, ConnectorSession), SocialError> {
        let nonce = app.rng.id(21);
        let mut extra = vec![("nonce".to_owned(), nonce.clone())];
        extra.extend(self.auth_params.iter().cloned());
        session.nonce = Some(nonce);
        let uri =
            oauth::authorization_url(app, &self.provider, &mut session, Some(scope.unwrap_or(&self.scope)), &extra)?;
        Ok((uri, session))
    }

    pub async fn user_info(
        &self,
        app: &App,
        session: &ConnectorSession,
        data: &Map<String, Value>,
    ) -> Result<SocialUserInfo, SocialError> {
        let code = oauth::callback_code(session, data)?;
        let answer = oauth::exchange_code(app, &self.provider, session, &code, &self.token_params).await?;
        let Some(token) = answer.extra_fields().id_token.as_deref() else {
            return Err(SocialError::new(ErrorCode::SocialIdTokenInvalid, "Cannot find ID Token in the response."));
        };
        let expect = Expectations {
            jwks_uri: self.jwks_uri,
            issuers: self.issuers.clone(),
            audience: self.provider.client_id,
            algorithms: self.algorithms.clone(),
            clock_tolerance: self.clock_tolerance,
            max_token_age: self.max_token_age,
            nonce: session.nonce.as_deref(),
        };
        let claims = id_token::verify(app, token, &expect).await?;
        self.profile(claims)
    }

    /// Logto's `idTokenProfileStandardClaimsGuard` and the verified-only email / phone rule.
    fn profile(&self, claims: Map<String, Value>) -> Result<SocialUserInfo, SocialError> {
        let invalid =
            |what: &str| SocialError::new(ErrorCode::SocialIdTokenInvalid, format!("Invalid `{what}` claim."));
        let text = |key: &str| -> Result<Option<String>, SocialError> {
            match claims.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
                Some(_) => Err(invalid(key)),
            }
        };
        let boolean = |key: &str| -> Result<Option<bool>, SocialError> {
            match claims.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(Value::String(s)) if self.accept_string_booleans => {
                    Ok(Some(matches!(s.to_lowercase().as_str(), "1" | "true" | "y" | "yes" | "yep" | "yeah")))
                }
                Some(_) => Err(invalid(key)),
            }
        };
        let Some(Value::String(id)) = claims.get("sub") else {
            return Err(invalid("sub"));
        };
        let email_verified = boolean("email_verified")?.unwrap_or(self.trust_unverified_email);
        let phone_verified = boolean("phone_verified")?.unwrap_or(false);
        Ok(SocialUserInfo {
            id: id.clone(),
            name: text("name")?,
            avatar: text("picture")?,
            email: text("email")?.filter(|_| email_verified),
            phone: text("phone")?.filter(|_| phone_verified),
            raw_data: Some(Value::Object(claims)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_always_carry_openid_and_spans_read_as_jose() {
        assert_eq!(with_openid("profile email"), "profile email openid");
        assert_eq!(with_openid("openid profile"), "openid profile");
        assert_eq!(with_openid("a+b"), "a b openid");
        assert_eq!(seconds(Some(&json!(5))), Some(5));
        assert_eq!(seconds(Some(&json!("2m"))), Some(120));
        assert_eq!(seconds(Some(&json!("30 seconds"))), Some(30));
        assert_eq!(seconds(Some(&json!("soon"))), None);
    }

    #[test]
    fn the_config_guard_reads_like_zod() {
        let good = json!({
            "authorizationEndpoint": "https://idp/auth", "tokenEndpoint": "https://idp/token",
            "clientId": "c", "clientSecret": "s", "scope": "profile",
            "idTokenVerificationConfig": { "jwksUri": "https://idp/jwks", "issuer": "https://idp" },
        });
        assert_eq!(validate(&good), Ok(()));
        let mut bad = good.clone();
        bad["tokenEndpoint"] = json!("not a url");
        bad["idTokenVerificationConfig"] = json!({ "issuer": 3 });
        bad["tokenEndpointAuthMethod"] = json!("private_key_jwt");
        let issues = validate(&bad).unwrap_err().to_zod_error();
        let paths: Vec<Value> = issues["issues"].as_array().unwrap().iter().map(|i| i["path"].clone()).collect();
        assert!(paths.contains(&json!(["tokenEndpoint"])), "{issues}");
        assert!(paths.contains(&json!(["idTokenVerificationConfig", "jwksUri"])), "{issues}");
        assert!(paths.contains(&json!(["idTokenVerificationConfig", "issuer"])), "{issues}");
        assert!(paths.contains(&json!(["tokenEndpointAuthMethod"])), "{issues}");
        let mut no_scope = good;
        no_scope.as_object_mut().unwrap().remove("scope");
        assert!(validate(&no_scope).is_err());
    }
}
