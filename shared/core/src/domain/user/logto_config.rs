//! The user's MFA and passkey sign-in flags in `logtoConfig` (Logto's
//! `libraries/user-logto-config.ts`), kept under `mfa` and `passkey_sign_in`; read and merged
//! the same way by the Management API (`/api/users/:id/logto-configs`) and the Account API
//! (`/api/my-account/logto-configs`).

use serde::Deserialize;
use serde_json::{Map, Value, json};

pub const MFA: &str = "mfa";
pub const PASSKEY_SIGN_IN: &str = "passkey_sign_in";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaFlags {
    pub enabled: Option<bool>,
    pub skipped: Option<bool>,
    pub skip_mfa_on_sign_in: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasskeyFlags {
    pub skipped: Option<bool>,
}

/// A PATCH body: `{mfa?, passkeySignIn?}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Update {
    #[serde(default)]
    pub mfa: Option<MfaFlags>,
    #[serde(default)]
    pub passkey_sign_in: Option<PasskeyFlags>,
}

/// `buildUserLogtoConfigResponse`: `mfa.enabled` as stored (absent for legacy users), every
/// other flag `false` when absent.
pub fn response(config: &Map<String, Value>) -> Value {
    let flag = |section: &str, name: &str| config.get(section).and_then(|s| s.get(name)).and_then(Value::as_bool);
    let mut mfa = Map::new();
    if let Some(enabled) = flag(MFA, "enabled") {
        mfa.insert("enabled".into(), Value::Bool(enabled));
    }
    mfa.insert("skipped".into(), Value::Bool(flag(MFA, "skipped").unwrap_or(false)));
    mfa.insert("skipMfaOnSignIn".into(), Value::Bool(flag(MFA, "skipMfaOnSignIn").unwrap_or(false)));
    json!({ "mfa": mfa, "passkeySignIn": { "skipped": flag(PASSKEY_SIGN_IN, "skipped").unwrap_or(false) } })
}

/// `buildUpdatedUserLogtoConfig`: merge the given flags (absent ones keep their value).
pub fn apply(config: &mut Map<String, Value>, update: &Update) {
    let mut set = |section: &str, name: &str, value: Option<bool>| {
        let entry = config.entry(section.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        if let (Some(v), Some(obj)) = (value, entry.as_object_mut()) {
            obj.insert(name.to_owned(), Value::Bool(v));
        }
    };
    let mfa = update.mfa.as_ref();
    set(MFA, "enabled", mfa.and_then(|m| m.enabled));
    set(MFA, "skipped", mfa.and_then(|m| m.skipped));
    set(MFA, "skipMfaOnSignIn", mfa.and_then(|m| m.skip_mfa_on_sign_in));
    set(PASSKEY_SIGN_IN, "skipped", update.passkey_sign_in.as_ref().and_then(|p| p.skipped));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_what_is_not_named() {
        let mut config = Map::new();
        assert_eq!(
            response(&config),
            json!({"mfa": {"skipped": false, "skipMfaOnSignIn": false}, "passkeySignIn": {"skipped": false}})
        );
        let first: Update = serde_json::from_value(json!({"mfa": {"enabled": true, "skipped": true}})).unwrap();
        apply(&mut config, &first);
        let second: Update =
            serde_json::from_value(json!({"mfa": {"skipped": false}, "passkeySignIn": {"skipped": true}})).unwrap();
        apply(&mut config, &second);
        assert_eq!(
            response(&config),
            json!({"mfa": {"enabled": true, "skipped": false, "skipMfaOnSignIn": false}, "passkeySignIn": {"skipped": true}})
        );
    }
}
