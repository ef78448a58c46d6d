//! Outbound message rate limit (Logto's `MessageRateGuard`): throttles *sends* of verification
//! codes to protect recipients from spam, separately from the sentinel (which throttles failed
//! verifications).
//!
//! Limits, both rolling windows of 10 minutes:
//! - per recipient (lower-cased email, or phone digits): 10 sends — Logto's
//!   `defaultMessageRateLimitPolicy`, so a recipient cannot be flooded from many sessions;
//! - per interaction: 20 sends — twice what a person can do through the sign-in page's
//!   60-second resend cooldown, so it only stops a script that sprays many recipients from one
//!   session while leaving room for a typo'd address and a few resends.
//!
//! A send takes a slot *before* it happens, with a conditional write (concurrent sends cannot
//! both take the last slot), and gives it back if the send fails (Logto does not count failed
//! sends). Each scope is one record of send times, rewritten with `IfVersion`/`IfAbsent`.

use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{PutOptions, StoreError, keys};

const RETRIES: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub window_ms: Millis,
    pub max_sends: usize,
}

/// Logto's system default: 10 sends per recipient per 600 s.
pub const PER_RECIPIENT: Limit = Limit { window_ms: 600_000, max_sends: 10 };
/// Ours: 20 sends per interaction per 600 s (see the module docs).
pub const PER_INTERACTION: Limit = Limit { window_ms: 600_000, max_sends: 20 };

/// Which counter a slot was taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    scope: &'static str,
    target_hash: String,
    at: Millis,
}

/// The recipient as Logto canonicalises it, so re-casing an email or reformatting a phone
/// number does not get a fresh bucket.
pub fn normalize_recipient(recipient: &str) -> String {
    let trimmed = recipient.trim();
    if trimmed.contains('@') { trimmed.to_lowercase() } else { trimmed.chars().filter(char::is_ascii_digit).collect() }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Sends {
    at: Vec<Millis>,
}

/// Take one slot of `limit` for `target` in `scope`; `Ok(None)` when the window is full
/// (answer 429 `request.message_rate_limited`).
pub async fn take(app: &App, scope: &'static str, target: &str, limit: Limit) -> Result<Option<Slot>, Internal> {
    let target_hash = super::sentinel::target_hash(target);
    let key = keys::message_rate(scope, &target_hash);
    for _ in 0..RETRIES {
        let now = app.clock.now_ms();
        let (mut sends, version) = match app.store.get(&key).await? {
            Some(record) => (
                serde_json::from_slice::<Sends>(&record.value)
                    .map_err(|e| Internal::Store(StoreError::Corrupt(format!("{key}: {e}"))))?,
                Some(record.version),
            ),
            None => (Sends::default(), None),
        };
        sends.at.retain(|at| *at > now - limit.window_ms);
        if sends.at.len() >= limit.max_sends {
            return Ok(None);
        }
        sends.at.push(now);
        let options = version.map_or(PutOptions::IF_ABSENT, PutOptions::if_version).expiring_at(now + limit.window_ms);
        let bytes = serde_json::to_vec(&sends).map_err(|e| Internal::Bug(format!("encode sends: {e}")))?;
        match app.store.put(&key, bytes, options).await {
            Ok(_) => return Ok(Some(Slot { scope, target_hash, at: now })),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    // Many sends for one target racing each other is what this limit exists to stop.
    Ok(None)
}

/// Give a slot back after a failed send (best effort: a lost race keeps the slot counted,
/// which errs on the side of fewer messages).
pub async fn give_back(app: &App, slot: &Slot) {
    let key = keys::message_rate(slot.scope, &slot.target_hash);
    for _ in 0..RETRIES {
        let Ok(Some(record)) = app.store.get(&key).await else { return };
        let Ok(mut sends) = serde_json::from_slice::<Sends>(&record.value) else { return };
        let Some(index) = sends.at.iter().position(|at| *at == slot.at) else { return };
        sends.at.remove(index);
        let Ok(bytes) = serde_json::to_vec(&sends) else { return };
        let mut options = PutOptions::if_version(record.version);
        options.expires_at = record.expires_at;
        match app.store.put(&key, bytes, options).await {
            Err(StoreError::Conflict { .. }) => continue,
            _ => return,
        }
    }
}

#[cfg(all(test, feature = "ring"))]
mod tests {
    use super::*;
    use crate::testing;

    const THREE: Limit = Limit { window_ms: 600_000, max_sends: 3 };

    #[tokio::test]
    async fn a_full_window_refuses_until_sends_age_out() {
        let t = testing::app();
        for _ in 0..3 {
            assert!(take(&t, "recipient", "a@x.com", THREE).await.unwrap().is_some());
        }
        assert!(take(&t, "recipient", "a@x.com", THREE).await.unwrap().is_none());
        assert!(take(&t, "recipient", "b@x.com", THREE).await.unwrap().is_some());
        t.clock.advance_ms(600_001);
        assert!(take(&t, "recipient", "a@x.com", THREE).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_given_back_slot_can_be_taken_again() {
        let t = testing::app();
        let mut slots = Vec::new();
        for _ in 0..3 {
            slots.push(take(&t, "recipient", "a@x.com", THREE).await.unwrap().unwrap());
            t.clock.advance_ms(1);
        }
        give_back(&t, &slots[1]).await;
        assert!(take(&t, "recipient", "a@x.com", THREE).await.unwrap().is_some());
        assert!(take(&t, "recipient", "a@x.com", THREE).await.unwrap().is_none());
    }

    #[test]
    fn recipients_are_canonicalised_as_logto_does() {
        assert_eq!(normalize_recipient(" Foo@Bar.COM "), "foo@bar.com");
        assert_eq!(normalize_recipient("+1 (555) 010-9999"), "15550109999");
    }
}
