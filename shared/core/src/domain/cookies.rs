//! Signed cookies, Keygrip-style (what node-oidc-provider gets from Koa's `cookies` module):
//! the value cookie `<name>=<value>` plus `<name>.sig=<mac>`, where `mac` is the HMAC of
//! `<name>=<value>` under the newest cookie key. A cookie verifies when the MAC matches under
//! any kept key, so a rotation (`domain::cookie_keys`) does not sign everyone out.
//!
//! The MAC is HMAC-SHA-256 (Keygrip defaults to SHA-1): no browser or SDK reads `.sig`, so the
//! stronger hash costs nothing in compatibility. Values are percent-encoded so any string
//! (Logto's JSON cookie maps) is a valid cookie-octet sequence. Every signed cookie is
//! `Path=/; HttpOnly; SameSite=Lax`, plus `Secure` when the endpoint is https.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue, header};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use sha2::Sha256;

use super::cookie_keys::CookieKey;
use crate::error::Internal;
use crate::{App, Config, Response};

/// Characters that may not appear raw in a cookie value (RFC 6265 `cookie-octet`), plus `%`
/// so decoding is unambiguous.
const NOT_OCTET: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b',').add(b';').add(b'\\').add(b'%').add(b'=');

/// The suffix of the signature cookie (Keygrip's).
const SIG_SUFFIX: &str = ".sig";

/// The cookie keys to sign with (created on first use), from the per-isolate cache while it is
/// fresh. A handler that verifies a request's cookies uses [`keys_for`].
pub async fn keys(app: &App) -> Result<Arc<[CookieKey]>, Internal> {
    keys_for(app, &HeaderMap::new()).await
}

/// The cookie keys to sign and verify this request's cookies with (created on first use), from
/// the per-isolate cache while it is fresh and every signed cookie of `headers` verifies under
/// it; else read again (see `domain::cookie_keys` for the bounds).
pub async fn keys_for(app: &App, headers: &HeaderMap) -> Result<Arc<[CookieKey]>, Internal> {
    use super::cookie_keys::{MAX_AGE_MS, UNKNOWN_SIGNATURE_REFRESH_MS};
    let now = app.clock.now_ms();
    if let Some(loaded) = app.cookie_keys.cached() {
        let age = now.saturating_sub(loaded.loaded_at);
        if (0..MAX_AGE_MS).contains(&age)
            && (age < UNKNOWN_SIGNATURE_REFRESH_MS || signed_cookies_verify(headers, &loaded.keys))
        {
            return Ok(loaded.keys.clone());
        }
    }
    let keys: Arc<[CookieKey]> = super::cookie_keys::find_or_create(app).await?.0.into();
    app.cookie_keys.put(keys.clone(), now);
    Ok(keys)
}

/// Whether every signed cookie in `headers` (a `<name>.sig` beside `<name>`) verifies under `keys`.
fn signed_cookies_verify(headers: &HeaderMap, keys: &[CookieKey]) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('=').map(|(k, _)| k.trim()))
        .filter_map(|name| name.strip_suffix(SIG_SUFFIX))
        .all(|name| raw(headers, name).is_none() || read(headers, name, keys).is_some())
}

/// Whether cookies for this deployment get `Secure` (the endpoint is https).
pub fn secure(config: &Config) -> bool {
    config.endpoint.starts_with("https://")
}

/// The raw value of cookie `name` in the request's `Cookie` headers (the first one, as Koa).
pub fn raw<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim())
}

/// The decoded value of signed cookie `name`, if present and its signature verifies under one
/// of `keys`. A missing, unsigned or tampered cookie is `None`: callers treat all alike.
pub fn read(headers: &HeaderMap, name: &str, keys: &[CookieKey]) -> Option<String> {
    let value = raw(headers, name)?;
    let sig = raw(headers, &format!("{name}{SIG_SUFFIX}"))?;
    let sig = base64_decode(sig)?;
    let data = format!("{name}={value}");
    let verified = keys.iter().any(|key| mac(key, &data).is_some_and(|m| m.verify_slice(&sig).is_ok()));
    if !verified {
        return None;
    }
    percent_decode_str(value).decode_utf8().ok().map(|v| v.into_owned())
}

/// How long a cookie lives in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Until the browser closes.
    Session,
    /// `Max-Age` in seconds.
    Seconds(i64),
}

/// The two `Set-Cookie` values of a signed cookie (value, then signature), signed with the
/// newest key. `None` only when there is no key (the store always has one).
pub fn signed(
    name: &str,
    value: &str,
    keys: &[CookieKey],
    lifetime: Lifetime,
    secure: bool,
) -> Option<[HeaderValue; 2]> {
    let encoded = utf8_percent_encode(value, NOT_OCTET).to_string();
    let data = format!("{name}={encoded}");
    let signature = base64_encode(&mac(keys.first()?, &data)?.finalize().into_bytes());
    Some([
        set_cookie(name, &encoded, lifetime, secure)?,
        set_cookie(&format!("{name}{SIG_SUFFIX}"), &signature, lifetime, secure)?,
    ])
}

/// `Set-Cookie` values that delete signed cookie `name` (and its signature).
pub fn cleared(name: &str, secure: bool) -> [HeaderValue; 2] {
    let expire = |n: &str| {
        HeaderValue::from_str(&format!(
            "{n}=; {}; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            attributes(Lifetime::Seconds(0), secure)
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
    };
    [expire(name), expire(&format!("{name}{SIG_SUFFIX}"))]
}

/// A plain (unsigned, script-readable) cookie: Logto's `_logto` experience cookie, which the
/// sign-in page reads.
pub fn plain(name: &str, value: &str, secure: bool) -> Option<HeaderValue> {
    let encoded = utf8_percent_encode(value, NOT_OCTET).to_string();
    let mut attrs = String::from("Path=/; SameSite=Lax");
    if secure {
        attrs.push_str("; Secure");
    }
    HeaderValue::from_str(&format!("{name}={encoded}; {attrs}")).ok()
}

/// Append `Set-Cookie` values to a response. A later value for a cookie name replaces an
/// earlier one in the same response (a clear followed by a new value sends only the value):
/// browsers would apply them in order anyway, but clients that replay raw `Set-Cookie` lines
/// (Logto's integration-test client) send both, and the server reads the first.
pub fn append(response: &mut Response, values: impl IntoIterator<Item = HeaderValue>) {
    fn name(value: &HeaderValue) -> Option<&str> {
        value.to_str().ok()?.split_once('=').map(|(n, _)| n.trim())
    }
    for value in values {
        let headers = response.headers_mut();
        if let Some(new) = name(&value)
            && headers.get_all(header::SET_COOKIE).iter().any(|v| name(v) == Some(new))
        {
            let kept: Vec<HeaderValue> =
                headers.get_all(header::SET_COOKIE).iter().filter(|v| name(v) != Some(new)).cloned().collect();
            headers.remove(header::SET_COOKIE);
            for v in kept {
                headers.append(header::SET_COOKIE, v);
            }
        }
        headers.append(header::SET_COOKIE, value);
    }
}

fn set_cookie(name: &str, value: &str, lifetime: Lifetime, secure: bool) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{name}={value}; {}", attributes(lifetime, secure))).ok()
}

fn attributes(lifetime: Lifetime, secure: bool) -> String {
    let mut out = String::from("Path=/");
    if let Lifetime::Seconds(s) = lifetime {
        out.push_str(&format!("; Max-Age={}", s.max(0)));
    }
    out.push_str("; HttpOnly; SameSite=Lax");
    if secure {
        out.push_str("; Secure");
    }
    out
}

fn mac(key: &CookieKey, data: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.value.as_bytes()).ok()?;
    mac.update(data.as_bytes());
    Some(mac)
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(value: &str) -> CookieKey {
        CookieKey { id: value.into(), value: value.into(), created_at: 0 }
    }

    /// A request's `Cookie` header from the `Set-Cookie` values a response sent.
    fn cookie_header(set: &[HeaderValue]) -> HeaderMap {
        let pairs: Vec<&str> = set.iter().map(|v| v.to_str().unwrap().split(';').next().unwrap()).collect();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&pairs.join("; ")).unwrap());
        headers
    }

    #[test]
    fn a_signed_cookie_round_trips_and_survives_one_rotation() {
        let value = r#"{"app":"uid 1","_legacy":"uid;2"}"#;
        let set = signed("_interaction", value, &[key("k1")], Lifetime::Seconds(3600), false).unwrap();
        let text = set[0].to_str().unwrap();
        assert!(text.starts_with("_interaction="));
        assert!(text.ends_with("; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax"), "{text}");
        assert!(set[1].to_str().unwrap().starts_with("_interaction.sig="));
        let headers = cookie_header(&set);
        assert_eq!(read(&headers, "_interaction", &[key("k1")]).as_deref(), Some(value));
        // After a rotation the old key still verifies; once it is dropped, nothing does.
        assert_eq!(read(&headers, "_interaction", &[key("k2"), key("k1")]).as_deref(), Some(value));
        assert_eq!(read(&headers, "_interaction", &[key("k2")]), None);
    }

    #[test]
    fn tampered_unsigned_and_renamed_cookies_do_not_verify() {
        let keys = [key("k1")];
        let set = signed("_session", "abc", &keys, Lifetime::Session, true).unwrap();
        assert!(set[0].to_str().unwrap().ends_with("; Path=/; HttpOnly; SameSite=Lax; Secure"));
        let sig = set[1].to_str().unwrap().split(';').next().unwrap().to_owned();
        for cookie in [
            format!("_session=abd; {sig}"),
            "_session=abc".to_owned(),
            format!("_session=abc; {}", sig.replace("_session.sig=", "_session.sig=AAAA")),
            "_session=abc; _session.sig=!!!".to_owned(),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, HeaderValue::from_str(&cookie).unwrap());
            assert_eq!(read(&headers, "_session", &keys), None, "{cookie}");
        }
        // A signature is bound to the cookie's name.
        let mut headers = HeaderMap::new();
        let moved = sig.replace("_session.sig=", "_other.sig=");
        headers.insert(header::COOKIE, HeaderValue::from_str(&format!("_other=abc; {moved}")).unwrap());
        assert_eq!(read(&headers, "_other", &keys), None);
    }

    #[test]
    fn cleared_cookies_expire_both_halves() {
        let [value, sig] = cleared("_session", false);
        assert!(value.to_str().unwrap().starts_with("_session=; Path=/; Max-Age=0;"));
        assert!(sig.to_str().unwrap().starts_with("_session.sig=; Path=/; Max-Age=0;"));
    }

    #[test]
    fn a_later_value_of_a_cookie_replaces_an_earlier_one_in_the_same_response() {
        let mut response = Response::new(bytes::Bytes::new());
        let keys = [key("k1")];
        append(&mut response, cleared("_interaction_resume", false));
        append(&mut response, plain("_logto", "{}", false));
        append(&mut response, signed("_interaction_resume", "uid", &keys, Lifetime::Session, false).unwrap());
        let set: Vec<&str> =
            response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(set.len(), 3, "{set:?}");
        assert!(set.iter().any(|v| v.starts_with("_logto=")));
        assert!(set.iter().any(|v| v.starts_with("_interaction_resume=uid;")), "{set:?}");
        assert!(!set.iter().any(|v| v.starts_with("_interaction_resume=;")), "{set:?}");
    }
}
