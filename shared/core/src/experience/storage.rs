//! Logto's `InteractionStorage`: the experience state kept in the OIDC interaction's
//! `experience` field, as JSON with Logto's field names (so what `GET /interaction` shows and
//! what is stored are the same shapes Logto uses).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::mfa::{BindMfa, BindWebAuthn, MfaFactor};

/// The `type` of a pending TOTP (`{type: "Totp", secret}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TotpTag {
    Totp,
}

/// The `type` of pending backup codes (`{type: "BackupCode", codes}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackupCodeTag {
    BackupCode,
}

/// Logto's `BindTotp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindTotp {
    #[serde(rename = "type")]
    pub kind: TotpTag,
    pub secret: String,
}

/// Logto's `BindBackupCode` (codes in clear until submit hashes them into the user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindBackupCode {
    #[serde(rename = "type")]
    pub kind: BackupCodeTag,
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InteractionEvent {
    SignIn,
    Register,
    ForgotPassword,
}

impl InteractionEvent {
    /// Logto's `InteractionEvent` value.
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionEvent::SignIn => "SignIn",
            InteractionEvent::Register => "Register",
            InteractionEvent::ForgotPassword => "ForgotPassword",
        }
    }

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
    Totp(TotpRecord),
    BackupCode(BackupCodeRecord),
    WebAuthn(WebAuthnRecord),
    /// Boxed: the identity and its raw data dwarf the other records.
    Social(Box<SocialRecord>),
    MfaEmailVerificationCode(CodeRecord),
    MfaPhoneVerificationCode(CodeRecord),
    OneTimeToken(OneTimeTokenRecord),
}

/// A one-time token (magic link) proven for an email (Logto's
/// `OneTimeTokenVerificationRecordData`): the token is consumed when it verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneTimeTokenRecord {
    pub id: String,
    pub identifier: Identifier,
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_token_context: Option<Map<String, Value>>,
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

/// TOTP (Logto's `TotpVerificationRecordData`). With a `secret` it binds a new
/// authenticator (the secret is what `POST /totp/secret` generated; `verified` once a code
/// of it was entered); without, it proves the user's existing TOTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotpRecord {
    pub id: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub verified: bool,
}

/// Backup codes (Logto's `BackupCodeVerificationRecordData`): `backupCodes` are freshly
/// generated codes waiting to be bound (in clear until then: the user is shown them once);
/// `code` is the spent code that verified this record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupCodeRecord {
    pub id: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_codes: Option<Vec<String>>,
}

/// WebAuthn (Logto's `WebAuthnVerificationRecordData`; driven by the WebAuthn routes).
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
    pub registration_info: Option<BindWebAuthn>,
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
    Totp,
    BackupCode,
    WebAuthn,
    Social,
    MfaEmailVerificationCode,
    MfaPhoneVerificationCode,
    OneTimeToken,
}

impl VerificationType {
    /// The MFA factor a record of this type proves (Logto's `mfaVerificationTypeToMfaFactorMap`).
    pub fn mfa_factor(self) -> Option<MfaFactor> {
        match self {
            VerificationType::Totp => Some(MfaFactor::Totp),
            VerificationType::BackupCode => Some(MfaFactor::BackupCode),
            VerificationType::WebAuthn => Some(MfaFactor::WebAuthn),
            VerificationType::MfaEmailVerificationCode => Some(MfaFactor::EmailVerificationCode),
            VerificationType::MfaPhoneVerificationCode => Some(MfaFactor::PhoneVerificationCode),
            _ => None,
        }
    }
}

impl VerificationRecord {
    pub fn id(&self) -> &str {
        match self {
            VerificationRecord::Password(r) => &r.id,
            VerificationRecord::EmailVerificationCode(r)
            | VerificationRecord::PhoneVerificationCode(r)
            | VerificationRecord::MfaEmailVerificationCode(r)
            | VerificationRecord::MfaPhoneVerificationCode(r) => &r.id,
            VerificationRecord::NewPasswordIdentity(r) => &r.id,
            VerificationRecord::Totp(r) => &r.id,
            VerificationRecord::BackupCode(r) => &r.id,
            VerificationRecord::WebAuthn(r) => &r.id,
            VerificationRecord::Social(r) => &r.id,
            VerificationRecord::OneTimeToken(r) => &r.id,
        }
    }

    pub fn kind(&self) -> VerificationType {
        match self {
            VerificationRecord::Password(_) => VerificationType::Password,
            VerificationRecord::EmailVerificationCode(_) => VerificationType::EmailVerificationCode,
            VerificationRecord::PhoneVerificationCode(_) => VerificationType::PhoneVerificationCode,
            VerificationRecord::NewPasswordIdentity(_) => VerificationType::NewPasswordIdentity,
            VerificationRecord::Totp(_) => VerificationType::Totp,
            VerificationRecord::BackupCode(_) => VerificationType::BackupCode,
            VerificationRecord::WebAuthn(_) => VerificationType::WebAuthn,
            VerificationRecord::Social(_) => VerificationType::Social,
            VerificationRecord::MfaEmailVerificationCode(_) => VerificationType::MfaEmailVerificationCode,
            VerificationRecord::MfaPhoneVerificationCode(_) => VerificationType::MfaPhoneVerificationCode,
            VerificationRecord::OneTimeToken(_) => VerificationType::OneTimeToken,
        }
    }

    pub fn is_verified(&self) -> bool {
        match self {
            VerificationRecord::Password(r) => r.verified,
            VerificationRecord::EmailVerificationCode(r)
            | VerificationRecord::PhoneVerificationCode(r)
            | VerificationRecord::MfaEmailVerificationCode(r)
            | VerificationRecord::MfaPhoneVerificationCode(r) => r.verified,
            VerificationRecord::NewPasswordIdentity(r) => r.password_encrypted.is_some(),
            VerificationRecord::Totp(r) => r.verified,
            VerificationRecord::BackupCode(r) => r.code.is_some(),
            VerificationRecord::WebAuthn(r) => r.verified,
            VerificationRecord::Social(r) => r.social_user_info.is_some(),
            VerificationRecord::OneTimeToken(r) => r.verified,
        }
    }

    /// A record that binds a new factor rather than proving an existing one (Logto's
    /// `isNewBindMfaVerification`): it never satisfies the MFA verification at sign-in.
    pub fn is_new_bind_mfa(&self) -> bool {
        match self {
            VerificationRecord::Totp(r) => r.secret.is_some(),
            VerificationRecord::WebAuthn(r) => {
                r.registration_info.is_some() || r.registration_challenge.is_some() || r.registration_rp_id.is_some()
            }
            _ => false,
        }
    }

    /// The public shape (`toSanitizedJson`): no password digests.
    fn sanitized(&self) -> Value {
        match self {
            VerificationRecord::NewPasswordIdentity(r) => serde_json::json!({
                "id": r.id, "type": "NewPasswordIdentity", "identifier": r.identifier,
            }),
            VerificationRecord::Totp(r) => serde_json::json!({
                "id": r.id, "type": "Totp", "userId": r.user_id, "verified": r.verified,
            }),
            VerificationRecord::BackupCode(r) => {
                let mut out = serde_json::json!({ "id": r.id, "type": "BackupCode", "userId": r.user_id });
                if let (Some(code), Value::Object(map)) = (&r.code, &mut out) {
                    map.insert("code".into(), Value::String(code.clone()));
                }
                out
            }
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

/// MFA settings pending for the user in this interaction (Logto's `MfaData`), written to the
/// user on submit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_skipped: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_binding_suggestion_skipped: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_skipped: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<BindTotp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_authn: Option<Vec<BindWebAuthn>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_code: Option<BindBackupCode>,
}

impl MfaState {
    /// Every factor waiting to be bound (Logto's `bindMfaFactorsArray`).
    pub fn pending(&self) -> Vec<BindMfa> {
        let mut out = Vec::new();
        if let Some(t) = &self.totp {
            out.push(BindMfa::Totp { secret: t.secret.clone() });
        }
        out.extend(self.web_authn.iter().flatten().cloned().map(BindMfa::WebAuthn));
        if let Some(b) = &self.backup_code {
            out.push(BindMfa::BackupCode { codes: b.codes.clone() });
        }
        out
    }

    /// The factor kinds waiting to be bound.
    pub fn pending_factors(&self) -> Vec<MfaFactor> {
        let mut out = Vec::new();
        if self.totp.is_some() {
            out.push(MfaFactor::Totp);
        }
        if self.web_authn.as_ref().is_some_and(|w| !w.is_empty()) {
            out.push(MfaFactor::WebAuthn);
        }
        if self.backup_code.is_some() {
            out.push(MfaFactor::BackupCode);
        }
        out
    }

    /// Logto's `sanitizedData`: no TOTP secret, no backup codes.
    fn sanitized(&self) -> Value {
        let mut out = Map::new();
        let mut flag = |name: &str, v: Option<bool>| {
            if let Some(v) = v {
                out.insert(name.into(), Value::Bool(v));
            }
        };
        flag("mfaEnabled", self.mfa_enabled);
        flag("mfaSkipped", self.mfa_skipped);
        flag("passkeySkipped", self.passkey_skipped);
        if self.totp.is_some() {
            out.insert("totp".into(), serde_json::json!({ "type": "Totp" }));
        }
        if let Some(list) = &self.web_authn {
            out.insert("webAuthn".into(), serde_json::to_value(list).unwrap_or(Value::Null));
        }
        if self.backup_code.is_some() {
            out.insert("backupCode".into(), serde_json::json!({ "type": "BackupCode" }));
        }
        Value::Object(out)
    }
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
    #[serde(default)]
    pub mfa: MfaState,
    #[serde(default)]
    pub verification_records: Vec<VerificationRecord>,
    #[serde(default)]
    pub captcha: Captcha,
}

impl Storage {
    pub fn new(event: InteractionEvent) -> Self {
        Self {
            interaction_event: event,
            user_id: None,
            profile: Profile::default(),
            mfa: MfaState::default(),
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

    /// Logto's `verificationRecords.get(OneTimeToken)?.isVerified`.
    pub fn has_verified_one_time_token(&self) -> bool {
        self.verification_records.iter().any(|r| matches!(r, VerificationRecord::OneTimeToken(t) if t.verified))
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
        out.insert("mfa".into(), self.mfa.sanitized());
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

    #[test]
    fn mfa_records_and_state_hide_secrets_and_codes() {
        let mut storage = Storage::new(InteractionEvent::SignIn);
        storage.set_record(VerificationRecord::Totp(TotpRecord {
            id: "t1".into(),
            user_id: "u1".into(),
            secret: Some("JBSWY3DPEHPK3PXP".into()),
            verified: true,
        }));
        storage.set_record(VerificationRecord::BackupCode(BackupCodeRecord {
            id: "b1".into(),
            user_id: "u1".into(),
            code: None,
            backup_codes: Some(vec!["0123456789".into()]),
        }));
        storage.mfa.totp = Some(BindTotp { kind: TotpTag::Totp, secret: "JBSWY3DPEHPK3PXP".into() });
        storage.mfa.backup_code =
            Some(BindBackupCode { kind: BackupCodeTag::BackupCode, codes: vec!["0123456789".into()] });
        storage.mfa.mfa_skipped = Some(true);
        let json = serde_json::to_value(&storage).unwrap();
        assert_eq!(json["verificationRecords"][0]["type"], "Totp");
        assert_eq!(json["mfa"]["totp"], serde_json::json!({"type": "Totp", "secret": "JBSWY3DPEHPK3PXP"}));
        assert_eq!(serde_json::from_value::<Storage>(json).unwrap(), storage);

        let public = storage.sanitized();
        let text = public.to_string();
        assert!(!text.contains("JBSWY3DPEHPK3PXP") && !text.contains("0123456789"), "{text}");
        assert_eq!(
            public["mfa"],
            serde_json::json!({"mfaSkipped": true, "totp": {"type": "Totp"}, "backupCode": {"type": "BackupCode"}})
        );
        assert_eq!(
            public["verificationRecords"][0],
            serde_json::json!({"id": "t1", "type": "Totp", "userId": "u1", "verified": true})
        );
        assert_eq!(storage.mfa.pending().len(), 2);
        assert_eq!(storage.mfa.pending_factors(), vec![MfaFactor::Totp, MfaFactor::BackupCode]);
        assert!(storage.verification_records[0].is_new_bind_mfa());
    }
}
