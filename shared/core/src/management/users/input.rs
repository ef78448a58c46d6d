//! Logto's input rules for user fields (`@logto/core-kit` regexes, `userProfileGuard`), with
//! zod's one-line issue format in `guard.invalid_input` details.

use serde_json::{Map, Value};

use crate::domain::user::input;
use crate::error::ApiError;
use crate::management::errors;

fn invalid(path: &str) -> ApiError {
    errors::invalid_field(path, "invalid_string", "Invalid")
}

/// `usernameRegEx` (`domain::user::input::is_username`).
pub fn username(path: &str, value: &str) -> Result<(), ApiError> {
    if input::is_username(value) { Ok(()) } else { Err(invalid(path)) }
}

/// `emailRegEx` (`domain::user::input::is_email`).
pub fn email(path: &str, value: &str) -> Result<(), ApiError> {
    if input::is_email(value) { Ok(()) } else { Err(invalid(path)) }
}

/// `phoneRegEx`: `^\d+$` (400), then a number libphonenumber would accept (422
/// `user.invalid_phone`); the stored form drops a national trunk `0` (`phone::normalize`).
pub fn phone(path: &str, value: &str) -> Result<String, ApiError> {
    if !input::is_phone(value) {
        return Err(invalid(path));
    }
    let normalized = crate::domain::user::phone::normalize(value);
    if !crate::domain::user::phone::is_plausible(&normalized) {
        return Err(errors::invalid_phone());
    }
    Ok(normalized)
}

/// `avatar`: a URL, `""` or `null` (`""` is stored as `null`).
pub fn avatar(value: Option<Option<String>>) -> Result<Option<Option<String>>, ApiError> {
    match value {
        Some(Some(url)) if url.is_empty() => Ok(Some(None)),
        Some(Some(url)) => match url::Url::parse(&url) {
            Ok(_) => Ok(Some(Some(url))),
            Err(_) => Err(invalid("avatar")),
        },
        other => Ok(other),
    }
}

/// `userProfileGuard` (`domain::user::input::profile`).
pub fn profile(path: &str, value: Value) -> Result<Map<String, Value>, ApiError> {
    input::profile(path, value).map_err(|i| errors::invalid_field(&i.path, i.issue, i.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logtos_regexes() {
        for ok in ["alice", "_a", "A_1", "a"] {
            assert!(username("u", ok).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "a-b", "a b", "é"] {
            assert!(username("u", bad).is_err(), "{bad}");
        }
        for ok in ["a@b.c", "a.b@c.d.e", "a@b@c.d", "x@y.z."] {
            assert!(email("e", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a@b", "@b.c", "a@.c", "a @b.c", "a@b."] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
        assert_eq!(phone("p", "15551234567").unwrap(), "15551234567");
        assert_eq!(phone("p", "610412345678").unwrap(), "61412345678");
        assert_eq!(phone("p", "99999").unwrap_err().code, "user.invalid_phone");
        for bad in ["", "+1555", "555-1234", "12 3"] {
            assert!(phone("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn profiles_keep_known_string_claims() {
        let p = profile("profile", serde_json::json!({"givenName": "A", "x": 1, "address": {"country": "US", "y": 2}}))
            .unwrap();
        assert_eq!(Value::Object(p), serde_json::json!({"givenName": "A", "address": {"country": "US"}}));
        assert!(profile("profile", serde_json::json!({"givenName": 1})).is_err());
        assert!(profile("profile", serde_json::json!([])).is_err());
    }
}
