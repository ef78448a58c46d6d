//! Logto's input rules for user fields (`@logto/core-kit` regexes, `userProfileGuard`), shared
//! by the Management API and the Account API. Each group renders a failure in its own format
//! (zod's one-line issue in `guard.invalid_input` details).

use serde_json::{Map, Value};

/// One zod issue: the key path, the issue code and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub path: String,
    pub issue: &'static str,
    pub message: &'static str,
}

impl Issue {
    fn new(path: impl Into<String>, issue: &'static str, message: &'static str) -> Self {
        Self { path: path.into(), issue, message }
    }

    /// `Error in key path "<path>": (<issue>) <message>`.
    pub fn details(&self) -> String {
        format!("Error in key path \"{}\": ({}) {}", self.path, self.issue, self.message)
    }
}

/// `usernameRegEx`: `^[A-Z_a-z]\w*$` (`\w` is ASCII in JavaScript without the `u` flag).
pub fn is_username(value: &str) -> bool {
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `emailRegEx`: `^\S+@\S+\.\S+$`.
pub fn is_email(value: &str) -> bool {
    let no_space = |s: &str| !s.is_empty() && !s.chars().any(char::is_whitespace);
    // Backtracking semantics: some `@` splits the string into `\S+` and `\S+\.\S+`.
    no_space(value)
        && value.char_indices().filter(|(_, c)| *c == '@').any(|(at, _)| {
            let (local, rest) = (value.get(..at).unwrap_or(""), value.get(at + 1..).unwrap_or(""));
            !local.is_empty()
                && rest
                    .char_indices()
                    .filter(|(_, c)| *c == '.')
                    .any(|(dot, _)| dot > 0 && rest.get(dot + 1..).is_some_and(|tail| !tail.is_empty()))
        })
}

/// `phoneRegEx`: `^\d+$`.
pub fn is_phone(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_digit())
}

/// zod's `z.string().url()`: what `new URL()` parses.
pub fn is_url(value: &str) -> bool {
    url::Url::parse(value).is_ok()
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
pub fn profile(path: &str, value: Value) -> Result<Map<String, Value>, Issue> {
    let Value::Object(input) = value else {
        return Err(Issue::new(path, "invalid_type", "Expected object"));
    };
    let mut out = Map::new();
    for (key, value) in input {
        if key == "address" {
            let Value::Object(address) = value else {
                return Err(Issue::new(format!("{path}.address"), "invalid_type", "Expected object"));
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

fn string_expected(path: &str) -> Issue {
    Issue::new(path, "invalid_type", "Expected string")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logtos_regexes() {
        for ok in ["alice", "_a", "A_1", "a"] {
            assert!(is_username(ok), "{ok}");
        }
        for bad in ["", "1abc", "a-b", "a b", "é"] {
            assert!(!is_username(bad), "{bad}");
        }
        for ok in ["a@b.c", "a.b@c.d.e", "a@b@c.d", "x@y.z."] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in ["", "a@b", "@b.c", "a@.c", "a @b.c", "a@b."] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_phone("15551234567"));
        for bad in ["", "+1555", "555-1234", "12 3"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn profiles_keep_known_string_claims() {
        let p = profile("profile", serde_json::json!({"givenName": "A", "x": 1, "address": {"country": "US", "y": 2}}))
            .unwrap();
        assert_eq!(Value::Object(p), serde_json::json!({"givenName": "A", "address": {"country": "US"}}));
        assert_eq!(
            profile("profile", serde_json::json!({"givenName": 1})).unwrap_err().details(),
            "Error in key path \"profile.givenName\": (invalid_type) Expected string"
        );
        assert!(profile("profile", serde_json::json!([])).is_err());
    }
}
