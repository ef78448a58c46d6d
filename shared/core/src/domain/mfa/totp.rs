//! TOTP (RFC 6238 over RFC 4226 HOTP) as Logto configures otplib: HMAC-SHA-1, 6 digits,
//! 30-second steps, a code accepted for the current step and one step either side
//! (`window: 1`). Secrets are 20 random bytes in unpadded base32 (32 characters).
//!
//! [`matching_step`] returns the step a code belongs to, so the caller can refuse a step it
//! has already accepted (replay) — see [`super::use_totp`].

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq as _;

use crate::ports::{Millis, Rng};

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one.
pub const WINDOW: i64 = 1;
const SECRET_BYTES: usize = 20;

/// A fresh secret: 20 random bytes, base32 without padding (Logto's `generateTotpSecret`).
pub fn generate_secret(rng: &dyn Rng) -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rng.fill(&mut bytes);
    BASE32_NOPAD.encode(&bytes)
}

/// Logto's `validateTotpSecret`: 16–32 characters of upper-case base32, padded correctly.
pub fn validate_secret(secret: &str) -> bool {
    if !(16..=32).contains(&secret.len()) {
        return false;
    }
    let body = secret.trim_end_matches('=');
    let pad = secret.len() - body.len();
    let alphabet = |c: char| c.is_ascii_uppercase() || ('2'..='7').contains(&c);
    if !body.chars().all(alphabet) {
        return false;
    }
    // Whole 8-character groups, or a last group of 2/4/5/7 characters padded to 8.
    let tail = body.len() % 8;
    matches!((tail, pad), (0, 0) | (2, 6) | (4, 4) | (5, 3) | (7, 1))
}

/// The secret's key bytes (padding and case tolerated, as otplib's decoder does).
fn decode(secret: &str) -> Option<Vec<u8>> {
    let normalized: String = secret.trim_end_matches('=').chars().map(|c| c.to_ascii_uppercase()).collect();
    BASE32_NOPAD.decode(normalized.as_bytes()).ok()
}

/// The time step of an instant.
pub fn step_at(now_ms: Millis) -> i64 {
    now_ms.div_euclid(1000).div_euclid(STEP_SECONDS)
}

/// RFC 4226 HOTP value of `step` under `key`, zero-padded to 6 digits.
pub fn code_at(key: &[u8], step: u64) -> Option<String> {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(*digest.last()? & 0x0f);
    let bytes: [u8; 4] = digest.get(offset..offset + 4)?.try_into().ok()?;
    let binary = u32::from_be_bytes(bytes) & 0x7fff_ffff;
    Some(format!("{:06}", binary % 10u32.pow(DIGITS)))
}

/// The code for the current step (tests and the account page's helpers).
pub fn code_now(secret: &str, now_ms: Millis) -> Option<String> {
    code_at(&decode(secret)?, u64::try_from(step_at(now_ms)).ok()?)
}

/// The step within ±[`WINDOW`] of now whose code is `code`, if any. Every candidate step is
/// computed and compared in constant time, so timing does not tell which one matched.
pub fn matching_step(secret: &str, code: &str, now_ms: Millis) -> Option<u64> {
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let key = decode(secret)?;
    let now = step_at(now_ms);
    let mut found = None;
    for delta in -WINDOW..=WINDOW {
        let Ok(step) = u64::try_from(now + delta) else { continue };
        let Some(expected) = code_at(&key, step) else { continue };
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            found = found.or(Some(step));
        }
    }
    found
}

/// Logto's `getUserDisplayName`: name, else username, else email, else phone.
pub fn account_name(user: &crate::domain::user::UserRecord) -> String {
    [&user.name, &user.username, &user.primary_email, &user.primary_phone]
        .into_iter()
        .find_map(|v| v.as_deref().filter(|s| !s.is_empty()))
        .unwrap_or("Unnamed User")
        .to_owned()
}

/// The `otpauth://` URI authenticator apps read (otplib's `authenticator.keyuri(account,
/// issuer, secret)`; the issuer is the request's host name, as in Logto).
pub fn key_uri(account: &str, issuer: &str, secret: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    // What JavaScript's `encodeURIComponent` leaves alone.
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    let enc = |s: &str| utf8_percent_encode(s, COMPONENT).to_string();
    format!(
        "otpauth://totp/{}:{}?secret={}&period={STEP_SECONDS}&digits={DIGITS}&algorithm=SHA1&issuer={}",
        enc(issuer),
        enc(account),
        enc(secret),
        enc(issuer)
    )
}

/// The QR code of `uri` as a data URL. Logto answers a PNG (`qrcode.toDataURL`); edgeid an
/// SVG (`data:image/svg+xml;base64,…`): same use in an `<img src>`, and no image codec in the
/// core (it must build small for wasm32).
pub fn qr_code_data_url(uri: &str) -> Option<String> {
    use base64::Engine as _;
    let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build();
    Some(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)))
}

/// The issuer authenticator apps show: this deployment's host name (Logto uses the request's
/// host name; edgeid's groups may run on different hosts, so the configured endpoint keeps
/// the label the same whichever group generates the secret).
pub fn issuer(config: &crate::Config) -> String {
    url::Url::parse(&config.endpoint)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "edgeid".into())
}

/// `secretQrCode` for `user` and `secret` (Logto's `qrcode.toDataURL(authenticator.keyuri(…))`).
pub fn secret_qr_code(
    config: &crate::Config,
    user: &crate::domain::user::UserRecord,
    secret: &str,
) -> Result<String, crate::error::Internal> {
    let uri = key_uri(&account_name(user), &issuer(config), secret);
    qr_code_data_url(&uri).ok_or_else(|| crate::error::Internal::Bug("the TOTP URI does not fit a QR code".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (secret "12345678901234567890"), last 6 digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let key = b"12345678901234567890";
        for (t, expected) in [
            (59_i64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(key, (t / 30) as u64).unwrap(), expected, "t={t}");
        }
    }

    #[test]
    fn accepts_one_step_either_side_and_reports_the_step() {
        let secret = BASE32_NOPAD.encode(b"12345678901234567890");
        let now = 1_111_111_111_000;
        let step = step_at(now) as u64;
        let key = decode(&secret).unwrap();
        for s in [step - 1, step, step + 1] {
            assert_eq!(matching_step(&secret, &code_at(&key, s).unwrap(), now), Some(s));
        }
        assert_eq!(matching_step(&secret, &code_at(&key, step - 2).unwrap(), now), None);
        assert_eq!(matching_step(&secret, &code_at(&key, step + 2).unwrap(), now), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
        assert_eq!(matching_step("not base32!", "123456", now), None);
    }

    #[test]
    fn secrets_are_32_base32_chars_and_validate_like_logto() {
        let rng = crate::ports::SeededRng::new(3);
        let secret = generate_secret(&rng);
        assert_eq!(secret.len(), 32);
        assert!(validate_secret(&secret), "{secret}");
        assert!(validate_secret("JBSWY3DPEHPK3PXP"));
        assert!(!validate_secret("JBSWY3DPEHPK3PX"), "too short");
        assert!(!validate_secret("jbswy3dpehpk3pxp"), "lower case");
        assert!(!validate_secret("JBSWY3DPEHPK3PX1"), "1 is not base32");
        assert!(validate_secret("JBSWY3DPEHPK3PXPJB======"));
        assert!(!validate_secret("JBSWY3DPEHPK3PXPJBS====="));
    }

    #[test]
    fn key_uri_and_qr_code() {
        let uri = key_uri("alice@example.com", "auth.example.com", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/auth.example.com:alice%40example.com?secret=JBSWY3DPEHPK3PXP&period=30&digits=6&algorithm=SHA1&issuer=auth.example.com"
        );
        let url = qr_code_data_url(&uri).unwrap();
        let svg = url.strip_prefix("data:image/svg+xml;base64,").unwrap();
        use base64::Engine as _;
        let svg = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(svg).unwrap()).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
    }
}
