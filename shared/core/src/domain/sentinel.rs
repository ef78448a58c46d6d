//! Brute-force lockout (Logto's `BasicSentinel`, reference §4.10).
//!
//! Every guarded verification reports its outcome for the SHA-256 hash of the identifier it
//! named. Password, verification-code and one-time-token attempts share one pool per
//! identifier; each MFA factor has its own. A pool is blocked for `lockoutDuration` minutes
//! once `maxAttempts` failures fall within one hour (defaults 100 / 60 minutes).
//!
//! As in Logto (one row per activity, counted in SQL), each failure is its own record, written
//! under a fresh id with `IfAbsent` and expiring when it leaves the one-hour window; a report
//! counts them with one prefix listing. Concurrent failures therefore never overwrite each
//! other and never retry: every one is counted, on every backend. A block is one record that
//! expires when the lockout ends. A success only reads the block record.
//!
//! Like Logto's count-then-insert, two failures racing at the threshold may both be allowed;
//! the next one blocks. That is the only slack, and it is bounded by the concurrency.

use sha2::{Digest, Sha256};

use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{PutOptions, StoreError, keys};

/// The window in which failures are counted (Logto: `interval '1 hour'`).
pub const WINDOW_MS: Millis = 60 * 60 * 1000;

/// What was attempted (Logto's `SentinelActivityAction` values the sentinel accepts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Password,
    VerificationCode,
    OneTimeToken,
    MfaTotp,
    WebAuthn,
    MfaBackupCode,
}

impl Action {
    /// The pool this action counts in: first factors share one, each MFA factor has its own
    /// (so MFA failures cannot lock a user out of password sign-in, and vice versa).
    fn pool(self) -> &'static str {
        match self {
            Action::Password | Action::VerificationCode | Action::OneTimeToken => "identifier",
            Action::MfaTotp => "totp",
            Action::WebAuthn => "webauthn",
            Action::MfaBackupCode => "backup_code",
        }
    }
}

/// `signInExperience.sentinelPolicy` over Logto's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_attempts: u32,
    pub lockout_minutes: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self { max_attempts: 100, lockout_minutes: 60 }
    }
}

impl Policy {
    /// Logto's stored partial policy (`{maxAttempts?, lockoutDuration?}`) over the defaults.
    pub fn from_json(value: Option<&serde_json::Value>) -> Self {
        let default = Self::default();
        let field = |name: &str| super::sign_in_experience::positive_setting(value, name);
        Self {
            max_attempts: field("maxAttempts").unwrap_or(default.max_attempts),
            lockout_minutes: field("lockoutDuration").unwrap_or(default.lockout_minutes),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Blocked until this instant (ms).
    Blocked {
        until: Millis,
    },
}

/// Logto's `targetHash`: SHA-256 of the identifier value, hex.
pub fn target_hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Report one attempt on `identifier` and get the decision (Logto's `reportActivity`).
/// A blocked decision wins over the attempt's own outcome: the caller answers
/// `session.verification_blocked_too_many_attempts` even for a correct password.
pub async fn report(
    app: &App,
    action: Action,
    identifier: &str,
    failed: bool,
    policy: Policy,
) -> Result<Decision, Internal> {
    let hash = target_hash(identifier);
    let pool = action.pool();
    let now = app.clock.now_ms();
    if let Some(record) = app.store.get(&keys::sentinel_block(pool, &hash)).await? {
        // Attempts during a block are recorded as blocked in Logto and never counted.
        let until = record.expires_at.unwrap_or(now);
        return Ok(Decision::Blocked { until });
    }
    if !failed {
        return Ok(Decision::Allowed);
    }
    let max = usize::try_from(policy.max_attempts).unwrap_or(usize::MAX).max(1);
    // Expired failures (older than the window) are not listed.
    let counted = if max > 1 {
        app.store.list(&keys::sentinel_failures(pool, &hash), None, max - 1).await?.items.len()
    } else {
        0
    };
    if counted + 1 >= max {
        let until = now + Millis::from(policy.lockout_minutes) * 60_000;
        app.store
            .put(&keys::sentinel_block(pool, &hash), b"{}".to_vec(), PutOptions::ALWAYS.expiring_at(until))
            .await?;
        return Ok(Decision::Blocked { until });
    }
    // The id sorts by time, so the listing above sees the oldest first; any order would do.
    let id = format!("{:020}-{}", now.max(0), app.rng.id(8));
    let options = PutOptions::IF_ABSENT.expiring_at(now + WINDOW_MS);
    match app.store.put(&keys::sentinel_failure(pool, &hash, &id), b"{}".to_vec(), options).await {
        // A collision of a random id with the same millisecond: already counted enough.
        Ok(_) | Err(StoreError::Conflict { .. }) => Ok(Decision::Allowed),
        Err(e) => Err(e.into()),
    }
}

/// Lift a block and forget the failures (Logto's `POST /api/sentinel-activities/delete`).
pub async fn clear(app: &App, identifier: &str) -> Result<(), Internal> {
    let hash = target_hash(identifier);
    for action in [Action::Password, Action::MfaTotp, Action::WebAuthn, Action::MfaBackupCode] {
        let pool = action.pool();
        app.store.delete(&keys::sentinel_block(pool, &hash)).await?;
        loop {
            let page = app.store.list(&keys::sentinel_failures(pool, &hash), None, 100).await?;
            if page.items.is_empty() {
                break;
            }
            for (key, _) in page.items {
                app.store.delete(&key).await?;
            }
        }
    }
    Ok(())
}

#[cfg(all(test, feature = "ring"))]
mod tests {
    use super::*;
    use crate::testing;

    const FIVE: Policy = Policy { max_attempts: 5, lockout_minutes: 10 };

    #[tokio::test]
    async fn the_fifth_failure_within_an_hour_blocks_for_the_lockout() {
        let t = testing::app();
        for _ in 0..4 {
            assert_eq!(report(&t, Action::Password, "alice", true, FIVE).await.unwrap(), Decision::Allowed);
        }
        let blocked = report(&t, Action::Password, "alice", true, FIVE).await.unwrap();
        assert_eq!(blocked, Decision::Blocked { until: testing::T0 + 10 * 60_000 });
        // Even a correct password is refused while blocked.
        assert_eq!(report(&t, Action::Password, "alice", false, FIVE).await.unwrap(), blocked);
        // Another identifier is unaffected.
        assert_eq!(report(&t, Action::Password, "bob", true, FIVE).await.unwrap(), Decision::Allowed);
    }

    #[tokio::test]
    async fn codes_and_passwords_share_a_pool_but_mfa_does_not() {
        let t = testing::app();
        for _ in 0..2 {
            report(&t, Action::Password, "alice", true, FIVE).await.unwrap();
            report(&t, Action::VerificationCode, "alice", true, FIVE).await.unwrap();
        }
        for _ in 0..4 {
            assert_eq!(report(&t, Action::MfaTotp, "alice", true, FIVE).await.unwrap(), Decision::Allowed);
        }
        assert!(matches!(
            report(&t, Action::OneTimeToken, "alice", true, FIVE).await.unwrap(),
            Decision::Blocked { .. }
        ));
    }

    #[tokio::test]
    async fn failures_older_than_an_hour_do_not_count_and_blocks_end() {
        let t = testing::app();
        for _ in 0..4 {
            report(&t, Action::Password, "alice", true, FIVE).await.unwrap();
        }
        t.clock.advance_ms(WINDOW_MS + 1);
        for _ in 0..4 {
            assert_eq!(report(&t, Action::Password, "alice", true, FIVE).await.unwrap(), Decision::Allowed);
        }
        assert!(matches!(report(&t, Action::Password, "alice", true, FIVE).await.unwrap(), Decision::Blocked { .. }));
        t.clock.advance_ms(10 * 60_000);
        // The block is over; as in Logto, the four failures before it still count for the
        // rest of their hour, so one more failure blocks again.
        assert_eq!(report(&t, Action::Password, "alice", false, FIVE).await.unwrap(), Decision::Allowed);
        assert!(matches!(report(&t, Action::Password, "alice", true, FIVE).await.unwrap(), Decision::Blocked { .. }));
    }

    #[tokio::test]
    async fn concurrent_failures_are_all_counted() {
        let app = crate::domain::testing::yielding_app();
        let policy = Policy { max_attempts: 30, lockout_minutes: 60 };
        let reports = (0..29).map(|_| report(&app, Action::Password, "carol", true, policy));
        let decisions = futures::future::join_all(reports).await;
        assert!(decisions.iter().all(|d| matches!(d, Ok(Decision::Allowed))), "{decisions:?}");
        // All 29 interleaved failures were counted: the 30th blocks.
        assert!(matches!(
            report(&app, Action::Password, "carol", true, policy).await.unwrap(),
            Decision::Blocked { .. }
        ));
    }

    #[test]
    fn policy_reads_logto_partial_json() {
        assert_eq!(Policy::from_json(None), Policy::default());
        let json = serde_json::json!({"maxAttempts": 5});
        assert_eq!(Policy::from_json(Some(&json)), Policy { max_attempts: 5, lockout_minutes: 60 });
        assert_eq!(target_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
