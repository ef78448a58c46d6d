//! Logto's `assertUsernameAllowed` (`utils/user.ts`): the hard floor (non-empty, no leading
//! digit, `\w` characters), then the tenant's `usernamePolicy` (length, allowed character
//! classes). Shared by the Experience API (registration) and the Account API (username change).

use serde_json::Value;

/// The first rule a username breaks: Logto's code (`user.username_<violation>`, 422) and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    pub message: &'static str,
}

/// The first violation of `policy` (the sign-in experience's `usernamePolicy`) by `username`.
pub fn violation(policy: Option<&Value>, username: &str) -> Option<Violation> {
    let num = |name: &str, default: usize| {
        policy
            .and_then(|p| p.get(name))
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(default)
    };
    let allowed = |name: &str| {
        policy.and_then(|p| p.get("allowedChars")).and_then(|a| a.get(name)).and_then(Value::as_bool).unwrap_or(true)
    };
    let len = username.chars().count();
    let found = if username.is_empty() {
        ("user.username_required", "Username is a required identifier, you can not set it to null.")
    } else if username.starts_with(|c: char| c.is_ascii_digit()) {
        ("user.username_starts_with_number", "Username cannot start with a number.")
    } else if !username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        ("user.username_invalid_charset_hard", "Username can only contain letters, numbers, and underscores.")
    } else if len < num("minLength", 1) {
        ("user.username_too_short", "Username is too short.")
    } else if len > num("maxLength", 128) {
        ("user.username_too_long", "Username is too long.")
    } else if !allowed("uppercase") && username.chars().any(|c| c.is_ascii_uppercase()) {
        ("user.username_uppercase_not_allowed", "Username cannot contain uppercase letters.")
    } else if !allowed("lowercase") && username.chars().any(|c| c.is_ascii_lowercase()) {
        ("user.username_lowercase_not_allowed", "Username cannot contain lowercase letters.")
    } else if !allowed("numbers") && username.chars().any(|c| c.is_ascii_digit()) {
        ("user.username_numbers_not_allowed", "Username cannot contain numbers.")
    } else if !allowed("underscore") && username.contains('_') {
        ("user.username_underscore_not_allowed", "Username cannot contain underscores.")
    } else {
        return None;
    };
    Some(Violation { code: found.0, message: found.1 })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_floor_then_the_policy() {
        let code = |policy: Option<&Value>, u: &str| violation(policy, u).map(|v| v.code);
        assert_eq!(code(None, "alice_1"), None);
        assert_eq!(code(None, ""), Some("user.username_required"));
        assert_eq!(code(None, "1alice"), Some("user.username_starts_with_number"));
        assert_eq!(code(None, "al-ice"), Some("user.username_invalid_charset_hard"));
        let policy = json!({"minLength": 3, "maxLength": 5, "allowedChars": {"uppercase": false, "underscore": false}});
        assert_eq!(code(Some(&policy), "al"), Some("user.username_too_short"));
        assert_eq!(code(Some(&policy), "alice1"), Some("user.username_too_long"));
        assert_eq!(code(Some(&policy), "Alice"), Some("user.username_uppercase_not_allowed"));
        assert_eq!(code(Some(&policy), "a_b"), Some("user.username_underscore_not_allowed"));
        assert_eq!(code(Some(&policy), "abc"), None);
    }
}
