//! A user's second factors (Logto's `users.mfa_verifications`): the typed records, their
//! public projection, and the repository operations that use them.
//!
//! The JSON shapes are Logto's (`packages/schemas/src/foundations/jsonb-types/users.ts`):
//! `{id, type, createdAt (ISO string), lastUsedAt?, …}` with `key` + `lastUsedTimeStep?` for
//! TOTP, `codes: [{code, usedAt?}]` for backup codes and the credential fields for WebAuthn.
//! One deliberate difference: a backup code's `code` is stored **hashed** ([`backup_code`]),
//! where Logto keeps it in clear; so nothing can read a user's unused codes back, and
//! `GET /api/my-account/mfa-verifications/backup-codes` answers without them.
//!
//! Single use is decided by the store, not by a read: using a TOTP code (its time step) or a
//! backup code rewrites the user record `IfVersion`, so of two concurrent uses of one code
//! exactly one passes; the loser re-reads, finds the code spent and is refused.

pub mod backup_code;
pub mod errors;
mod iso;
pub mod totp;
pub mod webauthn;

use serde::{Deserialize, Serialize};

pub use super::sign_in_experience::MfaFactor;
use super::table::Versioned;
use super::user::{self, UserError, UserRecord};
use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::StoreError;
pub use iso::iso8601;
pub use webauthn::{BindWebAuthn, Transport};

/// A TOTP factor: the base32 secret (`key`) and the last time step a code was accepted for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotpFactor {
    pub id: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
    pub key: String,
    /// Codes of this step or an earlier one are refused (Logto's replay guard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_time_step: Option<u64>,
}

/// A WebAuthn credential (filled by the WebAuthn stream; Logto's field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebAuthnFactor {
    pub id: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rp_id: Option<String>,
    pub credential_id: String,
    pub public_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<Transport>>,
    pub counter: u32,
    pub agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One backup code: its hash (see [`backup_code::hash`]) and when it was spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupCode {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupCodeFactor {
    pub id: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
    pub codes: Vec<BackupCode>,
}

impl BackupCodeFactor {
    pub fn remaining(&self) -> usize {
        self.codes.iter().filter(|c| c.used_at.is_none()).count()
    }
}

/// One entry of `users.mfa_verifications` (Logto's `mfaVerificationGuard`, tagged by `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum MfaVerification {
    Totp(TotpFactor),
    WebAuthn(WebAuthnFactor),
    BackupCode(BackupCodeFactor),
}

impl MfaVerification {
    pub fn id(&self) -> &str {
        match self {
            MfaVerification::Totp(f) => &f.id,
            MfaVerification::WebAuthn(f) => &f.id,
            MfaVerification::BackupCode(f) => &f.id,
        }
    }

    pub fn factor(&self) -> MfaFactor {
        match self {
            MfaVerification::Totp(_) => MfaFactor::Totp,
            MfaVerification::WebAuthn(_) => MfaFactor::WebAuthn,
            MfaVerification::BackupCode(_) => MfaFactor::BackupCode,
        }
    }

    pub fn last_used_at(&self) -> Option<&str> {
        match self {
            MfaVerification::Totp(f) => f.last_used_at.as_deref(),
            MfaVerification::WebAuthn(f) => f.last_used_at.as_deref(),
            MfaVerification::BackupCode(f) => f.last_used_at.as_deref(),
        }
    }

    /// Whether it can still be used: a backup-code set with every code spent cannot.
    pub fn is_usable(&self) -> bool {
        match self {
            MfaVerification::BackupCode(f) => f.remaining() > 0,
            _ => true,
        }
    }

    /// The public projection (Logto's `transpileUserMfaVerifications`).
    pub fn response(&self) -> MfaVerificationResponse<'_> {
        match self {
            MfaVerification::Totp(f) => MfaVerificationResponse::base(&f.id, &f.created_at, MfaFactor::Totp),
            MfaVerification::BackupCode(f) => MfaVerificationResponse {
                remain_codes: Some(f.remaining()),
                ..MfaVerificationResponse::base(&f.id, &f.created_at, MfaFactor::BackupCode)
            },
            MfaVerification::WebAuthn(f) => MfaVerificationResponse {
                last_used_at: f.last_used_at.as_deref(),
                agent: Some(&f.agent),
                name: f.name.as_deref(),
                ..MfaVerificationResponse::base(&f.id, &f.created_at, MfaFactor::WebAuthn)
            },
        }
    }
}

/// `GET /api/users/:id/mfa-verifications` and `GET /api/my-account/mfa-verifications` items
/// (`userMfaVerificationResponseGuard`): no secrets, no codes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaVerificationResponse<'a> {
    pub id: &'a str,
    pub created_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<&'a str>,
    #[serde(rename = "type")]
    pub kind: MfaFactor,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remain_codes: Option<usize>,
}

impl<'a> MfaVerificationResponse<'a> {
    fn base(id: &'a str, created_at: &'a str, kind: MfaFactor) -> Self {
        Self { id, created_at, last_used_at: None, kind, agent: None, name: None, remain_codes: None }
    }
}

/// A factor about to be added (Logto's `BindMfa`): what binding flows hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindMfa {
    Totp {
        secret: String,
    },
    WebAuthn(BindWebAuthn),
    /// The codes in clear, as shown to the user once; hashed by [`BindMfa::into_verification`].
    BackupCode {
        codes: Vec<String>,
    },
}

impl BindMfa {
    pub fn factor(&self) -> MfaFactor {
        match self {
            BindMfa::Totp { .. } => MfaFactor::Totp,
            BindMfa::WebAuthn(_) => MfaFactor::WebAuthn,
            BindMfa::BackupCode { .. } => MfaFactor::BackupCode,
        }
    }

    /// The stored record (Logto's `convertBindMfaToMfaVerification`): a fresh 21-char id,
    /// `createdAt` now, backup codes hashed.
    pub fn into_verification(self, app: &App) -> MfaVerification {
        let id = app.rng.id(21);
        let created_at = iso8601(app.clock.now_ms());
        match self {
            BindMfa::Totp { secret } => MfaVerification::Totp(TotpFactor {
                id,
                created_at,
                last_used_at: None,
                key: secret,
                last_used_time_step: None,
            }),
            BindMfa::WebAuthn(w) => MfaVerification::WebAuthn(WebAuthnFactor {
                id,
                created_at,
                last_used_at: None,
                rp_id: Some(w.rp_id),
                credential_id: w.credential_id,
                public_key: w.public_key,
                transports: Some(w.transports),
                counter: w.counter,
                agent: w.agent,
                name: w.name,
            }),
            BindMfa::BackupCode { codes } => MfaVerification::BackupCode(BackupCodeFactor {
                id,
                created_at,
                last_used_at: None,
                codes: codes
                    .iter()
                    .map(|code| BackupCode { code: backup_code::hash(app.rng.as_ref(), code), used_at: None })
                    .collect(),
            }),
        }
    }
}

/// Typed reads on the user's factors.
impl UserRecord {
    /// The user's TOTP factor (a user has at most one).
    pub fn totp(&self) -> Option<&TotpFactor> {
        self.mfa_verifications.iter().find_map(|v| match v {
            MfaVerification::Totp(t) => Some(t),
            _ => None,
        })
    }

    /// The user's backup-code set (at most one; a new set replaces the old).
    pub fn backup_codes(&self) -> Option<&BackupCodeFactor> {
        self.mfa_verifications.iter().find_map(|v| match v {
            MfaVerification::BackupCode(b) => Some(b),
            _ => None,
        })
    }

    pub fn webauthn_credentials(&self) -> impl Iterator<Item = &WebAuthnFactor> {
        self.mfa_verifications.iter().filter_map(|v| match v {
            MfaVerification::WebAuthn(w) => Some(w),
            _ => None,
        })
    }

    pub fn mfa_verification(&self, id: &str) -> Option<&MfaVerification> {
        self.mfa_verifications.iter().find(|v| v.id() == id)
    }

    /// Whether the user has a usable factor of this kind stored (not the implicit
    /// email/phone factors, which come from the sign-in experience).
    pub fn has_mfa_factor(&self, factor: MfaFactor) -> bool {
        self.mfa_verifications.iter().any(|v| v.factor() == factor && v.is_usable())
    }

    /// Add factors as Logto's `mergeUserMfaVerifications`: a new backup-code set replaces the
    /// old one; everything else is appended.
    pub fn merge_mfa_verifications(&mut self, new: Vec<MfaVerification>) {
        if new.iter().any(|v| v.factor() == MfaFactor::BackupCode) {
            self.mfa_verifications.retain(|v| v.factor() != MfaFactor::BackupCode);
        }
        self.mfa_verifications.extend(new);
    }
}

/// How many times a user write is retried when the record changed meanwhile.
const RETRIES: usize = 5;

/// Why a change of a user's factors did not happen.
#[derive(Debug)]
pub enum ChangeError<E> {
    /// The user does not exist (any more).
    UserNotFound,
    /// The change itself refused (the caller's error).
    Refused(E),
    Internal(Internal),
}

impl<E> From<Internal> for ChangeError<E> {
    fn from(e: Internal) -> Self {
        ChangeError::Internal(e)
    }
}

/// Read the user, apply `change` to a copy, and write it back `IfVersion`; on a concurrent
/// write, re-read and apply again (so `change` always decides on the current record). Also
/// what the Account and Management APIs use to add or remove factors.
pub async fn change<T, E>(
    app: &App,
    user_id: &str,
    mut change: impl FnMut(&mut UserRecord, Millis) -> Result<T, E>,
) -> Result<(T, UserRecord), ChangeError<E>> {
    let store = app.store.as_ref();
    for _ in 0..RETRIES {
        let Some(current): Option<Versioned<UserRecord>> = user::find(store, user_id).await? else {
            return Err(ChangeError::UserNotFound);
        };
        let now = app.clock.now_ms();
        let mut next = current.value.clone();
        let out = change(&mut next, now).map_err(ChangeError::Refused)?;
        next.updated_at = now;
        match user::update(store, &current, &next).await {
            Ok(()) => return Ok((out, next)),
            Err(UserError::Stale | UserError::Taken(_)) => continue,
            Err(UserError::Internal(e)) => return Err(e.into()),
        }
    }
    Err(Internal::Store(StoreError::Unavailable("user record kept changing".into())).into())
}

/// Why a code was refused (all answered alike on the wire; kept apart for tests and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefused {
    /// No such factor, or the code does not match.
    Invalid,
    /// The code matched but was already used (TOTP: this time step or a later one already
    /// accepted; backup code: spent).
    Replayed,
}

/// Verify a TOTP code against the user's stored secret and spend its time step (Logto's
/// `verifyUserExistingTotp` + `updateUserTotpMfaVerificationLastUsed`): a code is accepted
/// only for a step later than the last accepted one.
pub async fn use_totp(app: &App, user_id: &str, code: &str) -> Result<(), ChangeError<CodeRefused>> {
    change(app, user_id, |user, now| {
        let Some(MfaVerification::Totp(factor)) =
            user.mfa_verifications.iter_mut().find(|v| matches!(v, MfaVerification::Totp(_)))
        else {
            return Err(CodeRefused::Invalid);
        };
        let step = totp::matching_step(&factor.key, code, now).ok_or(CodeRefused::Invalid)?;
        if factor.last_used_time_step.is_some_and(|last| step <= last) {
            return Err(CodeRefused::Replayed);
        }
        factor.last_used_time_step = Some(step);
        factor.last_used_at = Some(iso8601(now));
        Ok(())
    })
    .await
    .map(|_| ())
}

/// Spend one of the user's backup codes (Logto's `BackupCodeVerification.verify`).
pub async fn use_backup_code(app: &App, user_id: &str, code: &str) -> Result<(), ChangeError<CodeRefused>> {
    change(app, user_id, |user, now| {
        let Some(MfaVerification::BackupCode(factor)) =
            user.mfa_verifications.iter_mut().find(|v| matches!(v, MfaVerification::BackupCode(_)))
        else {
            return Err(CodeRefused::Invalid);
        };
        let Some(entry) = factor.codes.iter_mut().find(|c| backup_code::matches(&c.code, code)) else {
            return Err(CodeRefused::Invalid);
        };
        if entry.used_at.is_some() {
            return Err(CodeRefused::Replayed);
        }
        let at = iso8601(now);
        entry.used_at = Some(at.clone());
        factor.last_used_at = Some(at);
        Ok(())
    })
    .await
    .map(|_| ())
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests;
