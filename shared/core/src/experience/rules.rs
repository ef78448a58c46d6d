//! What the sign-in experience allows (Logto's `SignInExperienceValidator`): which events,
//! which verifications may identify a user, which profile fields are mandatory, and the
//! policies (password, sentinel, verification codes) the routes apply.
//!
//! The sign-in experience itself belongs to `domain::sign_in_experience`; this reads the
//! parts it needs from its Logto JSON shape, so the two cannot disagree on field names.

use serde::Deserialize;
use serde_json::Value;

use super::errors;
use super::storage::{IdentifierType, InteractionEvent, VerificationRecord};
use crate::App;
use crate::domain::password_policy::PasswordPolicy;
use crate::domain::{sentinel, verification_code};
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SignInMode {
    SignIn,
    Register,
    SignInAndRegister,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInMethod {
    pub identifier: String,
    #[serde(default)]
    pub password: bool,
    #[serde(default)]
    pub verification_code: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    #[serde(default)]
    pub methods: Vec<SignInMethod>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SecondaryIdentifier {
    pub identifier: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignUp {
    #[serde(default)]
    pub identifiers: Vec<String>,
    #[serde(default)]
    pub password: bool,
    #[serde(default)]
    pub secondary_identifiers: Vec<SecondaryIdentifier>,
}

/// The parts of Logto's `SignInExperience` the Experience API reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rules {
    pub sign_in_mode: SignInMode,
    #[serde(default)]
    pub sign_in: SignIn,
    #[serde(default)]
    pub sign_up: SignUp,
    #[serde(default)]
    pub password_policy: Option<Value>,
    #[serde(default)]
    pub sentinel_policy: Option<Value>,
    #[serde(default)]
    pub verification_code_policy: Option<Value>,
    #[serde(default)]
    pub captcha_policy: Option<Value>,
    /// `null` = every method with a connector; a list = only those.
    #[serde(default)]
    pub forgot_password_methods: Option<Vec<String>>,
    #[serde(default)]
    pub email_blocklist_policy: Option<Value>,
    #[serde(default)]
    pub password_expiration: Option<Value>,
    #[serde(default)]
    pub username_policy: Option<Value>,
    /// `{automaticAccountLinking?, skipRequiredIdentifiers?}`.
    #[serde(default)]
    pub social_sign_in: Option<Value>,
    /// `{factors, policy, organizationRequiredMfaPolicy?}` (see [`super::mfa`]).
    #[serde(default)]
    pub mfa: Option<crate::domain::sign_in_experience::Mfa>,
    /// `{enabled?, showPasskeyButton?, allowAutofill?}`.
    #[serde(default)]
    pub passkey_sign_in: Option<Value>,
}

impl Default for Rules {
    /// Logto's seed for a new OSS tenant: username + password, sign in and register.
    fn default() -> Self {
        Self {
            sign_in_mode: SignInMode::SignInAndRegister,
            sign_in: SignIn {
                methods: vec![SignInMethod { identifier: "username".into(), password: true, verification_code: false }],
            },
            sign_up: SignUp { identifiers: vec!["username".into()], password: true, secondary_identifiers: vec![] },
            password_policy: None,
            sentinel_policy: None,
            verification_code_policy: None,
            captcha_policy: None,
            forgot_password_methods: None,
            email_blocklist_policy: None,
            password_expiration: None,
            username_policy: None,
            social_sign_in: None,
            mfa: None,
            passkey_sign_in: None,
        }
    }
}

/// A mandatory profile field (Logto's `MissingProfile`).
pub const USERNAME: &str = "username";
pub const EMAIL: &str = "email";
pub const PHONE: &str = "phone";
pub const EMAIL_OR_PHONE: &str = "emailOrPhone";
pub const PASSWORD: &str = "password";

impl Rules {
    pub fn from_json(value: &Value) -> Result<Self, ApiError> {
        serde_json::from_value(value.clone())
            .map_err(|e| crate::error::Internal::Bug(format!("sign-in experience unreadable: {e}")).into())
    }

    /// `usernamePolicy.caseSensitive` (default true), as `domain::user::username_case_sensitive`.
    pub fn username_case_sensitive(&self) -> bool {
        self.username_policy.as_ref().and_then(|p| p.get("caseSensitive")).and_then(Value::as_bool).unwrap_or(true)
    }

    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy::from_json(self.password_policy.as_ref())
    }

    pub fn sentinel_policy(&self) -> sentinel::Policy {
        sentinel::Policy::from_json(self.sentinel_policy.as_ref())
    }

    /// The MFA settings (Logto's seed when unset: no factors, `UserControlled`).
    pub fn mfa(&self) -> crate::domain::sign_in_experience::Mfa {
        use crate::domain::sign_in_experience::{Mfa, MfaPolicy};
        self.mfa.clone().unwrap_or(Mfa {
            factors: Vec::new(),
            policy: MfaPolicy::UserControlled,
            organization_required_mfa_policy: None,
        })
    }

    pub fn passkey_sign_in_enabled(&self) -> bool {
        self.passkey_sign_in.as_ref().and_then(|p| p.get("enabled")).and_then(Value::as_bool) == Some(true)
    }

    /// Whether registration asks for this identifier (primary, secondary, or `emailOrPhone`
    /// for email and phone).
    pub fn sign_up_includes(&self, identifier: &str) -> bool {
        let either = matches!(identifier, "email" | "phone");
        self.sign_up.identifiers.iter().any(|i| i == identifier)
            || self
                .sign_up
                .secondary_identifiers
                .iter()
                .any(|s| s.identifier == identifier || (either && s.identifier == "emailOrPhone"))
    }

    pub fn code_policy(&self) -> verification_code::Policy {
        verification_code::Policy::from_json(self.verification_code_policy.as_ref())
    }

    /// Captcha is never configured on edgeid (no provider), so an enabled policy can only be
    /// refused, as Logto refuses when the provider is missing.
    pub fn guard_captcha(&self) -> Result<(), ApiError> {
        let enabled = self.captcha_policy.as_ref().and_then(|p| p.get("enabled")).and_then(Value::as_bool);
        if enabled == Some(true) { Err(errors::captcha_required()) } else { Ok(()) }
    }

    /// Logto's `guardEmailBlocklist` for a new email.
    pub fn guard_email_blocklist(&self, email: &str) -> Result<(), ApiError> {
        use crate::domain::email_blocklist::{Refusal, check};
        match check(self.email_blocklist_policy.as_ref(), email) {
            Ok(()) => Ok(()),
            Err(Refusal::InvalidEmail) => Err(errors::email_blocklist_invalid_email()),
            Err(Refusal::SubaddressingNotAllowed) => Err(errors::email_subaddressing_not_allowed()),
            Err(Refusal::NotAllowed) => Err(errors::email_not_allowed(email)),
        }
    }

    /// Logto's `verifyPasswordExpirationPolicy`, after a correct password: 422
    /// `password.expired` once the password is older than `validPeriodDays` (anchored at
    /// `passwordUpdatedAt`, else when the policy was enabled, else the user's creation) or an
    /// admin expired it.
    pub fn guard_password_expiration(&self, user: &crate::domain::user::UserRecord, now: i64) -> Result<(), ApiError> {
        let Some(policy) = self.password_expiration.as_ref() else { return Ok(()) };
        if policy.get("enabled").and_then(Value::as_bool) != Some(true) {
            return Ok(());
        }
        let Some(days) = policy.get("validPeriodDays").and_then(Value::as_i64).filter(|d| *d >= 1) else {
            return Err(ApiError::new(
                http::StatusCode::UNPROCESSABLE_ENTITY,
                "sign_in_experiences.password_expiration_invalid_period_days",
                "The password expiration period must be a whole number of days, at least 1.",
            ));
        };
        let enabled_at = policy.get("enabledAt").and_then(Value::as_i64);
        let anchor = user.password_updated_at.or(enabled_at).unwrap_or(user.created_at);
        if user.is_password_expired || now >= anchor + days * 86_400_000 {
            return Err(errors::password_expired());
        }
        Ok(())
    }

    /// Logto's `assertUsernameAllowed`: the hard floor (non-empty, no leading digit, `\w`
    /// characters), then the tenant's `usernamePolicy` (length, allowed character classes);
    /// the first violation is 422 `user.username_<violation>`.
    pub fn guard_username(&self, username: &str) -> Result<(), ApiError> {
        match crate::domain::username_policy::violation(self.username_policy.as_ref(), username) {
            None => Ok(()),
            Some(v) => Err(errors::username_violation(v.code, v.message)),
        }
    }

    /// `guardInteractionEvent`: 403 `auth.forbidden` when the sign-in mode excludes the event.
    pub fn guard_event(&self, event: InteractionEvent) -> Result<(), ApiError> {
        let allowed = match event {
            InteractionEvent::SignIn => self.sign_in_mode != SignInMode::Register,
            InteractionEvent::Register => self.sign_in_mode != SignInMode::SignIn,
            InteractionEvent::ForgotPassword => true,
        };
        if allowed { Ok(()) } else { Err(errors::forbidden()) }
    }

    pub fn registration_disabled(&self) -> bool {
        self.sign_in_mode == SignInMode::SignIn
    }

    /// `guardIdentificationMethod` for SignIn and ForgotPassword.
    pub fn guard_identification(&self, event: InteractionEvent, record: &VerificationRecord) -> Result<(), ApiError> {
        self.guard_event(event)?;
        match event {
            InteractionEvent::SignIn => {
                let (identifier, by_password) = match record {
                    VerificationRecord::Password(r) => (r.identifier.kind, true),
                    VerificationRecord::EmailVerificationCode(r) | VerificationRecord::PhoneVerificationCode(r) => {
                        (r.identifier.kind, false)
                    }
                    // Logto does not gate social sign-in by the sign-in methods.
                    VerificationRecord::Social(_) => return Ok(()),
                    _ => return Err(errors::sign_in_method_not_enabled()),
                };
                let enabled = self.sign_in.methods.iter().any(|m| {
                    m.identifier == identifier.as_str() && if by_password { m.password } else { m.verification_code }
                });
                if enabled { Ok(()) } else { Err(errors::sign_in_method_not_enabled()) }
            }
            InteractionEvent::ForgotPassword => {
                let method = match record {
                    VerificationRecord::EmailVerificationCode(_) => "EmailVerificationCode",
                    VerificationRecord::PhoneVerificationCode(_) => "PhoneVerificationCode",
                    _ => return Err(errors::not_supported_for_forgot_password(422)),
                };
                match &self.forgot_password_methods {
                    Some(methods) if !methods.iter().any(|m| m == method) => {
                        Err(errors::not_supported_for_forgot_password(422))
                    }
                    _ => Ok(()),
                }
            }
            InteractionEvent::Register => Err(errors::invalid_interaction_type()),
        }
    }

    /// `getMandatoryUserProfileBySignUpMethods`.
    pub fn mandatory_profile(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let has = |id: &str| self.sign_up.identifiers.iter().any(|i| i == id);
        if has("username") {
            out.push(USERNAME);
        } else if has("email") {
            out.push(if has("phone") { EMAIL_OR_PHONE } else { EMAIL });
        } else if has("phone") {
            out.push(PHONE);
        }
        for secondary in &self.sign_up.secondary_identifiers {
            let field = match secondary.identifier.as_str() {
                "email" => EMAIL,
                "phone" => PHONE,
                "username" => USERNAME,
                "emailOrPhone" => EMAIL_OR_PHONE,
                _ => continue,
            };
            if !out.contains(&field) {
                out.push(field);
            }
        }
        if self.sign_up.password && !out.contains(&PASSWORD) {
            out.push(PASSWORD);
        }
        out
    }

    /// Whether email/phone codes sent now bind a new MFA factor instead (identified user and
    /// the identifier is not a sign-up identifier): Logto then uses the `BindMfa` template.
    pub fn is_sign_up_identifier(&self, kind: IdentifierType) -> bool {
        let name = kind.as_str();
        self.sign_up.identifiers.iter().any(|i| i == name)
            || self.sign_up.secondary_identifiers.iter().any(|s| s.identifier == name || s.identifier == "emailOrPhone")
    }
}

/// The tenant's rules (Logto's default sign-in experience when none is stored).
pub async fn load(app: &App) -> Result<Rules, ApiError> {
    let sie = crate::domain::sign_in_experience::find(app).await?;
    let json = serde_json::to_value(&sie).map_err(|e| crate::error::Internal::Bug(e.to_string()))?;
    Rules::from_json(&json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mandatory_profile_follows_logto() {
        let mut rules = Rules::default();
        assert_eq!(rules.mandatory_profile(), vec![USERNAME, PASSWORD]);
        rules.sign_up = SignUp {
            identifiers: vec!["email".into(), "phone".into()],
            password: false,
            secondary_identifiers: vec![SecondaryIdentifier { identifier: "username".into() }],
        };
        assert_eq!(rules.mandatory_profile(), vec![EMAIL_OR_PHONE, USERNAME]);
        rules.sign_up.identifiers = vec!["email".into()];
        assert_eq!(rules.mandatory_profile(), vec![EMAIL, USERNAME]);
    }

    #[test]
    fn sign_in_mode_forbids_events() {
        let mut rules = Rules { sign_in_mode: SignInMode::SignIn, ..Rules::default() };
        assert_eq!(rules.guard_event(InteractionEvent::Register).unwrap_err().code, "auth.forbidden");
        assert!(rules.guard_event(InteractionEvent::SignIn).is_ok());
        rules.sign_in_mode = SignInMode::Register;
        assert_eq!(rules.guard_event(InteractionEvent::SignIn).unwrap_err().status.as_u16(), 403);
        assert!(rules.guard_event(InteractionEvent::ForgotPassword).is_ok());
    }

    #[test]
    fn reads_logto_json() {
        let json = serde_json::json!({
            "signInMode": "SignIn",
            "signIn": {"methods": [{"identifier": "email", "password": true, "verificationCode": true, "isPasswordPrimary": true}]},
            "signUp": {"identifiers": ["email"], "password": true, "verify": true},
            "sentinelPolicy": {"maxAttempts": 5, "lockoutDuration": 10},
            "forgotPasswordMethods": null,
            "color": {"primaryColor": "#000"}
        });
        let rules = Rules::from_json(&json).unwrap();
        assert_eq!(rules.sign_in_mode, SignInMode::SignIn);
        assert_eq!(rules.sentinel_policy(), sentinel::Policy { max_attempts: 5, lockout_minutes: 10 });
        assert_eq!(rules.forgot_password_methods, None);
        assert_eq!(rules.mandatory_profile(), vec![EMAIL, PASSWORD]);
    }
}
