//! Logto's `InteractionStorage`: the experience state kept in the OIDC interaction's
//! `experience` field, as JSON with Logto's field names (so what `GET /interaction` shows and
//! what is stored are the same shapes Logto uses).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InteractionEvent {
    SignIn,
    Register,
    ForgotPassword,
}

impl InteractionEvent {
    /// The connector template for codes sent in this event (Logto's `getTemplateTypeByEvent`).
    pub fn template_type(self) -> &'static str {
        match self {
            InteractionEvent::SignIn => "SignIn",
            InteractionEvent::Register => "Register",
            InteractionEvent::ForgotPassword => "ForgotPassword",
        }
    }
}

/// An identifier as the client names it (`{type, value}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub kind: IdentifierType,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentifierType {
    Username,
    Email,
    Phone,
    /// Logto's `AdditionalIdentifier.UserId` (password records after identification).
    UserId,
}

impl IdentifierType {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierType::Username => "username",
            IdentifierType::Email => "email",
            IdentifierType::Phone => "phone",
            IdentifierType::UserId => "userId",
        }
    }
}

/// A verification record (Logto's `VerificationRecordData`, tagged by `type`). Only the
/// kinds edgeid implements so far; others in a stored interaction make it unreadable, which
/// answers `session.interaction_not_found` as Logto does for an invalid storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum VerificationRecord {
    Password(PasswordRecord),
    EmailVerificationCode(CodeRecord),
    PhoneVerificationCode(CodeRecord),
    NewPasswordIdentity(NewPasswordIdentityRecord),
    WebAuthn(WebAuthnRecord),
    /// Boxed: the identity and its raw data dwarf the other records.
    Social(Box<SocialRecord>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordRecord {
    pub id: String,
    pub identifier: Identifier,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRecord {
    pub id: String,
    pub identifier: Identifier,
    pub template_type: String,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPasswordIdentityRecord {
    pub id: String,
    pub identifier: Identifier,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_encrypted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_encryption_method: Option<String>,
}

/// Logto's `WebAuthnVerificationRecordData`: one WebAuthn ceremony (registration or MFA
/// authentication) for the identified user. Challenges are cleared once used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebAuthnRecord {
    pub id: String,
    pub user_id: String,
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_rp_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_info: Option<crate::domain::mfa::webauthn::BindWebAuthn>,
}

/// A social sign-in in progress or done (Logto's `SocialVerificationRecordData`): verified
/// once `socialUserInfo` is set. `connectorSession` (state, redirect URI, nonce, PKCE verifier)
/// never leaves the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialRecord {
    pub id: String,
    pub connector_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_user_info: Option<crate::connectors::social::SocialUserInfo>,
    #[serde(default)]
    pub connector_session: crate::connectors::social::ConnectorSession,
}

/// The kinds, for "one record per type" and typed lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationType {
    Password,
    EmailVerificationCode,
    PhoneVerificationCode,
    NewPasswordIdentity,
    WebAuthn,
    Social,
}

impl VerificationRecord {
    pub fn id(&self) -> &str {
        match self {
            VerificationRecord::Password(r) => &r.id,
            VerificationRecord::EmailVerificationCode(r) | VerificationRecord::PhoneVerificationCode(r) => &r.id,
            VerificationRecord::NewPasswordIdentity(r) => &r.id,
            VerificationRecord::WebAuthn(r) => &r.id,
            VerificationRecord::Social(r) => &r.id,
        }
    }

    pub fn kind(&self) -> VerificationType {
        match self {
            VerificationRecord::Password(_) => VerificationType::Password,
            VerificationRecord::EmailVerificationCode(_) => VerificationType::EmailVerificationCode,
            VerificationRecord::PhoneVerificationCode(_) => VerificationType::PhoneVerificationCode,
            VerificationRecord::NewPasswordIdentity(_) => VerificationType::NewPasswordIdentity,
            VerificationRecord::WebAuthn(_) => VerificationType::WebAuthn,
            VerificationRecord::Social(_) => VerificationType::Social,
        }
    }

    pub fn is_verified(&self) -> bool {
        match self {
            VerificationRecord::Password(r) => r.verified,
            VerificationRecord::EmailVerificationCode(r) | VerificationRecord::PhoneVerificationCode(r) => r.verified,
            VerificationRecord::NewPasswordIdentity(r) => r.password_encrypted.is_some(),
            VerificationRecord::WebAuthn(r) => r.verified,
            VerificationRecord::Social(r) => r.social_user_info.is_some(),
        }
    }

    /// The public shape (`toSanitizedJson`): no password digests.
    fn sanitized(&self) -> Value {
        match self {
            VerificationRecord::NewPasswordIdentity(r) => serde_json::json!({
                "id": r.id, "type": "NewPasswordIdentity", "identifier": r.identifier,
            }),
            // No challenges, no credential: `toSanitizedJson`.
            VerificationRecord::WebAuthn(r) => serde_json::json!({
                "id": r.id, "type": "WebAuthn", "userId": r.user_id, "verified": r.verified,
            }),
            VerificationRecord::Social(r) => {
                let mut out = serde_json::json!({ "id": r.id, "type": "Social", "connectorId": r.connector_id });
                if let (Some(info), Some(object)) = (&r.social_user_info, out.as_object_mut()) {
                    object.insert("socialUserInfo".into(), serde_json::to_value(info).unwrap_or(Value::Null));
                }
                out
            }
            other => serde_json::to_value(other).unwrap_or(Value::Null),
        }
    }
}

/// Profile data staged for the user (Logto's `InteractionProfile`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_encrypted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_encryption_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted: Option<bool>,
    /// A social identity to link to the user (Logto's `socialIdentity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_identity: Option<SocialIdentity>,
}

/// Logto's `InteractionProfile.socialIdentity`: `{target, userInfo}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialIdentity {
    pub target: String,
    pub user_info: crate::connectors::social::SocialUserInfo,
}

impl SocialIdentity {
    /// The user's `identities[target]` entry (Logto's `toUserSocialIdentityData`).
    pub fn to_identity(&self) -> crate::domain::user::Identity {
        let details = match serde_json::to_value(&self.user_info) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        };
        crate::domain::user::Identity { user_id: self.user_info.id.clone(), details }
    }
}

impl Profile {
    /// What `GET /interaction` shows (Logto's `sanitizedData`: no password digest).
    fn sanitized(&self) -> Value {
        let mut copy = self.clone();
        copy.password_encrypted = None;
        copy.password_encryption_method = None;
        copy.submitted = None;
        serde_json::to_value(copy).unwrap_or_else(|_| Value::Object(Map::new()))
    }

    /// `unsafeSet`: later values win.
    pub fn merge(&mut self, other: Profile) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            username,
            primary_email,
            primary_phone,
            name,
            avatar,
            profile,
            custom_data,
            password_encrypted,
            password_encryption_method,
            submitted,
            social_identity
        );
    }

    /// After the user is created, only the `submitted` flag stays (Logto's `cleanUp`).
    pub fn clean_up(&mut self) {
        *self = Profile { submitted: self.submitted, ..Profile::default() };
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captcha {
    pub verified: bool,
    pub skipped: bool,
}

/// The whole storage (`InteractionStorage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Storage {
    pub interaction_event: InteractionEvent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default)]
    pub profile: Profile,
    #[serde(default = "empty_object")]
    pub mfa: Value,
    #[serde(default)]
    pub verification_records: Vec<VerificationRecord>,
    #[serde(default)]
    pub captcha: Captcha,
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

impl Storage {
    pub fn new(event: InteractionEvent) -> Self {
        Self {
            interaction_event: event,
            user_id: None,
            profile: Profile::default(),
            mfa: empty_object(),
            verification_records: Vec::new(),
            captcha: Captcha::default(),
        }
    }

    /// Add a record, replacing any record of the same type (Logto keeps one per type).
    pub fn set_record(&mut self, record: VerificationRecord) {
        let kind = record.kind();
        self.verification_records.retain(|r| r.kind() != kind);
        self.verification_records.push(record);
    }

    /// The record with this id, of any type.
    pub fn record(&self, id: &str) -> Option<&VerificationRecord> {
        self.verification_records.iter().find(|r| r.id() == id)
    }

    /// The record of `kind` if its id is `id` (else Logto's `verification_session_not_found`).
    pub fn record_of(&mut self, kind: VerificationType, id: &str) -> Option<&mut VerificationRecord> {
        self.verification_records.iter_mut().find(|r| r.kind() == kind && r.id() == id)
    }

    pub fn has_record(&self, kind: VerificationType) -> bool {
        self.verification_records.iter().any(|r| r.kind() == kind)
    }

    /// `GET /api/experience/interaction`.
    pub fn sanitized(&self) -> Value {
        let mut out = Map::new();
        out.insert("interactionEvent".into(), serde_json::to_value(self.interaction_event).unwrap_or(Value::Null));
        if let Some(user_id) = &self.user_id {
            out.insert("userId".into(), Value::String(user_id.clone()));
        }
        out.insert("profile".into(), self.profile.sanitized());
        out.insert("mfa".into(), self.mfa.clone());
        out.insert(
            "verificationRecords".into(),
            Value::Array(self.verification_records.iter().map(VerificationRecord::sanitized).collect()),
        );
        out.insert("captcha".into(), serde_json::to_value(self.captcha).unwrap_or(Value::Null));
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_round_trips_in_logto_shape_and_sanitizes_secrets() {
        let mut storage = Storage::new(InteractionEvent::Register);
        storage.set_record(VerificationRecord::NewPasswordIdentity(NewPasswordIdentityRecord {
            id: "v1".into(),
            identifier: Identifier { kind: IdentifierType::Username, value: "alice".into() },
            password_encrypted: Some("$argon2id$...".into()),
            password_encryption_method: Some("Argon2id".into()),
        }));
        storage.profile.password_encrypted = Some("$argon2id$...".into());
        storage.profile.username = Some("alice".into());
        let json = serde_json::to_value(&storage).unwrap();
        assert_eq!(json["verificationRecords"][0]["type"], "NewPasswordIdentity");
        assert_eq!(
            json["verificationRecords"][0]["identifier"],
            serde_json::json!({"type": "username", "value": "alice"})
        );
        assert_eq!(serde_json::from_value::<Storage>(json).unwrap(), storage);

        let public = storage.sanitized();
        assert!(!public.to_string().contains("argon2"), "{public}");
        assert_eq!(public["profile"], serde_json::json!({"username": "alice"}));
        assert_eq!(public["captcha"], serde_json::json!({"verified": false, "skipped": false}));
    }

    #[test]
    fn one_record_per_type() {
        let mut storage = Storage::new(InteractionEvent::SignIn);
        let password = |id: &str| {
            VerificationRecord::Password(PasswordRecord {
                id: id.into(),
                identifier: Identifier { kind: IdentifierType::Username, value: "a".into() },
                verified: true,
            })
        };
        storage.set_record(password("a"));
        storage.set_record(password("b"));
        assert_eq!(storage.verification_records.len(), 1);
        assert!(storage.record("a").is_none());
        assert!(storage.record_of(VerificationType::Password, "b").is_some());
        assert!(storage.record_of(VerificationType::EmailVerificationCode, "b").is_none());
    }
}
