//! The tenant's sign-in experience (Logto's `sign_in_experiences` row `id = "default"`): how
//! people sign in and register, the password policy, MFA. One record, written with
//! `IfVersion`; when none is stored, Logto's seed for a new OSS tenant applies.
//!
//! The parts other groups decide on are typed (sign-in methods, sign-up settings, mode,
//! password policy, MFA, forgot-password methods, social targets); the presentation parts are
//! kept as the JSON Logto accepts, validated where the Management API writes them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::TENANT_ID;
use super::table::{self, Versioned};
use crate::App;
use crate::error::Internal;
use crate::store::{Condition, Store, StoreError, keys};

/// A positive whole-number field of one of the experience's stored partial policies
/// (`sentinelPolicy`, `verificationCodePolicy`, ...); absent, zero or out of range reads as unset.
pub fn positive_setting(policy: Option<&Value>, name: &str) -> Option<u32> {
    policy.and_then(|v| v.get(name)).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0)
}

/// Logto's `SignInIdentifier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignInIdentifier {
    Username,
    Email,
    Phone,
}

/// A secondary sign-up identifier: a [`SignInIdentifier`] or `emailOrPhone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignUpIdentifier {
    Username,
    Email,
    Phone,
    EmailOrPhone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInMode {
    SignIn,
    Register,
    SignInAndRegister,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgreeToTermsPolicy {
    Automatic,
    ManualRegistrationOnly,
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInMethod {
    pub identifier: SignInIdentifier,
    pub password: bool,
    pub verification_code: bool,
    pub is_password_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub methods: Vec<SignInMethod>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondaryIdentifier {
    pub identifier: SignUpIdentifier,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignUp {
    pub identifiers: Vec<SignInIdentifier>,
    pub password: bool,
    pub verify: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_identifiers: Option<Vec<SecondaryIdentifier>>,
}

impl SignUp {
    /// Every identifier registration asks for (primary and secondary, `emailOrPhone` kept).
    pub fn all_identifiers(&self) -> Vec<SignUpIdentifier> {
        let mut out: Vec<SignUpIdentifier> = self.identifiers.iter().map(|&i| i.into()).collect();
        for s in self.secondary_identifiers.iter().flatten() {
            if !out.contains(&s.identifier) {
                out.push(s.identifier);
            }
        }
        out
    }
}

impl From<SignInIdentifier> for SignUpIdentifier {
    fn from(i: SignInIdentifier) -> Self {
        match i {
            SignInIdentifier::Username => SignUpIdentifier::Username,
            SignInIdentifier::Email => SignUpIdentifier::Email,
            SignInIdentifier::Phone => SignUpIdentifier::Phone,
        }
    }
}

/// Logto's `MfaFactor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaFactor {
    Totp,
    WebAuthn,
    BackupCode,
    EmailVerificationCode,
    PhoneVerificationCode,
}

/// Logto's `MfaPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaPolicy {
    UserControlled,
    Mandatory,
    PromptOnlyAtSignIn,
    PromptAtSignInAndSignUp,
    NoPrompt,
    PromptAtSignInAndSignUpMandatory,
    PromptOnlyAtSignInMandatory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrganizationRequiredMfaPolicy {
    NoPrompt,
    Mandatory,
}

/// MFA settings (issue 6 implements the factors; the shape is Logto's now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mfa {
    pub factors: Vec<MfaFactor>,
    pub policy: MfaPolicy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_required_mfa_policy: Option<OrganizationRequiredMfaPolicy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForgotPasswordMethod {
    EmailVerificationCode,
    PhoneVerificationCode,
}

/// The password policy with Logto's defaults applied (`passwordPolicyGuard`). Stored partial.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicy {
    #[serde(default)]
    pub length: LengthPolicy,
    #[serde(default)]
    pub character_types: CharacterTypesPolicy,
    #[serde(default)]
    pub rejects: RejectsPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthPolicy {
    #[serde(default = "default_min_length")]
    pub min: u32,
    #[serde(default = "default_max_length")]
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharacterTypesPolicy {
    #[serde(default = "one")]
    pub min: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RejectsPolicy {
    #[serde(default = "yes")]
    pub pwned: bool,
    #[serde(default = "yes")]
    pub repetition_and_sequence: bool,
    #[serde(default = "yes")]
    pub user_info: bool,
    #[serde(default)]
    pub words: Vec<String>,
}

fn default_min_length() -> u32 {
    8
}
fn default_max_length() -> u32 {
    256
}
fn one() -> u32 {
    1
}
fn yes() -> bool {
    true
}

impl Default for LengthPolicy {
    fn default() -> Self {
        Self { min: default_min_length(), max: default_max_length() }
    }
}
impl Default for CharacterTypesPolicy {
    fn default() -> Self {
        Self { min: 1 }
    }
}
impl Default for RejectsPolicy {
    fn default() -> Self {
        Self { pwned: true, repetition_and_sequence: true, user_info: true, words: Vec::new() }
    }
}

/// Logto's `SignInExperience` as the Management API returns it (field order = Logto's columns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInExperience {
    pub tenant_id: String,
    pub id: String,
    pub color: Value,
    pub branding: Value,
    pub hide_logto_branding: bool,
    pub language_info: Value,
    pub terms_of_use_url: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub agree_to_terms_policy: AgreeToTermsPolicy,
    pub sign_in: SignIn,
    pub sign_up: SignUp,
    pub social_sign_in: Value,
    pub social_sign_in_connector_targets: Vec<String>,
    pub sign_in_mode: SignInMode,
    pub custom_css: Option<String>,
    pub custom_content: Value,
    pub custom_ui_assets: Option<Value>,
    pub custom_ui_csp: Value,
    /// Partial password policy as stored; read it through [`SignInExperience::password_policy`].
    pub password_policy: Value,
    pub mfa: Mfa,
    pub adaptive_mfa: Value,
    pub single_sign_on_enabled: bool,
    pub support_email: Option<String>,
    pub support_website_url: Option<String>,
    pub unknown_session_redirect_url: Option<String>,
    pub captcha_policy: Value,
    pub sentinel_policy: Value,
    pub email_blocklist_policy: Value,
    pub verification_code_policy: Value,
    /// `None`: every method with a configured connector (Logto's legacy behaviour).
    pub forgot_password_methods: Option<Vec<ForgotPasswordMethod>>,
    pub passkey_sign_in: Value,
    pub sign_up_profile_fields: Option<Value>,
    pub password_expiration: Value,
    pub username_policy: Value,
}

impl SignInExperience {
    /// Logto's seed for a new OSS tenant (`createDefaultSignInExperience(tenant, false)` plus the
    /// table's column defaults): username + password sign-up and sign-in, no MFA factors.
    pub fn logto_default() -> Self {
        Self {
            tenant_id: TENANT_ID.to_owned(),
            id: "default".to_owned(),
            color: json!({ "primaryColor": "#6139F6", "isDarkModeEnabled": false, "darkPrimaryColor": "#8768F8" }),
            branding: json!({ "logoUrl": "https://logto.io/logo.svg", "darkLogoUrl": "https://logto.io/logo-dark.svg" }),
            hide_logto_branding: false,
            language_info: json!({ "autoDetect": true, "fallbackLanguage": "en" }),
            terms_of_use_url: None,
            privacy_policy_url: None,
            agree_to_terms_policy: AgreeToTermsPolicy::Automatic,
            sign_in: SignIn {
                methods: vec![SignInMethod {
                    identifier: SignInIdentifier::Username,
                    password: true,
                    verification_code: false,
                    is_password_primary: true,
                }],
            },
            sign_up: SignUp {
                identifiers: vec![SignInIdentifier::Username],
                password: true,
                verify: false,
                secondary_identifiers: None,
            },
            social_sign_in: Value::Object(Map::new()),
            social_sign_in_connector_targets: Vec::new(),
            sign_in_mode: SignInMode::SignInAndRegister,
            custom_css: None,
            custom_content: Value::Object(Map::new()),
            custom_ui_assets: None,
            custom_ui_csp: Value::Object(Map::new()),
            password_policy: Value::Object(Map::new()),
            mfa: Mfa { factors: Vec::new(), policy: MfaPolicy::UserControlled, organization_required_mfa_policy: None },
            adaptive_mfa: Value::Object(Map::new()),
            single_sign_on_enabled: false,
            support_email: None,
            support_website_url: None,
            unknown_session_redirect_url: None,
            captcha_policy: Value::Object(Map::new()),
            sentinel_policy: Value::Object(Map::new()),
            email_blocklist_policy: Value::Object(Map::new()),
            verification_code_policy: Value::Object(Map::new()),
            forgot_password_methods: Some(Vec::new()),
            passkey_sign_in: Value::Object(Map::new()),
            sign_up_profile_fields: None,
            password_expiration: Value::Object(Map::new()),
            username_policy: json!({
                "caseSensitive": true, "minLength": 1, "maxLength": 128,
                "allowedChars": { "lowercase": true, "uppercase": true, "numbers": true, "underscore": true }
            }),
        }
    }

    /// The password policy with Logto's defaults filled in.
    pub fn password_policy(&self) -> PasswordPolicy {
        serde_json::from_value(self.password_policy.clone()).unwrap_or_default()
    }

    /// The sign-in method for `identifier`, if that identifier may sign in at all.
    pub fn sign_in_method(&self, identifier: SignInIdentifier) -> Option<&SignInMethod> {
        self.sign_in.methods.iter().find(|m| m.identifier == identifier)
    }

    /// Whether self-registration is open.
    pub fn allows_registration(&self) -> bool {
        self.sign_in_mode != SignInMode::SignIn
    }

    /// Whether sign-in is open (not register-only).
    pub fn allows_sign_in(&self) -> bool {
        self.sign_in_mode != SignInMode::Register
    }
}

/// The tenant's sign-in experience: the stored one, or Logto's default when none is stored.
pub async fn find(app: &App) -> Result<SignInExperience, Internal> {
    Ok(find_versioned(app.store.as_ref()).await?.map(|v| v.value).unwrap_or_else(SignInExperience::logto_default))
}

/// The stored record with its version (`None` until the first PATCH).
pub async fn find_versioned(store: &dyn Store) -> Result<Option<Versioned<SignInExperience>>, Internal> {
    table::read(store, &keys::sign_in_experience()).await
}

/// Why a write did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteError {
    /// Someone else wrote in between; re-read and retry.
    Conflict,
    Internal(Internal),
}

impl From<Internal> for WriteError {
    fn from(e: Internal) -> Self {
        WriteError::Internal(e)
    }
}

/// Replace the stored experience; `current` is what was read (`None`: nothing was stored).
pub async fn update(
    store: &dyn Store,
    current: Option<&Versioned<SignInExperience>>,
    next: &SignInExperience,
) -> Result<(), WriteError> {
    let condition = match current {
        Some(v) => Condition::IfVersion(v.version),
        None => Condition::IfAbsent,
    };
    let op = table::put(keys::sign_in_experience(), table::encode(next)?, condition);
    match store.commit(vec![op]).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict { .. }) => Err(WriteError::Conflict),
        Err(e) => Err(WriteError::Internal(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_logtos_oss_seed() {
        let v = serde_json::to_value(SignInExperience::logto_default()).unwrap();
        assert_eq!(v["signInMode"], "SignInAndRegister");
        assert_eq!(v["signUp"], json!({ "identifiers": ["username"], "password": true, "verify": false }));
        assert_eq!(
            v["signIn"]["methods"],
            json!([{ "identifier": "username", "password": true, "verificationCode": false, "isPasswordPrimary": true }])
        );
        assert_eq!(v["mfa"], json!({ "factors": [], "policy": "UserControlled" }));
        assert_eq!(v["passwordPolicy"], json!({}));
        assert_eq!(v["color"]["darkPrimaryColor"], "#8768F8");
        assert_eq!(v["termsOfUseUrl"], Value::Null);
    }

    #[test]
    fn a_partial_password_policy_gets_logtos_defaults() {
        let mut sie = SignInExperience::logto_default();
        assert_eq!(sie.password_policy(), PasswordPolicy::default());
        sie.password_policy = json!({ "length": { "min": 12 }, "rejects": { "pwned": false } });
        let p = sie.password_policy();
        assert_eq!((p.length.min, p.length.max, p.character_types.min), (12, 256, 1));
        assert!(!p.rejects.pwned && p.rejects.user_info && p.rejects.repetition_and_sequence);
    }

    #[tokio::test]
    async fn find_falls_back_to_the_default_and_update_is_versioned() {
        let store = super::super::testing::store();
        assert!(find_versioned(&store).await.unwrap().is_none());
        let mut next = SignInExperience::logto_default();
        next.sign_in_mode = SignInMode::SignIn;
        update(&store, None, &next).await.unwrap();
        assert_eq!(update(&store, None, &next).await, Err(WriteError::Conflict));
        let stored = find_versioned(&store).await.unwrap().unwrap();
        assert_eq!(stored.value.sign_in_mode, SignInMode::SignIn);
        next.sign_in_mode = SignInMode::Register;
        update(&store, Some(&stored), &next).await.unwrap();
        assert_eq!(update(&store, Some(&stored), &next).await, Err(WriteError::Conflict));
    }
}
