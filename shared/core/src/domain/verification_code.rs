//! Verification codes sent by email or SMS (Logto's `passcodes`), shared by the Experience API
//! and (later) the Account API.
//!
//! A code is 6 digits, bound to the verification record that asked for it (its 21-character
//! id is the key, as Logto keys passcodes by `interaction_jti`), to the email or phone it was
//! sent to, and to a template type. It lives 10 minutes and allows 10 tries (Logto's
//! `verificationCodePolicy` defaults, both overridable in the sign-in experience).
//!
//! At rest only a SHA-256 of the record id and the code is kept. Six digits are no secret
//! against someone who can read the store (10^6 guesses offline); what protects them is the
//! short life and the attempt limit, enforced atomically: every try first wins a conditional
//! write (`IfVersion`) that counts it or, for the right code, marks the code used — so N
//! parallel guesses cost N counted tries, and exactly one request can use a code.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{PutOptions, StoreError, keys};

pub const LENGTH: usize = 6;
const RETRIES: usize = 16;
/// Codes are kept this long past their expiry so a late try answers `expired`, not `not_found`.
const KEEP_AFTER_EXPIRY_MS: Millis = 60 * 60 * 1000;

/// Where a code was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum Recipient {
    Email(String),
    Phone(String),
}

/// `signInExperience.verificationCodePolicy` over Logto's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub expiration_secs: u32,
    pub max_tries: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self { expiration_secs: 600, max_tries: 10 }
    }
}

impl Policy {
    /// Logto's stored partial policy (`{expirationDuration?, maxRetryAttempts?}`).
    pub fn from_json(value: Option<&serde_json::Value>) -> Self {
        let default = Self::default();
        let field = |name: &str| super::sign_in_experience::positive_setting(value, name);
        Self {
            expiration_secs: field("expirationDuration").unwrap_or(default.expiration_secs),
            max_tries: field("maxRetryAttempts").unwrap_or(default.max_tries),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredCode {
    digest: String,
    recipient: Recipient,
    template_type: String,
    created_at: Millis,
    expires_at: Millis,
    max_tries: u32,
    try_count: u32,
    used: bool,
}

/// Why a code was refused (Logto's `verification_code.*`, all 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    NotFound,
    EmailMismatch,
    PhoneMismatch,
    Expired,
    ExceedMaxTry,
    Mismatch,
}

impl CodeError {
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::NotFound => "verification_code.not_found",
            CodeError::EmailMismatch => "verification_code.email_mismatch",
            CodeError::PhoneMismatch => "verification_code.phone_mismatch",
            CodeError::Expired => "verification_code.expired",
            CodeError::ExceedMaxTry => "verification_code.exceed_max_try",
            CodeError::Mismatch => "verification_code.code_mismatch",
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            CodeError::NotFound => "Verification code not found. Please send verification code first.",
            CodeError::EmailMismatch => "Email mismatch. Please request a new verification code.",
            CodeError::PhoneMismatch => "Phone mismatch. Please request a new verification code.",
            CodeError::Expired => "Verification code has expired. Please request a new verification code.",
            CodeError::ExceedMaxTry => {
                "Verification code retries limitation exceeded. Please request a new verification code."
            }
            CodeError::Mismatch => "Invalid verification code.",
        }
    }
}

fn digest(verification_id: &str, code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(verification_id.as_bytes());
    hasher.update(b":");
    hasher.update(code.as_bytes());
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh code: `LENGTH` uniformly random digits.
fn generate(app: &App) -> String {
    let mut out = String::with_capacity(LENGTH);
    let mut byte = [0u8; 1];
    while out.len() < LENGTH {
        app.rng.fill(&mut byte);
        // Rejection sampling keeps the digits uniform (250 = 25 * 10).
        if byte[0] < 250 {
            out.push(char::from(b'0' + byte[0] % 10));
        }
    }
    out
}

/// Create the code for `verification_id` (replacing any earlier one) and return it in clear,
/// for the caller to send. Only its digest is stored.
pub async fn create(
    app: &App,
    verification_id: &str,
    recipient: Recipient,
    template_type: &str,
    policy: Policy,
) -> Result<String, Internal> {
    let code = generate(app);
    let now = app.clock.now_ms();
    let expires_at = now + Millis::from(policy.expiration_secs) * 1000;
    let stored = StoredCode {
        digest: digest(verification_id, &code),
        recipient,
        template_type: template_type.to_owned(),
        created_at: now,
        expires_at,
        max_tries: policy.max_tries,
        try_count: 0,
        used: false,
    };
    let bytes = serde_json::to_vec(&stored).map_err(|e| Internal::Bug(format!("encode code: {e}")))?;
    app.store
        .put(
            &keys::verification_code(verification_id),
            bytes,
            PutOptions::ALWAYS.expiring_at(expires_at + KEEP_AFTER_EXPIRY_MS),
        )
        .await?;
    Ok(code)
}

/// Check `code` for `verification_id` sent to `recipient`; on success the code is used up.
/// Logto's order: not found, recipient mismatch, expired, too many tries, wrong code.
pub async fn verify(
    app: &App,
    verification_id: &str,
    recipient: &Recipient,
    code: &str,
) -> Result<Result<(), CodeError>, Internal> {
    let key = keys::verification_code(verification_id);
    for _ in 0..RETRIES {
        let Some(record) = app.store.get(&key).await? else {
            return Ok(Err(CodeError::NotFound));
        };
        let mut stored: StoredCode = serde_json::from_slice(&record.value)
            .map_err(|e| Internal::Store(StoreError::Corrupt(format!("{key}: {e}"))))?;
        if stored.used {
            return Ok(Err(CodeError::NotFound));
        }
        match (&stored.recipient, recipient) {
            (Recipient::Email(a), Recipient::Email(b)) if a == b => {}
            (Recipient::Phone(a), Recipient::Phone(b)) if a == b => {}
            (_, Recipient::Email(_)) => return Ok(Err(CodeError::EmailMismatch)),
            (_, Recipient::Phone(_)) => return Ok(Err(CodeError::PhoneMismatch)),
        }
        if app.clock.now_ms() >= stored.expires_at {
            return Ok(Err(CodeError::Expired));
        }
        if stored.try_count >= stored.max_tries {
            return Ok(Err(CodeError::ExceedMaxTry));
        }
        let matches: bool = digest(verification_id, code).as_bytes().ct_eq(stored.digest.as_bytes()).into();
        if matches {
            stored.used = true;
        } else {
            stored.try_count += 1;
        }
        let bytes = serde_json::to_vec(&stored).map_err(|e| Internal::Bug(format!("encode code: {e}")))?;
        let mut options = PutOptions::if_version(record.version);
        options.expires_at = record.expires_at;
        match app.store.put(&key, bytes, options).await {
            Ok(_) => return Ok(if matches { Ok(()) } else { Err(CodeError::Mismatch) }),
            // Someone else tried (or used the code) meanwhile: decide again on fresh state.
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Internal::Store(StoreError::Unavailable("verification code: too much contention".into())))
}

#[cfg(all(test, feature = "ring"))]
mod tests {
    use super::*;
    use crate::store::Store as _;
    use crate::testing;

    fn email(s: &str) -> Recipient {
        Recipient::Email(s.into())
    }

    #[tokio::test]
    async fn a_code_is_six_digits_stored_hashed_and_works_once() {
        let t = testing::app();
        let code = create(&t, "v1", email("a@x.com"), "SignIn", Policy::default()).await.unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        let raw = t.store.get(&keys::verification_code("v1")).await.unwrap().unwrap();
        assert!(!String::from_utf8(raw.value).unwrap().contains(&code));
        assert_eq!(verify(&t, "v1", &email("a@x.com"), &code).await.unwrap(), Ok(()));
        assert_eq!(verify(&t, "v1", &email("a@x.com"), &code).await.unwrap(), Err(CodeError::NotFound));
    }

    #[tokio::test]
    async fn errors_come_in_logto_order() {
        let t = testing::app();
        assert_eq!(verify(&t, "nope", &email("a@x.com"), "1").await.unwrap(), Err(CodeError::NotFound));
        let code =
            create(&t, "v1", email("a@x.com"), "SignIn", Policy { expiration_secs: 600, max_tries: 2 }).await.unwrap();
        assert_eq!(verify(&t, "v1", &email("b@x.com"), &code).await.unwrap(), Err(CodeError::EmailMismatch));
        assert_eq!(
            verify(&t, "v1", &Recipient::Phone("1".into()), &code).await.unwrap(),
            Err(CodeError::PhoneMismatch)
        );
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(verify(&t, "v1", &email("a@x.com"), wrong).await.unwrap(), Err(CodeError::Mismatch));
        assert_eq!(verify(&t, "v1", &email("a@x.com"), wrong).await.unwrap(), Err(CodeError::Mismatch));
        // Out of tries: even the right code is refused.
        assert_eq!(verify(&t, "v1", &email("a@x.com"), &code).await.unwrap(), Err(CodeError::ExceedMaxTry));
        t.clock.advance_ms(600_000);
        assert_eq!(verify(&t, "v1", &email("a@x.com"), &code).await.unwrap(), Err(CodeError::Expired));
    }

    #[tokio::test]
    async fn a_new_code_replaces_the_old_one() {
        let t = testing::app();
        let first = create(&t, "v1", email("a@x.com"), "SignIn", Policy::default()).await.unwrap();
        let second = create(&t, "v1", email("a@x.com"), "SignIn", Policy::default()).await.unwrap();
        if first != second {
            assert_eq!(verify(&t, "v1", &email("a@x.com"), &first).await.unwrap(), Err(CodeError::Mismatch));
        }
        assert_eq!(verify(&t, "v1", &email("a@x.com"), &second).await.unwrap(), Ok(()));
    }

    #[tokio::test]
    async fn parallel_guesses_each_cost_a_try_and_a_code_is_used_once() {
        let app = crate::domain::testing::yielding_app();
        let code = create(&app, "v1", email("a@x.com"), "SignIn", Policy { expiration_secs: 600, max_tries: 5 })
            .await
            .unwrap();
        let wrong: Vec<String> =
            (0..20).map(|i| format!("{:06}", (code.parse::<u32>().unwrap() + 1 + i) % 1_000_000)).collect();
        let to = email("a@x.com");
        let guesses = wrong.iter().map(|w| verify(&app, "v1", &to, w));
        let results = futures::future::join_all(guesses).await;
        let mismatches = results.iter().filter(|r| matches!(r, Ok(Err(CodeError::Mismatch)))).count();
        assert_eq!(mismatches, 5, "{results:?}");
        assert_eq!(verify(&app, "v1", &email("a@x.com"), &code).await.unwrap(), Err(CodeError::ExceedMaxTry));

        let code = create(&app, "v2", email("a@x.com"), "SignIn", Policy::default()).await.unwrap();
        let uses = (0..8).map(|_| verify(&app, "v2", &to, &code));
        let results = futures::future::join_all(uses).await;
        assert_eq!(results.iter().filter(|r| matches!(r, Ok(Ok(())))).count(), 1, "{results:?}");
    }

    #[test]
    fn policy_reads_logto_partial_json() {
        let json = serde_json::json!({"expirationDuration": 60});
        assert_eq!(Policy::from_json(Some(&json)), Policy { expiration_secs: 60, max_tries: 10 });
    }
}
