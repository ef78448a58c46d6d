//! Client authentication at the token, introspection and revocation endpoints, as
//! node-oidc-provider does it (`lib/shared/client_auth.js`) with Logto's multi-secret check
//! (`koa-app-secret-transpilation.ts`):
//!
//! - exactly one mechanism: an `Authorization` header, a `client_secret` body parameter, or
//!   neither (public clients send only `client_id`); `client_id` in both places must match;
//! - `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1);
//! - unknown client → 400 `invalid_client` "invalid client <id>" (Logto's client adapter);
//! - wrong secret, or a mechanism the client is not registered for → 401 `invalid_client`
//!   "client authentication failed" (upstream hides which), with
//!   `WWW-Authenticate: Basic realm="<issuer>", ...` whenever an `Authorization` header was sent;
//! - a secret that matches an expired one → 400 `invalid_request` "client secret has expired".

use base64::Engine as _;
use http::HeaderMap;

use crate::App;
use crate::domain::application::{self, ApplicationRecord, ApplicationType, SecretCheck};
use crate::error::{OAuthError, OAuthErrorCode};
use crate::http::FormParams;

/// How a client is registered to authenticate (Logto derives it from the application type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Public clients (Native, SPA).
    None,
    /// Confidential clients; `client_secret_post` is accepted as well (oidc-provider treats
    /// basic and post as interchangeable).
    ClientSecretBasic,
}

impl AuthMethod {
    /// `None` for applications that are not OIDC clients at all (SAML apps).
    pub fn of(app_type: ApplicationType) -> Option<Self> {
        match app_type {
            ApplicationType::Native | ApplicationType::Spa => Some(AuthMethod::None),
            ApplicationType::Traditional | ApplicationType::MachineToMachine | ApplicationType::Protected => {
                Some(AuthMethod::ClientSecretBasic)
            }
            ApplicationType::Saml => None,
        }
    }
}

/// What the request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials<'a> {
    pub client_id: std::borrow::Cow<'a, str>,
    /// `Some` for `client_secret_basic`/`client_secret_post`, `None` for `none`.
    pub secret: Option<std::borrow::Cow<'a, str>>,
    /// An `Authorization` header was sent: 401s carry `WWW-Authenticate`.
    pub has_authorization_header: bool,
}

/// An authenticated client.
#[derive(Debug, Clone)]
pub struct Client {
    pub record: ApplicationRecord,
    pub method: AuthMethod,
}

impl Client {
    pub fn id(&self) -> &str {
        &self.record.app.id
    }
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::invalid_request(description)
}

const BAD_HEADER: &str = "invalid authorization header value format";

/// Read the presented credentials (no store access): every `invalid_request` case of
/// client authentication is decided here.
pub fn parse<'a>(headers: &'a HeaderMap, params: &'a FormParams) -> Result<Credentials<'a>, OAuthError> {
    let client_id = params.single("client_id").map_err(|e| invalid_request(&e))?;
    let client_secret = params.single("client_secret").map_err(|e| invalid_request(&e))?;
    let assertion = params.single("client_assertion").map_err(|e| invalid_request(&e))?;
    let authorization = headers.get(http::header::AUTHORIZATION);
    let mechanisms = [authorization.is_some(), assertion.is_some(), client_secret.is_some()];
    if mechanisms.iter().filter(|present| **present).count() > 1 {
        return Err(invalid_request("client authentication must only be provided using one mechanism"));
    }
    let has_authorization_header = authorization.is_some();
    if let Some(secret) = client_secret {
        let client_id = client_id.ok_or_else(|| invalid_request("no client authentication mechanism provided"))?;
        return Ok(Credentials { client_id: client_id.into(), secret: Some(secret.into()), has_authorization_header });
    }
    if let Some(header) = authorization {
        let (basic_id, secret) = parse_basic(header.as_bytes())?;
        if client_id.is_some_and(|id| id != basic_id) {
            return Err(invalid_request("client_id mismatch"));
        }
        if secret.is_empty() {
            return Err(invalid_request("client_secret must be provided in the Authorization header"));
        }
        if basic_id.is_empty() {
            return Err(invalid_request("no client authentication mechanism provided"));
        }
        return Ok(Credentials { client_id: basic_id.into(), secret: Some(secret.into()), has_authorization_header });
    }
    if assertion.is_some() {
        // JWT client assertions (client_secret_jwt / private_key_jwt) are not offered: no
        // edgeid client is registered for them, which upstream answers with a 401.
        return Err(auth_failed());
    }
    let client_id = client_id.ok_or_else(|| invalid_request("no client authentication mechanism provided"))?;
    Ok(Credentials { client_id: client_id.into(), secret: None, has_authorization_header })
}

/// Standard base64 with or without padding, trailing bits allowed (built once: it is on every
/// token request).
const BASIC_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// `Basic <base64(urlencode(id):urlencode(secret))>`.
fn parse_basic(value: &[u8]) -> Result<(String, String), OAuthError> {
    let value = std::str::from_utf8(value).map_err(|_| invalid_request(BAD_HEADER))?;
    let mut parts = value.split(' ');
    let (Some(scheme), Some(token), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid_request(BAD_HEADER));
    };
    if !scheme.eq_ignore_ascii_case("basic") || !valid_base64(token) {
        return Err(invalid_request(BAD_HEADER));
    }
    let decoded = BASIC_BASE64.decode(token).map_err(|_| invalid_request(BAD_HEADER))?;
    let decoded = String::from_utf8_lossy(&decoded);
    let (id, secret) = decoded.split_once(':').ok_or_else(|| invalid_request(BAD_HEADER))?;
    let not_encoded =
        || invalid_request("client_id and client_secret in the authorization header are not properly encoded");
    Ok((form_decode(id).ok_or_else(not_encoded)?, form_decode(secret).ok_or_else(not_encoded)?))
}

/// oidc-provider's `isValidBase64`: standard alphabet, correct padding if any, non-empty.
fn valid_base64(input: &str) -> bool {
    let body = input.trim_end_matches('=');
    let padding = input.len() - body.len();
    if body.is_empty() || padding > 2 || !body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/') {
        return false;
    }
    let remainder = body.len() % 4;
    if padding == 0 { remainder != 1 } else { input.len().is_multiple_of(4) && padding == 4 - remainder }
}

/// RFC 6749 appendix B decoding (`+` is a space, `%XX` escapes), then only visible ASCII and
/// space (`VSCHAR`) are allowed. Malformed escapes and invalid UTF-8 are refused.
fn form_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    let text = String::from_utf8(out).ok()?;
    text.chars().all(|c| (' '..='~').contains(&c)).then_some(text)
}

/// 401 `invalid_client` "client authentication failed" (+ `WWW-Authenticate` when the client
/// sent an `Authorization` header; filled in by [`authenticate`], which knows the issuer).
fn auth_failed() -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidClient, "client authentication failed")
}

/// Authenticate the client of a request: one store read (the application record).
pub async fn authenticate(app: &App, headers: &HeaderMap, params: &FormParams) -> Result<Client, OAuthError> {
    let credentials = parse(headers, params)?;
    let has_header = credentials.has_authorization_header;
    check(app, headers, credentials).await.map_err(|e| {
        if e.status() == http::StatusCode::UNAUTHORIZED && has_header {
            let issuer = app.config.issuer();
            let value = format!(
                r#"Basic realm="{}", error="{}", error_description="{}""#,
                quoted(&issuer),
                e.code.as_str(),
                quoted(&e.description)
            );
            e.with_www_authenticate(value)
        } else {
            e
        }
    })
}

fn quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

async fn check(app: &App, headers: &HeaderMap, credentials: Credentials<'_>) -> Result<Client, OAuthError> {
    let unknown = || {
        OAuthError::new(OAuthErrorCode::InvalidClient, format!("invalid client {}", credentials.client_id))
            .with_status(http::StatusCode::BAD_REQUEST)
    };
    let record = application::find(app.store.as_ref(), &credentials.client_id).await?.ok_or_else(unknown)?.value;
    let method = AuthMethod::of(record.app.app_type).ok_or_else(unknown)?;
    super::cors::check_client(app, headers, &record)?;
    match (method, credentials.secret.as_deref()) {
        (AuthMethod::None, None) => {}
        (AuthMethod::ClientSecretBasic, Some(secret)) => match record.verify_secret(secret, app.clock.now_ms()) {
            SecretCheck::Valid => {}
            SecretCheck::Expired => return Err(invalid_request("client secret has expired")),
            SecretCheck::Wrong => return Err(auth_failed()),
        },
        // A public client presenting a secret, or a confidential one presenting none.
        _ => return Err(auth_failed()),
    }
    Ok(Client { record, method })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(body: &str) -> FormParams {
        FormParams(serde_urlencoded::from_str(body).unwrap())
    }

    fn headers(authorization: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = authorization {
            h.insert(http::header::AUTHORIZATION, v.parse().unwrap());
        }
        h
    }

    fn basic(raw: &str) -> String {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    }

    #[track_caller]
    fn check_parse(authorization: Option<&str>, body: &str, expected: Result<(&str, Option<&str>), &str>) {
        let h = headers(authorization);
        let p = params(body);
        let got = parse(&h, &p).map(|c| (c.client_id.into_owned(), c.secret.map(|s| s.into_owned())));
        match expected {
            Ok((id, secret)) => assert_eq!(got, Ok((id.to_owned(), secret.map(str::to_owned)))),
            Err(description) => {
                let e = got.unwrap_err();
                assert_eq!((e.code, e.description.as_str()), (OAuthErrorCode::InvalidRequest, description));
                assert_eq!(e.status(), http::StatusCode::BAD_REQUEST);
            }
        }
    }

    #[test]
    fn presented_credentials_are_read_like_upstream() {
        check_parse(Some(&basic("app:secret")), "", Ok(("app", Some("secret"))));
        check_parse(Some(&basic("app:secret")), "client_id=app", Ok(("app", Some("secret"))));
        check_parse(Some(&basic("a%20b+c:s%3Ae%25t")), "", Ok(("a b c", Some("s:e%t"))));
        check_parse(Some(&basic("app:pa:ss")), "", Ok(("app", Some("pa:ss"))));
        check_parse(Some(&format!("basic {}", &basic("app:secret")[6..])), "", Ok(("app", Some("secret"))));
        // Unpadded base64 is valid as long as the length allows it.
        check_parse(Some("Basic YXBwOnNlY3JldA"), "", Ok(("app", Some("secret"))));
        check_parse(None, "client_id=app&client_secret=secret", Ok(("app", Some("secret"))));
        check_parse(None, "client_id=app", Ok(("app", None)));
    }

    #[test]
    fn every_invalid_request_case_is_described() {
        let one = "client authentication must only be provided using one mechanism";
        check_parse(Some(&basic("app:secret")), "client_id=app&client_secret=secret", Err(one));
        check_parse(Some("Bearer x"), "client_id=app&client_secret=secret", Err(one));
        check_parse(None, "client_id=app&client_secret=s&client_assertion=x", Err(one));
        check_parse(Some(&basic("app:secret")), "client_id=other", Err("client_id mismatch"));
        check_parse(None, "", Err("no client authentication mechanism provided"));
        check_parse(None, "client_secret=s", Err("no client authentication mechanism provided"));
        check_parse(Some(&basic("app:")), "", Err("client_secret must be provided in the Authorization header"));
        let bad = "invalid authorization header value format";
        check_parse(Some("Bearer abc"), "", Err(bad));
        check_parse(Some("Basic"), "", Err(bad));
        check_parse(Some("Basic a b"), "", Err(bad));
        check_parse(Some("Basic !!!!"), "", Err(bad));
        check_parse(Some("Basic YQ=="), "", Err(bad)); // "a": no colon
        check_parse(Some("Basic YXBwOnNlY3JldA="), "", Err(bad)); // wrong padding
        check_parse(Some("Basic Y"), "", Err(bad));
        let encoding = "client_id and client_secret in the authorization header are not properly encoded";
        check_parse(Some(&basic("app:%zz")), "", Err(encoding));
        check_parse(Some(&basic("app:%C3%A9")), "", Err(encoding)); // é is not VSCHAR
        check_parse(Some(&basic("app:tab\there")), "", Err(encoding));
        check_parse(None, "client_id=a&client_id=a", Err("'client_id' parameter must not be provided twice"));
        check_parse(
            None,
            "client_id=a&client_secret=s&client_secret=s",
            Err("'client_secret' parameter must not be provided twice"),
        );
    }

    #[test]
    fn assertions_are_not_an_offered_mechanism() {
        let h = headers(None);
        let p = params(
            "client_assertion=x&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
        );
        let e = parse(&h, &p).unwrap_err();
        assert_eq!((e.code, e.status()), (OAuthErrorCode::InvalidClient, http::StatusCode::UNAUTHORIZED));
    }
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod http_tests {
    use http::StatusCode;
    use serde_json::Value;

    use crate::testing::{self, call, post_form, seed::*};

    const CC: &str = "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com";

    #[track_caller]
    fn assert_error(got: &(StatusCode, http::HeaderMap, Value), status: u16, error: &str, description: &str) {
        assert_eq!(got.0, status, "{:?}", got.2);
        assert_eq!(got.2["error"], error);
        assert_eq!(got.2["code"], format!("oidc.{error}"));
        assert_eq!(got.2["error_description"], description);
        assert_eq!(got.1["cache-control"], "no-store");
    }

    #[tokio::test]
    async fn confidential_clients_authenticate_with_basic_or_post() {
        let app = testing::app();
        testing::seed(&app).await;
        let (status, _, body) = call(&app, post_form("/oidc/token", Some((M2M, M2M_SECRET)), CC)).await;
        assert_eq!(status, 200, "{body}");
        let post = format!("{CC}&client_id={M2M}&client_secret={M2M_SECRET}");
        let (status, _, body) = call(&app, post_form("/oidc/token", None, &post)).await;
        assert_eq!(status, 200, "{body}");
        // Basic plus a matching body client_id (what @logto/node sends).
        let (status, _, _) =
            call(&app, post_form("/oidc/token", Some((M2M, M2M_SECRET)), &format!("{CC}&client_id={M2M}"))).await;
        assert_eq!(status, 200);
    }

    #[tokio::test]
    async fn every_client_authentication_failure_has_its_answer() {
        let app = testing::app();
        testing::seed(&app).await;
        let issuer = app.config.issuer();
        let www = format!(
            r#"Basic realm="{issuer}", error="invalid_client", error_description="client authentication failed""#
        );

        // Wrong secret over Basic: 401 with WWW-Authenticate.
        let got = call(&app, post_form("/oidc/token", Some((M2M, "wrong")), CC)).await;
        assert_error(&got, 401, "invalid_client", "client authentication failed");
        assert_eq!(got.1["www-authenticate"], www.as_str());
        // Wrong secret in the body: 401 without it.
        let got =
            call(&app, post_form("/oidc/token", None, &format!("{CC}&client_id={M2M}&client_secret=wrong"))).await;
        assert_error(&got, 401, "invalid_client", "client authentication failed");
        assert!(got.1.get("www-authenticate").is_none());
        // Unknown client: 400.
        let got = call(&app, post_form("/oidc/token", Some(("nobody", "x")), CC)).await;
        assert_error(&got, 400, "invalid_client", "invalid client nobody");
        // Expired secret: 400 invalid_request.
        let got = call(&app, post_form("/oidc/token", Some((M2M, EXPIRED_SECRET)), CC)).await;
        assert_error(&got, 400, "invalid_request", "client secret has expired");
        // Confidential client without a secret; public client with one.
        let got = call(&app, post_form("/oidc/token", None, &format!("{CC}&client_id={M2M}"))).await;
        assert_error(&got, 401, "invalid_client", "client authentication failed");
        let got = call(&app, post_form("/oidc/token", Some((SPA, "x")), CC)).await;
        assert_error(&got, 401, "invalid_client", "client authentication failed");
        assert_eq!(got.1["www-authenticate"], www.as_str());
        // Another app's secret does not authenticate this one.
        let got = call(&app, post_form("/oidc/token", Some((M2M, WEB_SECRET)), CC)).await;
        assert_error(&got, 401, "invalid_client", "client authentication failed");
        // Two mechanisms, id mismatch, none at all.
        let got = call(&app, post_form("/oidc/token", Some((M2M, M2M_SECRET)), &format!("{CC}&client_secret=x"))).await;
        assert_error(&got, 400, "invalid_request", "client authentication must only be provided using one mechanism");
        let got = call(&app, post_form("/oidc/token", Some((M2M, M2M_SECRET)), &format!("{CC}&client_id={WEB}"))).await;
        assert_error(&got, 400, "invalid_request", "client_id mismatch");
        let got = call(&app, post_form("/oidc/token", None, CC)).await;
        assert_error(&got, 400, "invalid_request", "no client authentication mechanism provided");
    }

    #[tokio::test]
    async fn urlencoded_basic_credentials_are_decoded() {
        let app = testing::app();
        testing::seed(&app).await;
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
        let mut record = crate::domain::application::find(app.store.as_ref(), M2M).await.unwrap().unwrap();
        let next = {
            let mut n = record.value.clone();
            n.secrets.push(crate::domain::application::StoredSecret::new("odd".into(), "a b:c%", testing::T0, None));
            n
        };
        crate::domain::application::update(app.store.as_ref(), &record, &next, Vec::new()).await.unwrap();
        record = crate::domain::application::find(app.store.as_ref(), M2M).await.unwrap().unwrap();
        assert_eq!(record.value.secrets.len(), 3);
        let (status, _, body) = call(&app, post_form("/oidc/token", Some((M2M, "a+b%3Ac%25")), CC)).await;
        assert_eq!(status, 200, "{body}");
    }
}
