//! Verification records of the Account API (Logto's `verification_records` table, created by
//! `/api/verifications/*`): proof, valid for [`TTL_SECS`], that the holder of an access token
//! knows the user's password, received a code at an email/phone, and so on. A sensitive
//! Account API write names one in `logto-verification-id` ([`Stored::grants_permission`]); a
//! new email/phone is proven by a second one (`newIdentifierVerificationRecordId`).
//!
//! Each record lives under `verification_record/<id>` and expires in the store. Unlike Logto
//! (which leaves new-identifier records unowned), every record is bound to the user whose
//! token created it and [`find`] answers `None` for anyone else's, so a leaked record id is
//! useless to another account. Updates (a code checked, a social callback) are `IfVersion`.
//!
//! The data is Logto's `VerificationRecordData` tagged by `type`; other streams add variants
//! (Social, WebAuthn) — an unknown variant reads as `None`, as Logto's failed `safeParse`.

use serde::{Deserialize, Serialize};

use super::table::{self, Versioned};
use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Condition, PutOptions, StoreError, WriteOp, keys};

/// Logto's `expirationTime`: ten minutes.
pub const TTL_SECS: i64 = 600;

/// Logto's template names for codes sent through the Account API.
pub const USER_PERMISSION_VALIDATION: &str = "UserPermissionValidation";
pub const BIND_NEW_IDENTIFIER: &str = "BindNewIdentifier";
pub const BIND_MFA: &str = "BindMfa";

/// What a record proves something about (`{type, value}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub kind: IdentifierType,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentifierType {
    /// Logto's `AdditionalIdentifier.UserId` (password records).
    UserId,
    Email,
    Phone,
}

/// The record's payload (Logto's `VerificationRecordData`, tagged by `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum VerificationRecord {
    Password(PasswordRecord),
    EmailVerificationCode(CodeRecord),
    PhoneVerificationCode(CodeRecord),
    WebAuthn(WebAuthnRecord),
    Social(Box<SocialRecord>),
}

/// A social identity being proven (`POST /api/verifications/social` + `.../verify`, Logto's
/// `SocialVerificationRecordData` with the connector session kept in the record): verified
/// once `socialUserInfo` is set; the session is spent by the first verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialRecord {
    pub connector_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_user_info: Option<crate::connectors::social::SocialUserInfo>,
    #[serde(default)]
    pub connector_session: crate::connectors::social::ConnectorSession,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordRecord {
    pub identifier: Identifier,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRecord {
    pub identifier: Identifier,
    /// `UserPermissionValidation`, `BindNewIdentifier` or `BindMfa`.
    pub template_type: String,
    pub verified: bool,
}

/// A WebAuthn registration (`POST /api/verifications/web-authn/registration`): the challenge
/// until the browser's response is verified, then the credential to bind (Logto's
/// `WebAuthnVerificationRecordData`; the owner is [`Stored::user_id`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebAuthnRecord {
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_rp_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_info: Option<super::mfa::webauthn::BindWebAuthn>,
}

impl VerificationRecord {
    pub fn is_verified(&self) -> bool {
        match self {
            VerificationRecord::Password(r) => r.verified,
            VerificationRecord::EmailVerificationCode(r) | VerificationRecord::PhoneVerificationCode(r) => r.verified,
            VerificationRecord::WebAuthn(r) => r.verified,
            VerificationRecord::Social(r) => r.social_user_info.is_some(),
        }
    }

    /// Logto's `isUserPermissionVerificationRecord`: a verified password, or a verified code
    /// sent to the user's current email/phone for permission validation.
    pub fn grants_permission(&self) -> bool {
        match self {
            VerificationRecord::Password(r) => r.verified,
            VerificationRecord::EmailVerificationCode(r) | VerificationRecord::PhoneVerificationCode(r) => {
                r.verified && r.template_type == USER_PERMISSION_VALIDATION
            }
            // A new credential (or a new social identity) proves nothing about who holds the token.
            VerificationRecord::WebAuthn(_) | VerificationRecord::Social(_) => false,
        }
    }
}

/// A stored record: its id, owner, lifetime and payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stored {
    pub id: String,
    /// The user whose access token created it.
    pub user_id: String,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub data: VerificationRecord,
}

impl Stored {
    pub fn grants_permission(&self) -> bool {
        self.data.grants_permission()
    }
}

/// A fresh record id (21 characters, as Logto's nanoid).
pub fn new_id(app: &App) -> String {
    app.rng.id(21)
}

/// Store `data` as a new record of `user_id`, valid for ten minutes from now.
pub async fn insert(app: &App, user_id: &str, data: VerificationRecord) -> Result<Stored, Internal> {
    insert_with_id(app, new_id(app), user_id, data).await
}

/// [`insert`] under an id chosen beforehand (a code sent for the record is keyed by it).
pub async fn insert_with_id(
    app: &App,
    id: String,
    user_id: &str,
    data: VerificationRecord,
) -> Result<Stored, Internal> {
    let now = app.clock.now_ms();
    let stored = Stored {
        id,
        user_id: user_id.to_owned(),
        created_at: now,
        expires_at: now.saturating_add(TTL_SECS * 1000),
        data,
    };
    app.store
        .put(
            &keys::verification_record(&stored.id),
            table::encode(&stored)?,
            PutOptions::IF_ABSENT.expiring_at(stored.expires_at),
        )
        .await?;
    Ok(stored)
}

/// The live record `id` of `user_id`: expired, unknown, foreign and unreadable (an unknown
/// variant, say) records are all `None`.
pub async fn find(app: &App, id: &str, user_id: &str) -> Result<Option<Versioned<Stored>>, Internal> {
    let key = keys::verification_record(id);
    let Some(record) = app.store.get(&key).await? else {
        return Ok(None);
    };
    let Ok(stored) = serde_json::from_slice::<Stored>(&record.value) else {
        tracing::warn!(%key, "unreadable verification record");
        return Ok(None);
    };
    if stored.user_id != user_id || stored.id != id || stored.expires_at <= app.clock.now_ms() {
        return Ok(None);
    }
    Ok(Some(Versioned { value: stored, version: record.version }))
}

/// Why an update did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateError {
    /// Changed (or expired) since it was read.
    Stale,
    Internal(Internal),
}

impl From<Internal> for UpdateError {
    fn from(e: Internal) -> Self {
        UpdateError::Internal(e)
    }
}

/// Replace the payload of a record read at `current` (keeping id, owner and expiry).
pub async fn update(app: &App, current: &Versioned<Stored>, data: VerificationRecord) -> Result<Stored, UpdateError> {
    let next = Stored { data, ..current.value.clone() };
    let op = WriteOp::Put {
        key: keys::verification_record(&next.id),
        value: table::encode(&next)?,
        options: PutOptions { expires_at: Some(next.expires_at), condition: Condition::IfVersion(current.version) },
    };
    match app.store.commit(vec![op]).await {
        Ok(()) => Ok(next),
        Err(StoreError::Conflict { .. }) => Err(UpdateError::Stale),
        Err(e) => Err(UpdateError::Internal(e.into())),
    }
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use super::*;
    use crate::store::Store as _;
    use crate::testing;

    fn password(verified: bool) -> VerificationRecord {
        VerificationRecord::Password(PasswordRecord {
            identifier: Identifier { kind: IdentifierType::UserId, value: "u1".into() },
            verified,
        })
    }

    fn code(template: &str, verified: bool) -> VerificationRecord {
        VerificationRecord::EmailVerificationCode(CodeRecord {
            identifier: Identifier { kind: IdentifierType::Email, value: "a@example.com".into() },
            template_type: template.into(),
            verified,
        })
    }

    #[test]
    fn the_wire_shape_is_logtos() {
        let value = serde_json::to_value(code(BIND_NEW_IDENTIFIER, false)).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "type": "EmailVerificationCode",
                "identifier": {"type": "email", "value": "a@example.com"},
                "templateType": "BindNewIdentifier", "verified": false
            })
        );
    }

    #[test]
    fn only_verified_password_or_permission_codes_grant_permission() {
        assert!(password(true).grants_permission());
        assert!(!password(false).grants_permission());
        assert!(code(USER_PERMISSION_VALIDATION, true).grants_permission());
        assert!(!code(USER_PERMISSION_VALIDATION, false).grants_permission());
        assert!(!code(BIND_NEW_IDENTIFIER, true).grants_permission());
        assert!(!code(BIND_MFA, true).grants_permission());
    }

    #[tokio::test]
    async fn a_record_is_its_owners_for_ten_minutes() {
        let app = testing::app();
        let stored = insert(&app, "u1", password(true)).await.unwrap();
        assert_eq!(stored.expires_at - stored.created_at, 600_000);
        assert_eq!(find(&app, &stored.id, "u1").await.unwrap().unwrap().value, stored);
        assert_eq!(find(&app, &stored.id, "u2").await.unwrap(), None, "foreign");
        assert_eq!(find(&app, "nope", "u1").await.unwrap(), None);
        app.clock.advance_ms(TTL_SECS * 1000);
        assert_eq!(find(&app, &stored.id, "u1").await.unwrap(), None, "expired");
    }

    #[tokio::test]
    async fn updates_are_versioned_and_keep_the_expiry() {
        let app = testing::app();
        let stored = insert(&app, "u1", code(USER_PERMISSION_VALIDATION, false)).await.unwrap();
        let read = find(&app, &stored.id, "u1").await.unwrap().unwrap();
        let next = update(&app, &read, code(USER_PERMISSION_VALIDATION, true)).await.unwrap();
        assert!(next.grants_permission());
        assert_eq!(next.expires_at, stored.expires_at);
        assert_eq!(update(&app, &read, code(USER_PERMISSION_VALIDATION, true)).await, Err(UpdateError::Stale));
        assert!(find(&app, &stored.id, "u1").await.unwrap().unwrap().value.grants_permission());
    }

    #[tokio::test]
    async fn an_unknown_variant_reads_as_missing() {
        let app = testing::app();
        let key = keys::verification_record("x");
        let raw = serde_json::json!({
            "id": "x", "userId": "u1", "createdAt": 0, "expiresAt": i64::MAX,
            "data": {"type": "Nonsense"}
        });
        app.store.put(&key, serde_json::to_vec(&raw).unwrap(), PutOptions::ALWAYS).await.unwrap();
        assert_eq!(find(&app, "x", "u1").await.unwrap(), None);
    }
}
