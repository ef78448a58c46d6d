//! `/api/sign-in-exp` (Logto's `routes/sign-in-experience/index.ts`): read and partially update
//! the tenant's sign-in experience.
//!
//! PATCH replaces each top-level key it names (Logto's `jsonbMode: 'replace'`), after the
//! body guard (400 `guard.invalid_input`) and Logto's semantic checks in Logto's order:
//! language, sign-up (`libraries/sign-in-experience/sign-up.ts`), sign-in (`sign-in.ts`), MFA
//! (`mfa.ts`), adaptive MFA, forgot-password methods, password expiration, Cloud-only flags.

use http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::connectors::{forgot_password_availability, loaded};
use super::{Ctx, WRITE_RETRIES, errors, json};
use crate::Response;
use crate::domain::connector::ConnectorType;
use crate::domain::sign_in_experience::{
    self as repo, ForgotPasswordMethod, Mfa, MfaFactor, MfaPolicy, PasswordPolicy, SignIn, SignInExperience,
    SignInIdentifier, SignUp, SignUpIdentifier, WriteError,
};
use crate::error::ApiError;

/// Logto's built-in UI languages (`@logto/phrases-experience` `builtInLanguages`).
const BUILT_IN_LANGUAGES: &[&str] = &[
    "ar", "cs", "de", "en", "es", "fa-IR", "fr", "it", "ja", "ko", "pl-PL", "pt-PT", "pt-BR", "ru", "th", "tr-TR",
    "uk-UA", "zh-CN", "zh-HK", "zh-TW",
];

/// Keys the PATCH body may not set (`id` is omitted from Logto's guard; the rest are ours).
const IGNORED: &[&str] = &["id", "tenantId"];

fn rule(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

fn rule_422(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    json(StatusCode::OK, &repo::find(ctx.app).await?)
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Map<String, Value> = ctx.body()?;
    for _ in 0..WRITE_RETRIES {
        let stored = repo::find_versioned(ctx.store()).await?;
        let current = stored.as_ref().map_or_else(SignInExperience::logto_default, |v| v.value.clone());
        let next = apply(ctx, &current, &body).await?;
        match repo::update(ctx.store(), stored.as_ref(), &next).await {
            Ok(()) => return json(StatusCode::OK, &next),
            Err(WriteError::Conflict) => continue,
            Err(WriteError::Internal(e)) => return Err(e.into()),
        }
    }
    Err(super::applications::busy())
}

/// `field` of the body as `T`, or 400 `guard.invalid_input` naming the key.
fn typed<T: DeserializeOwned>(body: &Map<String, Value>, field: &str) -> Result<Option<T>, ApiError> {
    match body.get(field) {
        None => Ok(None),
        Some(v) => {
            serde_json::from_value(v.clone()).map(Some).map_err(|e| errors::invalid_field(field, "invalid_type", e))
        }
    }
}

fn is_hex_color(s: &str) -> bool {
    let Some(hex) = s.strip_prefix('#') else {
        return false;
    };
    matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())
}

fn is_url(s: &str) -> bool {
    url::Url::parse(s).is_ok()
}

fn is_email(s: &str) -> bool {
    s.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(char::is_whitespace)
    })
}

/// The body guard: every key Logto's zod guard checks beyond plain JSON types.
fn guard(body: &Map<String, Value>) -> Result<(), ApiError> {
    let invalid = |path: &str, message: &str| errors::invalid_field(path, "custom", message);
    let object = |field: &str| -> Result<Option<&Map<String, Value>>, ApiError> {
        match body.get(field) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(_) => Err(errors::invalid_field(field, "invalid_type", "Expected object")),
        }
    };
    if let Some(color) = object("color")? {
        for key in ["primaryColor", "darkPrimaryColor"] {
            if !color.get(key).and_then(Value::as_str).is_some_and(is_hex_color) {
                return Err(invalid(&format!("color.{key}"), "Invalid"));
            }
        }
        if !color.get("isDarkModeEnabled").is_some_and(Value::is_boolean) {
            return Err(invalid("color.isDarkModeEnabled", "Required"));
        }
    }
    if let Some(branding) = object("branding")? {
        for key in ["logoUrl", "darkLogoUrl", "favicon", "darkFavicon"] {
            if let Some(v) = branding.get(key)
                && !v.as_str().is_some_and(is_url)
            {
                return Err(invalid(&format!("branding.{key}"), "Invalid url"));
            }
        }
    }
    if let Some(info) = object("languageInfo")?
        && (!info.get("autoDetect").is_some_and(Value::is_boolean)
            || !info.get("fallbackLanguage").is_some_and(Value::is_string))
    {
        return Err(invalid("languageInfo", "Expected {autoDetect: boolean, fallbackLanguage: string}"));
    }
    for key in ["termsOfUseUrl", "privacyPolicyUrl", "supportWebsiteUrl", "unknownSessionRedirectUrl"] {
        match body.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() || is_url(s) => {}
            Some(_) => return Err(invalid(key, "Invalid url")),
        }
    }
    match body.get("supportEmail") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.is_empty() || is_email(s) => {}
        Some(_) => return Err(invalid("supportEmail", "Invalid email")),
    }
    if let Some(policy) = object("passwordPolicy")? {
        let parsed: PasswordPolicy = serde_json::from_value(Value::Object(policy.clone()))
            .map_err(|e| errors::invalid_field("passwordPolicy", "invalid_type", e))?;
        if parsed.length.min < 1 || parsed.length.max < 1 {
            return Err(errors::invalid_field(
                "passwordPolicy.length",
                "too_small",
                "Number must be greater than or equal to 1",
            ));
        }
        if !(1..=4).contains(&parsed.character_types.min) {
            return Err(errors::invalid_field(
                "passwordPolicy.characterTypes.min",
                "too_big",
                "Number must be between 1 and 4",
            ));
        }
    }
    if let Some(policy) = object("verificationCodePolicy")? {
        let int_in = |key: &str, lo: i64, hi: i64| match policy.get(key) {
            None => Ok(()),
            Some(v) if v.as_i64().is_some_and(|n| (lo..=hi).contains(&n)) => Ok(()),
            Some(_) => Err(errors::invalid_field(
                &format!("verificationCodePolicy.{key}"),
                "too_big",
                format!("Expected an integer between {lo} and {hi}"),
            )),
        };
        int_in("expirationDuration", 60, 3600)?;
        int_in("maxRetryAttempts", 1, 100)?;
    }
    if let Some(policy) = object("sentinelPolicy")? {
        for key in ["maxAttempts", "lockoutDuration"] {
            if policy.get(key).is_some_and(|v| !v.is_number()) {
                return Err(errors::invalid_field(&format!("sentinelPolicy.{key}"), "invalid_type", "Expected number"));
            }
        }
    }
    if let Some(content) = object("customContent")?
        && content.values().any(|v| !v.is_string())
    {
        return Err(errors::invalid_field("customContent", "invalid_type", "Expected string"));
    }
    for key in [
        "socialSignIn",
        "customUiCsp",
        "adaptiveMfa",
        "trustedDevice",
        "captchaPolicy",
        "emailBlocklistPolicy",
        "passkeySignIn",
        "usernamePolicy",
    ] {
        object(key)?;
    }
    if let Some(v) = body.get("passwordExpiration")
        && !v.is_object()
    {
        return Err(errors::invalid_field("passwordExpiration", "invalid_type", "Expected object"));
    }
    Ok(())
}

/// Logto's `validateSignUp`.
fn validate_sign_up(sign_up: &SignUp, connectors: &[ConnectorType]) -> Result<(), ApiError> {
    let secondary: Vec<SignUpIdentifier> =
        sign_up.secondary_identifiers.iter().flatten().map(|s| s.identifier).collect();
    if !secondary.is_empty() && sign_up.identifiers.is_empty() {
        return Err(rule(
            "sign_in_experiences.missing_sign_up_identifiers",
            "Primary sign-up identifier cannot be empty.",
        ));
    }
    let duplicated =
        || rule("sign_in_experiences.duplicated_sign_up_identifiers", "Duplicate sign-up identifiers detected.");
    let unique =
        |items: &[SignUpIdentifier]| items.iter().enumerate().all(|(i, x)| !items.iter().skip(i + 1).any(|y| y == x));
    let primary: Vec<SignUpIdentifier> = sign_up.identifiers.iter().map(|&i| i.into()).collect();
    if !unique(&primary) || !unique(&secondary) {
        return Err(duplicated());
    }
    for s in &secondary {
        let clash = match s {
            SignUpIdentifier::EmailOrPhone => {
                primary.contains(&SignUpIdentifier::Email) || primary.contains(&SignUpIdentifier::Phone)
            }
            other => primary.contains(other),
        };
        if clash {
            return Err(duplicated());
        }
    }
    let needs_verify = || {
        rule(
            "sign_in_experiences.passwordless_requires_verify",
            "Must enable verify for email/phone sign up identifier.",
        )
    };
    let passwordless = primary.iter().chain(&secondary).any(|i| *i != SignUpIdentifier::Username);
    if passwordless && !sign_up.verify {
        return Err(needs_verify());
    }
    for s in sign_up.secondary_identifiers.iter().flatten() {
        if s.identifier != SignUpIdentifier::Username && s.verify != Some(true) {
            return Err(needs_verify());
        }
    }
    let all: Vec<SignUpIdentifier> = primary.iter().chain(&secondary).copied().collect();
    let wants_email = all.contains(&SignUpIdentifier::Email) || secondary.contains(&SignUpIdentifier::EmailOrPhone);
    let wants_phone = all.contains(&SignUpIdentifier::Phone) || secondary.contains(&SignUpIdentifier::EmailOrPhone);
    if wants_email && !connectors.contains(&ConnectorType::Email) {
        return Err(connector_missing(ConnectorType::Email));
    }
    if wants_phone && !connectors.contains(&ConnectorType::Sms) {
        return Err(connector_missing(ConnectorType::Sms));
    }
    Ok(())
}

fn connector_missing(t: ConnectorType) -> ApiError {
    rule("sign_in_experiences.enabled_connector_not_found", &format!("Enabled {} connector not found.", t.as_str()))
        .with_data(json!({ "type": t }))
}

fn code_sign_in(sign_in: &SignIn, identifier: SignInIdentifier) -> bool {
    sign_in.methods.iter().any(|m| m.identifier == identifier && m.verification_code)
}

/// Logto's `validateSignIn`.
fn validate_sign_in(
    sign_in: &SignIn,
    sign_up: &SignUp,
    connectors: &[ConnectorType],
    mfa: &Mfa,
) -> Result<(), ApiError> {
    if code_sign_in(sign_in, SignInIdentifier::Email) && !connectors.contains(&ConnectorType::Email) {
        return Err(connector_missing(ConnectorType::Email));
    }
    if code_sign_in(sign_in, SignInIdentifier::Phone) && !connectors.contains(&ConnectorType::Sms) {
        return Err(connector_missing(ConnectorType::Sms));
    }
    if !sign_in.methods.iter().all(|m| m.password || m.verification_code) {
        return Err(rule(
            "sign_in_experiences.at_least_one_authentication_factor",
            "You have to select at least one authentication factor.",
        ));
    }
    if sign_up.verify
        && !sign_up.password
        && !sign_in.methods.iter().all(|m| m.verification_code || m.identifier == SignInIdentifier::Username)
    {
        return Err(rule(
            "sign_in_experiences.code_sign_in_must_be_enabled",
            "Verification code sign in must be enabled when set a password is not required in sign up.",
        ));
    }
    if code_sign_in(sign_in, SignInIdentifier::Email) && mfa.factors.contains(&MfaFactor::EmailVerificationCode) {
        return Err(rule(
            "sign_in_experiences.email_verification_code_cannot_be_used_for_sign_in",
            "Email verification code cannot be used for sign-in when it is enabled for MFA.",
        ));
    }
    if code_sign_in(sign_in, SignInIdentifier::Phone) && mfa.factors.contains(&MfaFactor::PhoneVerificationCode) {
        return Err(rule(
            "sign_in_experiences.phone_verification_code_cannot_be_used_for_sign_in",
            "SMS verification code cannot be used for sign-in when it is enabled for MFA.",
        ));
    }
    Ok(())
}

/// Logto's `validateMfa`.
fn validate_mfa(mfa: &Mfa, sign_in: &SignIn) -> Result<(), ApiError> {
    let f = &mfa.factors;
    if f.iter().enumerate().any(|(i, x)| f.iter().skip(i + 1).any(|y| y == x)) {
        return Err(rule("sign_in_experiences.duplicated_mfa_factors", "Duplicated MFA factors."));
    }
    if f.contains(&MfaFactor::BackupCode) && f.len() <= 1 {
        return Err(rule(
            "sign_in_experiences.backup_code_cannot_be_enabled_alone",
            "Backup code cannot be enabled alone.",
        ));
    }
    if f.contains(&MfaFactor::EmailVerificationCode) && code_sign_in(sign_in, SignInIdentifier::Email) {
        return Err(rule(
            "sign_in_experiences.email_verification_code_cannot_be_used_for_mfa",
            "Email verification code cannot be used for MFA when email verification is enabled for sign-in.",
        ));
    }
    if f.contains(&MfaFactor::PhoneVerificationCode) && code_sign_in(sign_in, SignInIdentifier::Phone) {
        return Err(rule(
            "sign_in_experiences.phone_verification_code_cannot_be_used_for_mfa",
            "SMS verification code cannot be used for MFA when SMS verification is enabled for sign-in.",
        ));
    }
    Ok(())
}

fn non_skippable(policy: MfaPolicy) -> bool {
    matches!(policy, MfaPolicy::PromptAtSignInAndSignUpMandatory | MfaPolicy::PromptOnlyAtSignInMandatory)
}

/// The checks and the merge; returns the experience to store.
async fn apply(
    ctx: &Ctx<'_>,
    current: &SignInExperience,
    body: &Map<String, Value>,
) -> Result<SignInExperience, ApiError> {
    guard(body)?;
    // Flipping usernames to case-insensitive would merge accounts differing only by case.
    let flips_to_insensitive = body.get("usernamePolicy").and_then(|p| p.get("caseSensitive"))
        == Some(&Value::Bool(false))
        && current.username_policy.get("caseSensitive") != Some(&Value::Bool(false));
    if flips_to_insensitive {
        let conflicts = case_conflicts(ctx, 20).await?;
        if conflicts.get("totalConflicts").and_then(Value::as_u64).unwrap_or(0) > 0 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "sign_in_experiences.username_policy_case_conflicts_exist",
                "Cannot switch to case-insensitive usernames while usernames that differ only by case exist. Resolve the conflicts and try again.",
            )
            .with_data(conflicts));
        }
    }
    let sign_up: Option<SignUp> = typed(body, "signUp")?;
    let sign_in: Option<SignIn> = typed(body, "signIn")?;
    let mfa: Option<Mfa> = typed(body, "mfa")?;
    let forgot: Option<Option<Vec<ForgotPasswordMethod>>> = typed(body, "forgotPasswordMethods")?;
    let targets: Option<Vec<String>> = typed(body, "socialSignInConnectorTargets")?;

    // The merge, then the typed read of the whole (catches every remaining type mismatch).
    let mut merged = match serde_json::to_value(current) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (key, value) in body {
        if merged.contains_key(key) && !IGNORED.contains(&key.as_str()) {
            merged.insert(key.clone(), value.clone());
        }
    }
    let mut next: SignInExperience = serde_json::from_value(Value::Object(merged))
        .map_err(|e| errors::invalid(errors::Part::Body, e.to_string()))?;

    if body.contains_key("languageInfo") {
        let language = next.language_info.get("fallbackLanguage").and_then(Value::as_str).unwrap_or_default();
        if !BUILT_IN_LANGUAGES.contains(&language) {
            return Err(rule(
                "sign_in_experiences.unsupported_default_language",
                &format!("This language - {language} is not supported at the moment."),
            )
            .with_data(json!({ "language": language })));
        }
    }

    let connectors = loaded(ctx).await?;
    let types: Vec<ConnectorType> = connectors.iter().map(|(f, _)| f.connector_type).collect();

    if let Some(targets) = targets {
        let social: Vec<&str> = connectors
            .iter()
            .filter(|(f, _)| f.connector_type == ConnectorType::Social)
            .map(|(f, _)| (f.metadata)().target)
            .collect();
        next.social_sign_in_connector_targets = targets.into_iter().filter(|t| social.contains(&t.as_str())).collect();
    }
    if let Some(sign_up) = &sign_up {
        validate_sign_up(sign_up, &types)?;
    }
    if let Some(sign_in) = &sign_in {
        validate_sign_in(
            sign_in,
            sign_up.as_ref().unwrap_or(&current.sign_up),
            &types,
            mfa.as_ref().unwrap_or(&current.mfa),
        )?;
    }
    if let Some(mfa) = &mfa {
        validate_mfa(mfa, sign_in.as_ref().unwrap_or(&current.sign_in))?;
    }

    // Adaptive MFA (Logto: it needs MFA and a non-skippable prompt; without it, a skippable one).
    let adaptive = body.get("adaptiveMfa").and_then(|a| a.get("enabled")).and_then(Value::as_bool);
    let effective_mfa = mfa.as_ref().unwrap_or(&current.mfa);
    let mfa_enabled = |m: &Mfa| !m.factors.is_empty();
    match adaptive {
        Some(true) => {
            if !mfa_enabled(effective_mfa) {
                return Err(rule_422(
                    "sign_in_experiences.adaptive_mfa_requires_mfa",
                    "MFA must be enabled before enabling adaptive MFA.",
                ));
            }
            if !non_skippable(effective_mfa.policy) {
                return Err(requires_non_skippable());
            }
        }
        Some(false) if non_skippable(effective_mfa.policy) => return Err(requires_skippable()),
        None if body.get("adaptiveMfa").is_none() => {
            if let Some(m) = mfa.as_ref().filter(|m| mfa_enabled(m)) {
                let current_adaptive = current.adaptive_mfa.get("enabled") == Some(&Value::Bool(true));
                if current_adaptive && !non_skippable(m.policy) {
                    return Err(requires_non_skippable());
                }
                if !current_adaptive && non_skippable(m.policy) {
                    return Err(requires_skippable());
                }
            }
            if mfa.as_ref().is_some_and(|m| !mfa_enabled(m)) {
                next.adaptive_mfa = json!({ "enabled": false });
            }
        }
        _ => {}
    }

    if let Some(Some(methods)) = &forgot {
        let probe =
            SignInExperience { forgot_password_methods: Some(methods.clone()), ..SignInExperience::logto_default() };
        let (email, phone) = forgot_password_availability(&types, &probe);
        for method in methods {
            let (ok, name) = match method {
                ForgotPasswordMethod::EmailVerificationCode => (email, "email"),
                ForgotPasswordMethod::PhoneVerificationCode => (phone, "sms"),
            };
            if !ok {
                return Err(rule(
                    "sign_in_experiences.forgot_password_method_requires_connector",
                    &format!("Forgot password method requires a corresponding {name} connector to be configured."),
                )
                .with_data(json!({ "method": name })));
            }
        }
    }

    next.password_expiration = password_expiration(ctx, current, body)?;
    if next.password_expiration.get("enabled") == Some(&Value::Bool(true)) {
        let (email, phone) = forgot_password_availability(&types, &next);
        if !email && !phone {
            return Err(rule_422(
                "sign_in_experiences.password_expiration_requires_forgot_password",
                "Password expiration requires at least one forgot password method with a valid connector.",
            ));
        }
    }

    if body.get("hideLogtoBranding") == Some(&Value::Bool(true)) {
        return Err(errors::request_invalid("Hide Logto branding is not supported in this environment"));
    }
    if body.get("customUiCsp").and_then(Value::as_object).is_some_and(|csp| csp.values().any(has_sources)) {
        return Err(errors::request_invalid("Custom UI CSP configuration is not available"));
    }
    // Logto's `normalizeCustomUiCsp`: a directive with no sources is dropped.
    if let Some(csp) = next.custom_ui_csp.as_object_mut() {
        csp.retain(|_, sources| has_sources(sources));
    }
    Ok(next)
}

fn has_sources(v: &Value) -> bool {
    v.as_array().is_some_and(|a| !a.is_empty())
}

fn requires_non_skippable() -> ApiError {
    rule_422(
        "sign_in_experiences.adaptive_mfa_requires_non_skippable_policy",
        "Adaptive MFA requires a non-skippable MFA prompt policy. Use PromptOnlyAtSignInMandatory or PromptAtSignInAndSignUpMandatory.",
    )
}

fn requires_skippable() -> ApiError {
    rule_422(
        "sign_in_experiences.non_adaptive_mfa_requires_skippable_policy",
        "When adaptive MFA is disabled, MFA prompt policy must be skippable. Do not use PromptOnlyAtSignInMandatory or PromptAtSignInAndSignUpMandatory.",
    )
}

/// Logto's password-expiration merge: `{enabled:false}` resets; otherwise the patch is laid
/// over the stored policy; `enabledAt` is server-managed (kept while enabled, stamped on enable).
fn password_expiration(
    ctx: &Ctx<'_>,
    current: &SignInExperience,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let Some(patch) = body.get("passwordExpiration").and_then(Value::as_object) else {
        return Ok(current.password_expiration.clone());
    };
    if patch.get("enabled") == Some(&Value::Bool(false)) {
        return Ok(json!({ "enabled": false }));
    }
    let mut merged = current.password_expiration.as_object().cloned().unwrap_or_default();
    merged.extend(patch.clone());
    let invalid = || {
        rule_422(
            "sign_in_experiences.password_expiration_invalid_period_days",
            "Valid period days must be a positive integer when password expiration is enabled.",
        )
    };
    match merged.get("enabled") {
        // zod's first branch (`{enabled?: false}`) strips the other keys.
        None => return Ok(json!({})),
        Some(Value::Bool(false)) => return Ok(json!({ "enabled": false })),
        Some(Value::Bool(true)) => {}
        Some(_) => return Err(invalid()),
    }
    let days = merged.get("validPeriodDays").and_then(Value::as_i64).filter(|d| *d >= 1).ok_or_else(invalid)?;
    let stored_at = (current.password_expiration.get("enabled") == Some(&Value::Bool(true)))
        .then(|| current.password_expiration.get("enabledAt").and_then(Value::as_i64))
        .flatten();
    Ok(json!({ "enabled": true, "validPeriodDays": days, "enabledAt": stored_at.unwrap_or_else(|| ctx.now()) }))
}

/// Logto's `findCaseConflicts`: usernames equal after lower-casing, `{totalConflicts, samples:
/// [{usernameLower, userIds}]}` with at most `limit` samples.
async fn case_conflicts(ctx: &Ctx<'_>, limit: usize) -> Result<Value, ApiError> {
    let users = crate::domain::user::list(ctx.store(), None).await?;
    let mut groups: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for user in users {
        if let Some(username) = user.username {
            groups.entry(username.to_lowercase()).or_default().push(user.id);
        }
    }
    let conflicts: Vec<(String, Vec<String>)> = groups.into_iter().filter(|(_, ids)| ids.len() > 1).collect();
    let samples: Vec<Value> =
        conflicts.iter().take(limit).map(|(lower, ids)| json!({ "usernameLower": lower, "userIds": ids })).collect();
    Ok(json!({ "totalConflicts": conflicts.len(), "samples": samples }))
}

/// `GET /api/sign-in-exp/username-policy/case-sensitivity-conflicts?limit=1..100` (default 20).
pub async fn username_case_conflicts(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let limit = match ctx.query.first("limit") {
        None => 20,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| errors::invalid(errors::Part::Query, "limit must be an integer between 1 and 100"))?,
    };
    json(StatusCode::OK, &case_conflicts(ctx, limit).await?)
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckPasswordBody {
    password: String,
    #[serde(default)]
    user_id: Option<String>,
}

/// `POST /api/sign-in-exp/default/check-password`: the password against the tenant's policy
/// (and the user's own data when `userId` is given): `{result: true}`, or 400
/// `{result: false, issues}`.
pub async fn check_password(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    use crate::domain::password_policy::{self, UserInfo};
    let body: CheckPasswordBody = ctx.body()?;
    let experience = repo::find(ctx.app).await?;
    let policy = password_policy::PasswordPolicy::from_json(Some(&experience.password_policy));
    let user = match &body.user_id {
        None => None,
        Some(id) => {
            let found = crate::domain::user::find(ctx.store(), id).await?;
            let user = found.ok_or_else(|| errors::not_exists_with_id("user", id))?.value;
            Some(UserInfo {
                name: user.name,
                username: user.username,
                email: user.primary_email,
                phone: user.primary_phone,
            })
        }
    };
    if policy.reject_user_info && user.is_none() && !body.password.is_empty() {
        // Logto's checker throws a TypeError here, answered as `request.invalid_input`.
        let message = "User information data is required to check user information.";
        return Err(errors::request_invalid(message).with_data(json!({ "message": message })));
    }
    let issues = password_policy::check(&policy, &body.password, &user.unwrap_or_default(), ctx.app.config.dev_admin);
    if issues.is_empty() {
        json(StatusCode::OK, &json!({ "result": true }))
    } else {
        json(StatusCode::BAD_REQUEST, &json!({ "result": false, "issues": issues }))
    }
}

#[cfg(test)]
mod tests;
