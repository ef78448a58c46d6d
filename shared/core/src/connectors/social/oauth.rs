//! The OAuth 2.0 authorization-code flow on the `oauth2` crate, with every request going
//! through the host's [`HttpClient`] port: the authorization URL (state, PKCE S256 challenge,
//! scope, extra parameters such as the OIDC `nonce`) and the token exchange (client
//! authentication by `client_secret_post`, `client_secret_basic` or `client_secret_jwt`).
//!
//! State, nonce and PKCE verifiers come from `app.rng`, never from the crate's own randomness
//! (the core takes all randomness from its host). Token endpoint answers are normalised before
//! the crate reads them: form-encoded bodies (GitHub without `Accept`, Logto's
//! `tokenEndpointResponseType: query-string`) become JSON, and a 200 carrying `error` (GitHub)
//! becomes the error response it is.

use std::borrow::Cow;

use bytes::Bytes;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{ConnectorSession, ErrorCode, SocialError};
use crate::App;
use crate::ports::{BoxFuture, HttpClient};

/// The `id_token` member of an OpenID Connect token response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

pub type TokenAnswer = StandardTokenResponse<IdTokenField, BasicTokenType>;

type OAuthClient<HasAuthUrl, HasTokenUrl> = Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuthUrl,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    HasTokenUrl,
>;

/// How the client authenticates at the token endpoint (Logto's `TokenEndpointAuthMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretPost,
    ClientSecretBasic,
    /// An HMAC-signed assertion (`HS256` / `HS384` / `HS512`) keyed by the client secret.
    ClientSecretJwt(JwtAlg),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlg {
    HS256,
    HS384,
    HS512,
}

impl AuthMethod {
    /// From Logto's config fields (`tokenEndpointAuthMethod`, `clientSecretJwtSigningAlgorithm`;
    /// the guard has already checked their values).
    pub fn from_config(config: &Map<String, Value>) -> Self {
        match config.get("tokenEndpointAuthMethod").and_then(Value::as_str) {
            Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
            Some("client_secret_jwt") => AuthMethod::ClientSecretJwt(
                match config.get("clientSecretJwtSigningAlgorithm").and_then(Value::as_str) {
                    Some("HS384") => JwtAlg::HS384,
                    Some("HS512") => JwtAlg::HS512,
                    _ => JwtAlg::HS256,
                },
            ),
            _ => AuthMethod::ClientSecretPost,
        }
    }
}

/// One provider's endpoints and client registration.
pub struct Provider<'a> {
    pub authorization_endpoint: &'a str,
    pub token_endpoint: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub auth_method: AuthMethod,
    /// Whether to send a PKCE challenge (every connector does; providers that do not know
    /// PKCE ignore it, RFC 6749 §3.1).
    pub pkce: bool,
}

fn invalid_url(field: &str, value: &str) -> SocialError {
    SocialError::with_data(
        ErrorCode::InvalidRequestParameters,
        json!({ "message": format!("`{field}` is not a valid URL: {value}") }),
    )
}

/// A PKCE verifier: 64 characters of `[0-9a-z]` from the host's CSPRNG (~330 bits).
fn new_verifier(app: &App) -> String {
    app.rng.id(64)
}

/// The authorization URL for `session` (whose `state` and `redirectUri` are set); fills in the
/// session's PKCE verifier. `extra` are added last, in order (OIDC `nonce`, Logto's
/// `authRequestOptionalConfig` and `customConfig`).
pub fn authorization_url(
    app: &App,
    provider: &Provider<'_>,
    session: &mut ConnectorSession,
    scope: Option<&str>,
    extra: &[(String, String)],
) -> Result<String, SocialError> {
    let auth_url = AuthUrl::new(provider.authorization_endpoint.to_owned())
        .map_err(|_| invalid_url("authorizationEndpoint", provider.authorization_endpoint))?;
    let redirect = session.redirect_uri.clone().unwrap_or_default();
    let redirect_url = RedirectUrl::new(redirect.clone()).map_err(|_| invalid_url("redirectUri", &redirect))?;
    let client: OAuthClient<EndpointSet, EndpointNotSet> =
        Client::new(ClientId::new(provider.client_id.to_owned())).set_auth_uri(auth_url).set_redirect_uri(redirect_url);
    let state = session.state.clone().unwrap_or_default();
    let mut request = client.authorize_url(|| CsrfToken::new(state));
    if let Some(scope) = scope.filter(|s| !s.is_empty()) {
        request = request.add_scope(Scope::new(scope.to_owned()));
    }
    if provider.pkce {
        let verifier = PkceCodeVerifier::new(new_verifier(app));
        request = request.set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier));
        session.code_verifier = Some(verifier.secret().clone());
    }
    for (name, value) in extra {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    Ok(request.url().0.to_string())
}

/// The callback's `code`, after the provider's `error` (401 `connector.authorization_failed`
/// for `access_denied`, as Logto's GitHub connector does; `connector.general` otherwise) and
/// the session's `state` (a missing or different `state` is a forged or crossed callback:
/// 401 `connector.authorization_failed`).
pub fn callback_code(session: &ConnectorSession, data: &Map<String, Value>) -> Result<String, SocialError> {
    if let Some(error) = data.get("error").and_then(Value::as_str) {
        let description = data.get("error_description").and_then(Value::as_str).unwrap_or(error);
        let code = if error == "access_denied" { ErrorCode::AuthorizationFailed } else { ErrorCode::General };
        return Err(SocialError::with_data(
            code,
            json!({ "error": error, "errorDescription": description, "message": description }),
        ));
    }
    let Some(code) = data.get("code").and_then(Value::as_str).filter(|c| !c.is_empty()) else {
        return Err(SocialError::with_data(ErrorCode::General, Value::Object(data.clone())));
    };
    let expected = session.state.as_deref().unwrap_or_default();
    let got = data.get("state").and_then(Value::as_str).unwrap_or_default();
    if expected.is_empty() || !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), got.as_bytes())) {
        return Err(SocialError::new(ErrorCode::AuthorizationFailed, "The `state` does not match this sign-in."));
    }
    Ok(code.to_owned())
}

/// Exchange `code` at the token endpoint (with the session's redirect URI and PKCE verifier).
/// `extra` goes into the form (Logto's `customConfig`).
pub async fn exchange_code(
    app: &App,
    provider: &Provider<'_>,
    session: &ConnectorSession,
    code: &str,
    extra: &[(String, String)],
) -> Result<TokenAnswer, SocialError> {
    let http = app
        .http_client
        .as_deref()
        .ok_or_else(|| SocialError::new(ErrorCode::NotImplemented, "This host cannot make outgoing HTTP requests."))?;
    let token_url = TokenUrl::new(provider.token_endpoint.to_owned())
        .map_err(|_| invalid_url("tokenEndpoint", provider.token_endpoint))?;
    let redirect = session.redirect_uri.clone().unwrap_or_default();
    let redirect_url = RedirectUrl::new(redirect.clone()).map_err(|_| invalid_url("redirectUri", &redirect))?;
    let mut client: OAuthClient<EndpointNotSet, EndpointSet> =
        Client::new(ClientId::new(provider.client_id.to_owned())).set_token_uri(token_url);
    let mut assertion = None;
    match provider.auth_method {
        AuthMethod::ClientSecretPost => {
            client = client
                .set_client_secret(ClientSecret::new(provider.client_secret.to_owned()))
                .set_auth_type(AuthType::RequestBody);
        }
        AuthMethod::ClientSecretBasic => {
            client = client
                .set_client_secret(ClientSecret::new(provider.client_secret.to_owned()))
                .set_auth_type(AuthType::BasicAuth);
        }
        AuthMethod::ClientSecretJwt(alg) => {
            client = client.set_auth_type(AuthType::RequestBody);
            assertion = Some(client_assertion(app, provider, alg)?);
        }
    }
    let mut request =
        client.exchange_code(AuthorizationCode::new(code.to_owned())).set_redirect_uri(Cow::Owned(redirect_url));
    if let Some(verifier) = &session.code_verifier {
        request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.clone()));
    }
    if let Some(assertion) = assertion {
        request = request
            .add_extra_param("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            .add_extra_param("client_assertion", assertion);
    }
    for (name, value) in extra {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    request.request_async(&Bridge { http }).await.map_err(token_error)
}

/// RFC 7523 client assertion for `client_secret_jwt`, valid 10 minutes (Logto's).
fn client_assertion(app: &App, provider: &Provider<'_>, alg: JwtAlg) -> Result<String, SocialError> {
    use hmac::{Hmac, Mac};
    let now = app.clock.now_ms() / 1000;
    type Sign = fn(&[u8], &[u8]) -> Option<Vec<u8>>;
    let (name, sign): (&str, Sign) = match alg {
        JwtAlg::HS256 => ("HS256", |k, m| {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(k).ok()?;
            mac.update(m);
            Some(mac.finalize().into_bytes().to_vec())
        }),
        JwtAlg::HS384 => ("HS384", |k, m| {
            let mut mac = Hmac::<sha2::Sha384>::new_from_slice(k).ok()?;
            mac.update(m);
            Some(mac.finalize().into_bytes().to_vec())
        }),
        JwtAlg::HS512 => ("HS512", |k, m| {
            let mut mac = Hmac::<sha2::Sha512>::new_from_slice(k).ok()?;
            mac.update(m);
            Some(mac.finalize().into_bytes().to_vec())
        }),
    };
    let header = json!({ "alg": name });
    let claims = json!({
        "iss": provider.client_id, "sub": provider.client_id, "aud": provider.token_endpoint,
        "jti": app.rng.id(21), "exp": now + 600, "iat": now,
    });
    let input = format!(
        "{}.{}",
        crate::jose::b64(header.to_string().as_bytes()),
        crate::jose::b64(claims.to_string().as_bytes())
    );
    let signature = sign(provider.client_secret.as_bytes(), input.as_bytes())
        .ok_or_else(|| SocialError::new(ErrorCode::General, "Failed to sign client secret JWT"))?;
    Ok(format!("{input}.{}", crate::jose::b64(&signature)))
}

/// The access token and its type (`Bearer` unless the provider says otherwise).
pub fn bearer(answer: &TokenAnswer) -> String {
    let kind = match answer.token_type() {
        BasicTokenType::Bearer => "Bearer".to_owned(),
        BasicTokenType::Mac => "MAC".to_owned(),
        BasicTokenType::Extension(other) => other.clone(),
    };
    format!("{kind} {}", answer.access_token().secret())
}

fn token_error(e: RequestTokenError<BridgeError, BasicErrorResponse>) -> SocialError {
    match e {
        RequestTokenError::ServerResponse(response) => {
            let error = response.error().as_ref().to_owned();
            let description = response.error_description().cloned().unwrap_or_else(|| error.clone());
            let code = match error.as_str() {
                // The code was wrong, used or expired, or the PKCE verifier did not match it.
                "invalid_grant" | "bad_verification_code" => ErrorCode::SocialAuthCodeInvalid,
                _ => ErrorCode::General,
            };
            SocialError::with_data(
                code,
                json!({ "error": error, "errorDescription": description, "message": description }),
            )
        }
        RequestTokenError::Request(e) => {
            SocialError::new(ErrorCode::General, format!("The token endpoint could not be reached: {}", e.0))
        }
        RequestTokenError::Parse(e, body) => SocialError::with_data(
            ErrorCode::InvalidResponse,
            json!({ "message": format!("The token response is invalid: {e}"), "body": String::from_utf8_lossy(&body) }),
        ),
        RequestTokenError::Other(message) => SocialError::new(ErrorCode::InvalidResponse, message),
    }
}

/// `oauth2`'s HTTP client, over the host's port.
struct Bridge<'a> {
    http: &'a dyn HttpClient,
}

#[derive(Debug)]
struct BridgeError(String);

impl std::fmt::Display for BridgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BridgeError {}

impl<'c> oauth2::AsyncHttpClient<'c> for Bridge<'_> {
    type Error = BridgeError;
    type Future = BoxFuture<'c, Result<oauth2::HttpResponse, BridgeError>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let response = self
                .http
                .send(http::Request::from_parts(parts, Bytes::from(body)))
                .await
                .map_err(|e| BridgeError(e.0))?;
            let (mut parts, raw) = response.into_parts();
            let (status, normalised) = normalise_token_answer(parts.status, &raw);
            parts.status = status;
            if let Some(json) = normalised {
                parts.headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
                parts.headers.remove(http::header::CONTENT_LENGTH);
                return Ok(http::Response::from_parts(parts, json));
            }
            Ok(http::Response::from_parts(parts, raw.to_vec()))
        })
    }
}

/// A token endpoint answer as `oauth2` expects it: JSON (form-encoded bodies converted, with
/// numeric `expires_in`), and an error status when a 200 carries only an `error`.
fn normalise_token_answer(status: http::StatusCode, body: &[u8]) -> (http::StatusCode, Option<Vec<u8>>) {
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => object,
        _ => match serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
            Ok(pairs) if pairs.iter().any(|(k, _)| k == "access_token" || k == "error") => pairs
                .into_iter()
                .map(|(k, v)| {
                    let value = match (k.as_str(), v.parse::<u64>()) {
                        ("expires_in", Ok(n)) => Value::from(n),
                        _ => Value::String(v),
                    };
                    (k, value)
                })
                .collect(),
            _ => return (status, None),
        },
    };
    let status = if status.is_success() && object.contains_key("error") && !object.contains_key("access_token") {
        http::StatusCode::BAD_REQUEST
    } else {
        status
    };
    (status, serde_json::to_vec(&Value::Object(object)).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_answers_are_normalised_to_json() {
        let (status, body) =
            normalise_token_answer(http::StatusCode::OK, b"access_token=a&token_type=bearer&expires_in=3600");
        assert_eq!(status, http::StatusCode::OK);
        let json: Value = serde_json::from_slice(&body.unwrap()).unwrap();
        assert_eq!(json, json!({"access_token": "a", "token_type": "bearer", "expires_in": 3600}));
        let (status, _) = normalise_token_answer(http::StatusCode::OK, br#"{"error":"bad_verification_code"}"#);
        assert_eq!(status, http::StatusCode::BAD_REQUEST);
        assert_eq!(normalise_token_answer(http::StatusCode::BAD_GATEWAY, b"<html>").1, None);
    }

    #[test]
    fn callbacks_need_the_sessions_state_and_a_code() {
        let session = ConnectorSession { state: Some("s1".into()), ..ConnectorSession::default() };
        let data = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(callback_code(&session, &data(json!({"code": "c", "state": "s1"}))).unwrap(), "c");
        let code = |v: Value| callback_code(&session, &data(v)).unwrap_err().code();
        assert_eq!(code(json!({"code": "c", "state": "s2"})), Some(ErrorCode::AuthorizationFailed));
        assert_eq!(code(json!({"code": "c"})), Some(ErrorCode::AuthorizationFailed));
        assert_eq!(code(json!({"error": "access_denied", "state": "s1"})), Some(ErrorCode::AuthorizationFailed));
        assert_eq!(code(json!({"error": "server_error"})), Some(ErrorCode::General));
        assert_eq!(code(json!({"state": "s1"})), Some(ErrorCode::General));
    }
}
