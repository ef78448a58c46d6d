//! `/api/users/:userId/logto-configs` (Logto's `user-logto-config.ts`): the user's MFA and
//! passkey sign-in flags, kept in `logtoConfig` under `mfa` and `passkey_sign_in`.

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json as body};

use super::{find, modify};
use crate::Response;
use crate::error::ApiError;
use crate::management::{Ctx, json};

const MFA: &str = "mfa";
const PASSKEY: &str = "passkey_sign_in";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MfaFlags {
    enabled: Option<bool>,
    skipped: Option<bool>,
    skip_mfa_on_sign_in: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct PasskeyFlags {
    skipped: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[serde(default)]
    mfa: Option<MfaFlags>,
    #[serde(default)]
    passkey_sign_in: Option<PasskeyFlags>,
}

/// `buildUserLogtoConfigResponse`: `mfa.enabled` as stored (absent for legacy users), every
/// other flag `false` when absent.
fn response(config: &Map<String, Value>) -> Value {
    let flag = |section: &str, name: &str| config.get(section).and_then(|s| s.get(name)).and_then(Value::as_bool);
    let mut mfa = Map::new();
    if let Some(enabled) = flag(MFA, "enabled") {
        mfa.insert("enabled".into(), Value::Bool(enabled));
    }
    mfa.insert("skipped".into(), Value::Bool(flag(MFA, "skipped").unwrap_or(false)));
    mfa.insert("skipMfaOnSignIn".into(), Value::Bool(flag(MFA, "skipMfaOnSignIn").unwrap_or(false)));
    body!({ "mfa": mfa, "passkeySignIn": { "skipped": flag(PASSKEY, "skipped").unwrap_or(false) } })
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let user = find(ctx, &ctx.param("userId")).await?.value;
    json(StatusCode::OK, &response(&user.logto_config))
}

/// Merge the given flags into `logtoConfig` (absent ones keep their value).
pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    let mfa = body.mfa.unwrap_or_default();
    let passkey = body.passkey_sign_in.unwrap_or_default();
    let user = modify(ctx, &ctx.param("userId"), |u| {
        let mut set = |section: &str, name: &str, value: Option<bool>| {
            let entry = u.logto_config.entry(section.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let (Some(v), Some(obj)) = (value, entry.as_object_mut()) {
                obj.insert(name.to_owned(), Value::Bool(v));
            }
        };
        set(MFA, "enabled", mfa.enabled);
        set(MFA, "skipped", mfa.skipped);
        set(MFA, "skipMfaOnSignIn", mfa.skip_mfa_on_sign_in);
        set(PASSKEY, "skipped", passkey.skipped);
        Ok(())
    })
    .await?;
    json(StatusCode::OK, &response(&user.logto_config))
}
