//! PKCE at the token endpoint (RFC 7636; oidc-provider `helpers/pkce.js`, `pkce_format.js`).
//! edgeid only accepts `S256` challenges, so a code carries the challenge alone.
//!
//! A code issued with a challenge needs a matching verifier; a verifier presented for a code
//! issued without one is refused too (no downgrade either way). Both are `invalid_grant`
//! "grant request is invalid"; a malformed verifier is `invalid_request`.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{OAuthError, OAuthErrorCode};

fn invalid_grant() -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidGrant, "grant request is invalid")
}

/// RFC 7636 §4.1: 43–128 characters of `[A-Za-z0-9-._~]`.
fn check_format(verifier: &str) -> Result<(), OAuthError> {
    if verifier.len() < 43 {
        return Err(OAuthError::invalid_request(
            "code_verifier must be a string with a minimum length of 43 characters",
        ));
    }
    if verifier.len() > 128 {
        return Err(OAuthError::invalid_request(
            "code_verifier must be a string with a maximum length of 128 characters",
        ));
    }
    if !verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')) {
        return Err(OAuthError::invalid_request("code_verifier contains invalid characters"));
    }
    Ok(())
}

/// `BASE64URL(SHA256(verifier))`.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Check the presented `code_verifier` against the code's S256 `code_challenge`.
pub fn check(verifier: Option<&str>, challenge: Option<&str>) -> Result<(), OAuthError> {
    if let Some(v) = verifier {
        check_format(v)?;
    }
    match (verifier, challenge) {
        (None, None) => Ok(()),
        (Some(v), Some(c)) if bool::from(s256(v).as_bytes().ct_eq(c.as_bytes())) => Ok(()),
        _ => Err(invalid_grant()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[track_caller]
    fn check_case(verifier: Option<&str>, challenge: Option<&str>, expected: Result<(), (&str, &str)>) {
        let got = check(verifier, challenge).map_err(|e| (e.code.as_str(), e.description));
        assert_eq!(got, expected.map_err(|(c, d)| (c, d.to_owned())), "{verifier:?} / {challenge:?}");
    }

    #[test]
    fn pkce_cases() {
        let grant = Err(("invalid_grant", "grant request is invalid"));
        check_case(Some(VERIFIER), Some(CHALLENGE), Ok(()));
        check_case(None, None, Ok(()));
        check_case(None, Some(CHALLENGE), grant);
        check_case(Some(VERIFIER), None, grant);
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
        check_case(Some(other), Some(CHALLENGE), grant);
        // The challenge itself is not a verifier ("plain" is not supported).
        check_case(Some(CHALLENGE), Some(CHALLENGE), grant);
        check_case(
            Some("short"),
            Some(CHALLENGE),
            Err(("invalid_request", "code_verifier must be a string with a minimum length of 43 characters")),
        );
        check_case(
            Some(&"a".repeat(129)),
            None,
            Err(("invalid_request", "code_verifier must be a string with a maximum length of 128 characters")),
        );
        check_case(
            Some(&format!("{}+", &VERIFIER[..42])),
            Some(CHALLENGE),
            Err(("invalid_request", "code_verifier contains invalid characters")),
        );
        assert_eq!(s256(VERIFIER), CHALLENGE);
    }
}
