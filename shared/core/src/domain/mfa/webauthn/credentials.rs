//! The user's WebAuthn credentials: Logto's `MfaVerificationWebAuthn` entries of
//! `user.mfaVerifications` (`{id, type: "WebAuthn", credentialId, publicKey, counter, agent,
//! transports?, rpId?, name?, createdAt, lastUsedAt?}`).

use serde::Deserialize;
use serde_json::Value;

use super::{CredentialDescriptor, Transport};
use crate::App;
use crate::domain::user::{self, UserError, UserRecord};
use crate::error::Internal;
use crate::store::StoreError;

/// What a ceremony needs of a stored credential.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    pub id: String,
    pub credential_id: String,
    pub public_key: String,
    pub counter: u32,
    #[serde(default)]
    pub transports: Option<Vec<Transport>>,
}

fn parse(value: &Value) -> Option<Credential> {
    if value.get("type").and_then(Value::as_str) != Some("WebAuthn") {
        return None;
    }
    serde_json::from_value(value.clone()).ok()
}

pub fn list(user: &UserRecord) -> Vec<Credential> {
    user.mfa_verifications.iter().filter_map(parse).collect()
}

pub fn find(user: &UserRecord, credential_id: &str) -> Option<Credential> {
    list(user).into_iter().find(|c| c.credential_id == credential_id)
}

/// `excludeCredentials` / `allowCredentials`: every credential of the user.
pub fn descriptors(user: &UserRecord) -> Vec<CredentialDescriptor> {
    list(user).iter().map(|c| CredentialDescriptor::new(&c.credential_id, c.transports.as_deref())).collect()
}

/// After a successful assertion: the new signature counter, `lastUsedAt`, and `rpId` when the
/// entry has none yet (Logto fills it in the same way). Retried on concurrent user writes; the
/// counter never moves backwards.
pub async fn record_use(
    app: &App,
    user_id: &str,
    credential_id: &str,
    counter: u32,
    rp_id: &str,
) -> Result<(), Internal> {
    let store = app.store.as_ref();
    for _ in 0..5 {
        let Some(current) = user::find(store, user_id).await? else {
            return Ok(());
        };
        let now = app.clock.now_ms();
        let mut next = current.value.clone();
        let Some(entry) = next.mfa_verifications.iter_mut().find(|v| {
            v.get("type").and_then(Value::as_str) == Some("WebAuthn")
                && v.get("credentialId").and_then(Value::as_str) == Some(credential_id)
        }) else {
            return Ok(());
        };
        if let Some(object) = entry.as_object_mut() {
            let stored = object.get("counter").and_then(Value::as_u64).unwrap_or(0);
            object.insert("counter".into(), Value::from(stored.max(u64::from(counter))));
            object.insert("lastUsedAt".into(), Value::String(crate::domain::mfa::iso8601(now)));
            object.entry("rpId").or_insert_with(|| Value::String(rp_id.to_owned()));
        }
        next.updated_at = now;
        match user::update(store, &current, &next).await {
            Ok(()) => return Ok(()),
            Err(UserError::Stale | UserError::Taken(_)) => continue,
            Err(UserError::Internal(e)) => return Err(e),
        }
    }
    Err(Internal::Store(StoreError::Unavailable("user record kept changing".into())))
}
