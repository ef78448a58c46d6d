//! Reading a (guard-checked) connector config, and the form items the standard OAuth
//! connectors share (Logto's `@logto/connector-oauth` form items).

use serde_json::{Map, Value, json};

use super::oauth::AuthMethod;

/// A string member (empty when absent: the guard has run, so required ones are there).
pub fn text<'a>(config: &'a Map<String, Value>, key: &str) -> &'a str {
    config.get(key).and_then(Value::as_str).unwrap_or_default()
}

pub fn optional<'a>(config: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    config.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub fn flag(config: &Map<String, Value>, key: &str) -> bool {
    config.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `snakecase-keys` on one key (`maxAge` → `max_age`), as Logto's URL and form builders do.
pub fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The string members of an object member (`customConfig`, `authRequestOptionalConfig`), with
/// snake_case keys.
pub fn params(config: &Map<String, Value>, key: &str) -> Vec<(String, String)> {
    config
        .get(key)
        .and_then(Value::as_object)
        .map(|o| o.iter().filter_map(|(k, v)| v.as_str().map(|v| (snake_case(k), v.to_owned()))).collect())
        .unwrap_or_default()
}

pub fn auth_method(config: &Map<String, Value>) -> AuthMethod {
    AuthMethod::from_config(config)
}

pub const AUTH_METHODS: &[&str] = &["client_secret_basic", "client_secret_post", "client_secret_jwt"];
pub const JWT_ALGS: &[&str] = &["HS256", "HS384", "HS512"];

/// `oauth2ConfigGuard` (Logto's `@logto/connector-oauth`); `scope_required` for OIDC.
pub fn oauth2_guard(c: &mut crate::connectors::guard::Check<'_>, scope_required: bool) {
    c.one_of("responseType", &["code"], false);
    c.one_of("grantType", &["authorization_code"], false);
    c.url("authorizationEndpoint", true);
    c.url("tokenEndpoint", true);
    c.string("clientId", true);
    c.string("clientSecret", true);
    c.one_of("tokenEndpointAuthMethod", AUTH_METHODS, false);
    c.one_of("clientSecretJwtSigningAlgorithm", JWT_ALGS, false);
    c.string("scope", scope_required);
    c.string_map("customConfig", false);
}

/// The form items of the standard OAuth connectors (endpoints, client, auth method, scope).
pub fn oauth2_form_items(scope_required: bool) -> Vec<Value> {
    vec![
        json!({ "key": "authorizationEndpoint", "label": "Authorization Endpoint", "type": "Text", "required": true, "placeholder": "<authorization-endpoint>" }),
        json!({ "key": "tokenEndpoint", "label": "Token Endpoint", "type": "Text", "required": true, "placeholder": "<token-endpoint>" }),
        json!({ "key": "clientId", "label": "Client ID", "type": "Text", "required": true, "placeholder": "<client-id>" }),
        json!({ "key": "clientSecret", "label": "Client Secret", "type": "Text", "required": true, "placeholder": "<client-secret>" }),
        json!({
            "key": "tokenEndpointAuthMethod", "label": "Token Endpoint Auth Method", "type": "Select", "required": true,
            "defaultValue": "client_secret_post",
            "selectItems": AUTH_METHODS.iter().map(|m| json!({ "title": m, "value": m })).collect::<Vec<_>>(),
        }),
        json!({
            "key": "clientSecretJwtSigningAlgorithm", "label": "Client Secret JWT Signing Algorithm", "type": "Select",
            "required": true, "defaultValue": "HS256",
            "selectItems": JWT_ALGS.iter().map(|m| json!({ "title": m, "value": m })).collect::<Vec<_>>(),
            "showConditions": [{ "targetKey": "tokenEndpointAuthMethod", "expectValue": "client_secret_jwt" }],
        }),
        json!({
            "key": "scope", "label": "Scope", "type": "Text", "required": scope_required, "placeholder": "<scope>",
            "description": "Scopes, separated by spaces.",
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_snake_cased_as_logto_does() {
        assert_eq!(snake_case("maxAge"), "max_age");
        assert_eq!(snake_case("uiLocales"), "ui_locales");
        assert_eq!(snake_case("prompt"), "prompt");
        assert_eq!(snake_case("already_snake"), "already_snake");
    }
}
