//! Logto's password policy checker (`@logto/core-kit` `PasswordPolicyChecker`), used when a
//! password is chosen: registration, forgot-password reset, profile fulfilment (and the
//! Account API later). The stored policy is partial; Logto's defaults fill the rest.
//!
//! The `pwned` rejection asks Have I Been Pwned in Logto; edgeid has no outbound network on
//! that path, so it only rejects Logto's integration-test list (`123456aA`, `test_password`)
//! in test mode, as Logto's own checker does under `INTEGRATION_TEST`.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_length: usize,
    pub min_character_types: usize,
    pub reject_pwned: bool,
    pub reject_repetition_and_sequence: bool,
    pub reject_user_info: bool,
    pub reject_words: Vec<String>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 256,
            min_character_types: 1,
            reject_pwned: true,
            reject_repetition_and_sequence: true,
            reject_user_info: true,
            reject_words: Vec::new(),
        }
    }
}

impl PasswordPolicy {
    /// Logto's stored `passwordPolicy` (`{length?: {min?, max?}, characterTypes?: {min?},
    /// rejects?: {pwned?, repetitionAndSequence?, userInfo?, words?}}`) over the defaults.
    pub fn from_json(value: Option<&Value>) -> Self {
        let d = Self::default();
        let num = |path: [&str; 2]| {
            value
                .and_then(|v| v.get(path[0]))
                .and_then(|v| v.get(path[1]))
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        let flag = |name: &str| value.and_then(|v| v.get("rejects")).and_then(|v| v.get(name)).and_then(Value::as_bool);
        let words = value
            .and_then(|v| v.get("rejects"))
            .and_then(|v| v.get("words"))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        Self {
            min_length: num(["length", "min"]).unwrap_or(d.min_length).max(1),
            max_length: num(["length", "max"]).unwrap_or(d.max_length).max(1),
            min_character_types: num(["characterTypes", "min"]).unwrap_or(d.min_character_types).clamp(1, 4),
            reject_pwned: flag("pwned").unwrap_or(d.reject_pwned),
            reject_repetition_and_sequence: flag("repetitionAndSequence").unwrap_or(d.reject_repetition_and_sequence),
            reject_user_info: flag("userInfo").unwrap_or(d.reject_user_info),
            reject_words: words,
        }
    }
}

/// What the user already told us, which a password must not be built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One violation, in Logto's wire shape (`password.rejected` carries a list of them as `data`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpolation: Option<Value>,
}

const SYMBOLS: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ";
const SEQUENCES: [&str; 14] = [
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz",
    "2wsx",
    "3edc",
    "4rfv",
    "5tgb",
    "6yhn",
    "7ujm",
    "8ik",
    "9ol",
];
const THRESHOLD: usize = 3;
const TOLERANCE: usize = 3;
/// Logto's integration tests treat these as pwned.
const PWNED_FOR_TESTS: [&str; 2] = ["123456aA", "test_password"];

/// Check `password` (Logto's `check`): length and character types, pwned, then restricted
/// phrases (repetition, sequences, user info, words), reported only when they cover more than
/// all but three characters of the password.
pub fn check(policy: &PasswordPolicy, password: &str, user: &UserInfo, test_mode: bool) -> Vec<Issue> {
    // JavaScript counts UTF-16 code units; passwords with other characters are rejected as
    // unsupported anyway, so chars are the same thing for every password that can pass.
    let chars: Vec<char> = password.chars().collect();
    let mut issues = Vec::new();
    if chars.len() < policy.min_length {
        issues.push(Issue {
            code: "password_rejected.too_short",
            interpolation: Some(serde_json::json!({ "min": policy.min_length })),
        });
    } else if chars.len() > policy.max_length {
        issues.push(Issue {
            code: "password_rejected.too_long",
            interpolation: Some(serde_json::json!({ "max": policy.max_length })),
        });
    }
    match character_types(&chars) {
        None => issues.push(Issue { code: "password_rejected.unsupported_characters", interpolation: None }),
        Some(n) if n < policy.min_character_types => issues.push(Issue {
            code: "password_rejected.character_types",
            interpolation: Some(serde_json::json!({ "min": policy.min_character_types })),
        }),
        Some(_) => {}
    }
    if policy.reject_pwned && test_mode && PWNED_FOR_TESTS.contains(&password) {
        issues.push(Issue { code: "password_rejected.pwned", interpolation: None });
    }

    let mut covered = vec![false; chars.len()];
    let mut codes: Vec<&'static str> = Vec::new();
    let mut fill = |start: usize, len: usize, code: &'static str| {
        if len == 0 {
            return;
        }
        for slot in covered.iter_mut().skip(start).take(len) {
            *slot = true;
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    };
    for i in 0..chars.len() {
        let rest = chars.get(i..).unwrap_or_default();
        if policy.reject_repetition_and_sequence {
            fill(i, repetition_length(rest), "password_rejected.restricted.repetition");
            fill(i, sequence_length(rest), "password_rejected.restricted.sequence");
        }
        if !policy.reject_words.is_empty() {
            fill(i, word_length(rest, &policy.reject_words), "password_rejected.restricted.words");
        }
        if policy.reject_user_info {
            fill(i, user_info_length(rest, user), "password_rejected.restricted.user_info");
        }
    }
    let threshold = chars.len().saturating_sub(TOLERANCE).max(1);
    if covered.iter().filter(|c| **c).count() > threshold {
        issues.extend(codes.into_iter().map(|code| Issue { code, interpolation: None }));
    }
    issues
}

fn character_types(chars: &[char]) -> Option<usize> {
    let (mut lower, mut upper, mut digit, mut symbol) = (false, false, false, false);
    for c in chars {
        match c {
            'a'..='z' => lower = true,
            'A'..='Z' => upper = true,
            '0'..='9' => digit = true,
            c if SYMBOLS.contains(*c) => symbol = true,
            _ => return None,
        }
    }
    Some([lower, upper, digit, symbol].iter().filter(|b| **b).count())
}

fn repetition_length(rest: &[char]) -> usize {
    let Some(first) = rest.first() else { return 0 };
    let len = rest.iter().take_while(|c| *c == first).count();
    if len >= THRESHOLD { len } else { 0 }
}

fn is_sequential(value: &str) -> bool {
    SEQUENCES.iter().any(|seq| {
        let reversed: String = seq.chars().rev().collect();
        [seq.to_string(), reversed.clone(), seq.to_uppercase(), reversed.to_uppercase()]
            .iter()
            .any(|item| item.contains(value))
    })
}

fn sequence_length(rest: &[char]) -> usize {
    let mut value = String::new();
    for c in rest {
        let mut next = value.clone();
        next.push(*c);
        if value.is_empty() || is_sequential(&next) {
            value = next;
        } else {
            break;
        }
    }
    let len = value.chars().count();
    if len >= THRESHOLD { len } else { 0 }
}

fn lowercase(rest: &[char]) -> String {
    rest.iter().collect::<String>().to_lowercase()
}

fn word_length(rest: &[char], words: &[String]) -> usize {
    let lowered = lowercase(rest);
    words
        .iter()
        .filter(|w| !w.is_empty() && lowered.starts_with(&w.to_lowercase()))
        .map(|w| w.chars().count())
        .max()
        .unwrap_or(0)
}

fn user_info_length(rest: &[char], user: &UserInfo) -> usize {
    let lowered = lowercase(rest);
    let mut len = 0;
    let mut update = |candidate: &str| {
        if !candidate.is_empty() && lowered.starts_with(&candidate.to_lowercase()) {
            len = len.max(candidate.chars().count());
        }
    };
    if let Some(name) = &user.name {
        if lowered.starts_with(&name.to_lowercase()) {
            update(name);
        } else {
            let joined: String = name.split_whitespace().collect();
            update(&joined);
            for word in name.split(' ') {
                update(word);
            }
        }
    }
    if let Some(username) = &user.username {
        update(username);
    }
    if let Some(email) = &user.email
        && let Some(prefix) = email.split('@').next()
    {
        update(prefix);
    }
    if let Some(phone) = &user.phone
        && !phone.is_empty()
        && lowered.starts_with(phone.as_str())
    {
        len = len.max(phone.chars().count());
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_codes(policy: &PasswordPolicy, password: &str, user: &UserInfo, expect: &[&str]) {
        let codes: Vec<&str> = check(policy, password, user, true).iter().map(|i| i.code).collect();
        assert_eq!(codes, expect, "{password}");
    }

    #[test]
    fn defaults_match_logto() {
        let policy = PasswordPolicy::default();
        let none = UserInfo::default();
        check_codes(&policy, "Str0ng!pass", &none, &[]);
        check_codes(&policy, "short", &none, &["password_rejected.too_short"]);
        check_codes(&policy, "pässwörd1", &none, &["password_rejected.unsupported_characters"]);
        check_codes(&policy, "test_password", &none, &["password_rejected.pwned"]);
        check_codes(&policy, "aaaaaaaa", &none, &["password_rejected.restricted.repetition"]);
        check_codes(&policy, "12345678", &none, &["password_rejected.restricted.sequence"]);
        check_codes(&policy, "qwertyuiop", &none, &["password_rejected.restricted.sequence"]);
        // A sequence that leaves more than three other characters is fine.
        check_codes(&policy, "abcXy9!Zq", &none, &[]);
    }

    #[test]
    fn user_info_and_words_and_types() {
        let user = UserInfo { username: Some("johnsmith".into()), ..Default::default() };
        let policy = PasswordPolicy::default();
        check_codes(&policy, "johnsmith1", &user, &["password_rejected.restricted.user_info"]);
        let policy =
            PasswordPolicy { reject_words: vec!["secret".into()], min_character_types: 3, ..Default::default() };
        check_codes(&policy, "Secret12", &UserInfo::default(), &["password_rejected.restricted.words"]);
        check_codes(&policy, "alllowercase", &UserInfo::default(), &["password_rejected.character_types"]);
        let issue = &check(&policy, "alllowercase", &UserInfo::default(), false)[0];
        assert_eq!(
            serde_json::to_value(issue).unwrap(),
            serde_json::json!({"code": "password_rejected.character_types", "interpolation": {"min": 3}})
        );
    }

    #[test]
    fn partial_policies_fill_in_defaults() {
        let json = serde_json::json!({"length": {"min": 12}, "rejects": {"pwned": false}});
        let policy = PasswordPolicy::from_json(Some(&json));
        assert_eq!((policy.min_length, policy.max_length, policy.reject_pwned), (12, 256, false));
        assert!(policy.reject_user_info);
    }
}
