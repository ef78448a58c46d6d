//! ID token validation for OpenID Connect connectors (OIDC Core §3.1.3.7): the signature
//! against the provider's JWKS (fetched through the host's HTTP client; ES256, ES384 or RS256,
//! the key chosen by `kid` and fitting the algorithm, so `none`, HMAC and key-type confusion
//! are refused), then `iss` (when configured), `aud` (the client id), `exp` / `iat` / `nbf`
//! within the clock tolerance, and the `nonce` this sign-in sent.

use serde_json::{Map, Value};

use super::{ErrorCode, SocialError};
use crate::App;
use crate::jose::{self, Jwk, Jwks};

/// What the token must satisfy.
pub struct Expectations<'a> {
    pub jwks_uri: &'a str,
    /// Accepted `iss` values; empty when the connector config names none (Logto's `issuer` is
    /// optional, and then not checked).
    pub issuers: Vec<String>,
    /// The client id: `aud` must be it or contain it.
    pub audience: &'a str,
    /// Accepted `alg` values, when the config restricts them.
    pub algorithms: Option<Vec<String>>,
    /// Seconds of clock skew tolerated on `exp`, `iat` and `nbf`.
    pub clock_tolerance: i64,
    /// Oldest acceptable `iat`, in seconds, when configured (`maxTokenAge`).
    pub max_token_age: Option<i64>,
    /// The nonce sent with the authorization request: the token must carry exactly it.
    pub nonce: Option<&'a str>,
}

fn invalid(message: impl Into<String>) -> SocialError {
    SocialError::new(ErrorCode::SocialIdTokenInvalid, message)
}

/// The verified claims.
pub async fn verify(app: &App, token: &str, expect: &Expectations<'_>) -> Result<Map<String, Value>, SocialError> {
    let decoded = jose::decode_unverified(token).map_err(|e| invalid(format!("ID token rejected: {e}")))?;
    if let Some(allowed) = &expect.algorithms
        && !allowed.iter().any(|a| a == decoded.alg.as_str())
    {
        return Err(invalid(format!("ID token algorithm {} is not allowed", decoded.alg.as_str())));
    }
    let jwks = fetch_jwks(app, expect.jwks_uri).await?;
    let key = select_key(&jwks, decoded.header.kid.as_deref(), decoded.alg)
        .ok_or_else(|| invalid("No key in the provider's JWKS matches the ID token"))?;
    jose::verify_signature(app.crypto.as_ref(), &decoded, key).await.map_err(|e| match e {
        jose::JwsError::Crypto(e) => SocialError::new(ErrorCode::General, format!("ID token verification failed: {e}")),
        other => invalid(format!("ID token rejected: {other}")),
    })?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&decoded.payload).map_err(|_| invalid("ID token payload is not a JSON object"))?;
    check_claims(&claims, app.clock.now_ms() / 1000, expect)?;
    Ok(claims)
}

/// The key for `kid` (any key fitting `alg` when the token names none).
fn select_key<'a>(jwks: &'a Jwks, kid: Option<&str>, alg: jose::Alg) -> Option<&'a Jwk> {
    jwks.keys.iter().find(|k| {
        (kid.is_none() || k.kid.as_deref() == kid)
            && alg.fits(k)
            && k.use_.as_deref().is_none_or(|u| u == "sig")
            && k.alg.as_deref().is_none_or(|a| a == alg.as_str())
    })
}

async fn fetch_jwks(app: &App, uri: &str) -> Result<Jwks, SocialError> {
    let http = app
        .http_client
        .as_deref()
        .ok_or_else(|| SocialError::new(ErrorCode::NotImplemented, "This host cannot make outgoing HTTP requests."))?;
    let request = http::Request::get(uri)
        .header(http::header::ACCEPT, "application/json")
        .body(bytes::Bytes::new())
        .map_err(|_| SocialError::new(ErrorCode::InvalidRequestParameters, format!("Invalid jwksUri: {uri}")))?;
    let response = http.send(request).await.map_err(|e| {
        SocialError::new(ErrorCode::General, format!("The provider's JWKS could not be fetched: {}", e.0))
    })?;
    if !response.status().is_success() {
        return Err(SocialError::new(
            ErrorCode::General,
            format!("The provider's JWKS could not be fetched: HTTP {}", response.status().as_u16()),
        ));
    }
    serde_json::from_slice(response.body())
        .map_err(|_| SocialError::new(ErrorCode::InvalidResponse, "The provider's JWKS is not a JWK Set"))
}

fn check_claims(claims: &Map<String, Value>, now: i64, expect: &Expectations<'_>) -> Result<(), SocialError> {
    let tolerance = expect.clock_tolerance.max(0);
    if !expect.issuers.is_empty() {
        let iss = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
        if !expect.issuers.iter().any(|i| i == iss) {
            return Err(invalid(format!("unexpected \"iss\" claim value: {iss}")));
        }
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == expect.audience,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(expect.audience)),
        _ => false,
    };
    if !audience_ok {
        return Err(invalid("unexpected \"aud\" claim value"));
    }
    let time = |name: &str| claims.get(name).and_then(Value::as_i64);
    match time("exp") {
        Some(exp) if now - tolerance < exp => {}
        Some(_) => return Err(invalid("\"exp\" claim timestamp check failed")),
        None => return Err(invalid("missing required \"exp\" claim")),
    }
    let Some(iat) = time("iat") else {
        return Err(invalid("missing required \"iat\" claim"));
    };
    if iat > now + tolerance {
        return Err(invalid("\"iat\" claim timestamp check failed (in the future)"));
    }
    if let Some(max_age) = expect.max_token_age
        && now - iat > max_age + tolerance
    {
        return Err(invalid("\"iat\" claim timestamp check failed (too far in the past)"));
    }
    if let Some(nbf) = time("nbf")
        && nbf > now + tolerance
    {
        return Err(invalid("\"nbf\" claim timestamp check failed"));
    }
    // OIDC Core §3.1.3.7 (11): a nonce sent must come back, unchanged. (Logto only compares
    // when the token carries one; a token without it is refused here.)
    if let Some(nonce) = expect.nonce {
        let got = claims.get("nonce").and_then(Value::as_str).unwrap_or_default();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(nonce.as_bytes(), got.as_bytes())) {
            return Err(invalid("ID Token validation failed due to `nonce` mismatch."));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn expect(nonce: Option<&'static str>) -> Expectations<'static> {
        Expectations {
            jwks_uri: "https://idp/jwks",
            issuers: vec!["https://idp".into()],
            audience: "client",
            algorithms: None,
            clock_tolerance: 60,
            max_token_age: None,
            nonce,
        }
    }

    #[track_caller]
    fn check(claims: Value, expect: &Expectations<'_>, ok: bool) {
        let got = check_claims(claims.as_object().unwrap(), 1000, expect);
        assert_eq!(got.is_ok(), ok, "{claims} {got:?}");
        if let Err(e) = got {
            assert_eq!(e.code(), Some(ErrorCode::SocialIdTokenInvalid));
        }
    }

    #[test]
    fn claims_are_checked_as_oidc_core_says() {
        let e = expect(Some("n1"));
        let good = json!({"iss": "https://idp", "aud": "client", "exp": 1100, "iat": 990, "nonce": "n1", "sub": "s"});
        check(good.clone(), &e, true);
        let with = |k: &str, v: Value| {
            let mut c = good.clone();
            c[k] = v;
            c
        };
        check(with("iss", json!("https://evil")), &e, false);
        check(with("aud", json!("other")), &e, false);
        check(with("aud", json!(["other", "client"])), &e, true);
        check(with("exp", json!(950)), &e, true); // within the 60 s tolerance
        check(with("exp", json!(900)), &e, false);
        check(with("iat", json!(1050)), &e, true);
        check(with("iat", json!(1100)), &e, false);
        check(with("nbf", json!(1100)), &e, false);
        check(with("nonce", json!("n2")), &e, false);
        let mut no_nonce = good.clone();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        check(no_nonce, &e, false);
        let mut no_exp = good.clone();
        no_exp.as_object_mut().unwrap().remove("exp");
        check(no_exp, &e, false);
        // No issuer configured: any `iss`.
        check(with("iss", json!("https://other")), &Expectations { issuers: vec![], ..expect(Some("n1")) }, true);
    }

    #[test]
    fn keys_are_chosen_by_kid_and_algorithm() {
        let ec = Jwk::ec("P-256", &[1; 32], &[2; 32]).published("k1", jose::Alg::ES256);
        let rsa = Jwk::rsa(&[3; 256], &[1, 0, 1]).published("k2", jose::Alg::RS256);
        let jwks = Jwks { keys: vec![ec, rsa] };
        assert_eq!(select_key(&jwks, Some("k2"), jose::Alg::RS256).and_then(|k| k.kid.as_deref()), Some("k2"));
        assert!(select_key(&jwks, Some("k1"), jose::Alg::RS256).is_none());
        assert_eq!(select_key(&jwks, None, jose::Alg::ES256).and_then(|k| k.kid.as_deref()), Some("k1"));
        assert!(select_key(&jwks, Some("k3"), jose::Alg::ES256).is_none());
    }
}
