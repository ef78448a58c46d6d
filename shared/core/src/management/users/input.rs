//! Logto's input rules for user fields (`@logto/core-kit` regexes, `userProfileGuard`), with
//! zod's one-line issue format in `guard.invalid_input` details.

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::management::errors;

fn invalid(path: &str) -> ApiError {
    errors::invalid_field(path, "invalid_string", "Invalid")
}

/// `usernameRegEx`: `^[A-Z_a-z]\w*$` (`\w` is ASCII in JavaScript without the `u` flag).
pub fn username(path: &str, value: &str) -> Result<(), ApiError> {
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') { Ok(()) } else { Err(invalid(path)) }
}

/// `emailRegEx`: `^\S+@\S+\.\S+$`.
pub fn email(path: &str, value: &str) -> Result<(), ApiError> {
    let no_space = |s: &str| !s.is_empty() && !s.chars().any(char::is_whitespace);
    // Backtracking semantics: some `@` splits the string into `\S+` and `\S+\.\S+`.
    let ok = no_space(value)
        && value.char_indices().filter(|(_, c)| *c == '@').any(|(at, _)| {
            let (local, rest) = (value.get(..at).unwrap_or(""), value.get(at + 1..).unwrap_or(""));
            !local.is_empty()
                && rest
                    .char_indices()
                    .filter(|(_, c)| *c == '.')
                    .any(|(dot, _)| dot > 0 && rest.get(dot + 1..).is_some_and(|tail| !tail.is_empty()))
        });
    if ok { Ok(()) } else { Err(invalid(path)) }
}

/// `phoneRegEx`: `^\d+$` (400), then a number libphonenumber would accept (422
/// `user.invalid_phone`); the stored form drops a national trunk `0` (`phone::normalize`).
pub fn phone(path: &str, value: &str) -> Result<String, ApiError> {
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_digit()) {
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

const PROFILE_KEYS: &[&str] = &[
    "familyName",
    "givenName",
    "middleName",
    "nickname",
    "preferredUsername",
    "profile",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
];
const ADDRESS_KEYS: &[&str] = &["formatted", "streetAddress", "locality", "region", "postalCode", "country"];

/// `userProfileGuard`: the OIDC standard claims Logto keeps in `profile`, all strings (the
/// address an object of strings); unknown keys are dropped, as zod strips them.
pub fn profile(path: &str, value: Value) -> Result<Map<String, Value>, ApiError> {
    let Value::Object(input) = value else {
        return Err(errors::invalid_field(path, "invalid_type", "Expected object"));
    };
    let mut out = Map::new();
    for (key, value) in input {
        if key == "address" {
            let Value::Object(address) = value else {
                return Err(errors::invalid_field(&format!("{path}.address"), "invalid_type", "Expected object"));
            };
            let mut kept = Map::new();
            for (k, v) in address {
                if ADDRESS_KEYS.contains(&k.as_str()) {
                    if !v.is_string() {
                        return Err(string_expected(&format!("{path}.address.{k}")));
                    }
                    kept.insert(k, v);
                }
            }
            out.insert(key, Value::Object(kept));
        } else if PROFILE_KEYS.contains(&key.as_str()) {
            if !value.is_string() {
                return Err(string_expected(&format!("{path}.{key}")));
            }
            out.insert(key, value);
        }
    }
    Ok(out)
}

fn string_expected(path: &str) -> ApiError {
    errors::invalid_field(path, "invalid_type", "Expected string")
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
