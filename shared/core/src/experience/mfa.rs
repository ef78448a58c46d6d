//! MFA in the Experience API: Logto's `classes/mfa.ts` (binding and the submit-time policy
//! checks) and `libraries/mfa-validator.ts` (whether a sign-in must be MFA-verified, and
//! whether it is).
//!
//! Everything here reads the sign-in experience's `mfa` settings ([`Rules::mfa`]), the
//! identified user and the interaction's storage; the only writes are to the storage's
//! [`MfaState`], which submit turns into the user's `mfaVerifications` and `logtoConfig.mfa`
//! flags ([`apply_on_submit`]).
//!
//! edgeid has no organizations and no enterprise SSO or adaptive MFA yet, so Logto's
//! "MFA required by the user's organizations", "SSO-verified interactions skip MFA" and
//! risk-based branches never apply; the rest follows Logto's order and codes.

use serde_json::{Map, Value, json};

use super::errors::{self, mfa as err};
use super::rules::Rules;
use super::storage::{
    BackupCodeTag, BindBackupCode, BindTotp, InteractionEvent, MfaState, Profile, Storage, TotpTag, VerificationRecord,
    VerificationType,
};
use crate::App;
use crate::domain::mfa::{MfaFactor, MfaVerification};
use crate::domain::sign_in_experience::{Mfa, MfaPolicy};
use crate::domain::user::UserRecord;
use crate::domain::user::logto_config;
use crate::error::ApiError;

/// `isNoSkipMfaPolicy`.
fn no_skip(policy: MfaPolicy) -> bool {
    matches!(
        policy,
        MfaPolicy::Mandatory | MfaPolicy::PromptAtSignInAndSignUpMandatory | MfaPolicy::PromptOnlyAtSignInMandatory
    )
}

/// `isPromptOnlyAtSignInPolicy`.
fn prompt_only_at_sign_in(policy: MfaPolicy) -> bool {
    matches!(policy, MfaPolicy::PromptOnlyAtSignIn | MfaPolicy::PromptOnlyAtSignInMandatory)
}

/// `sortMfaFactors`: WebAuthn, TOTP, phone, email, backup code.
fn sort_factors(mut factors: Vec<MfaFactor>) -> Vec<MfaFactor> {
    let rank = |f: &MfaFactor| match f {
        MfaFactor::WebAuthn => 0,
        MfaFactor::Totp => 1,
        MfaFactor::PhoneVerificationCode => 2,
        MfaFactor::EmailVerificationCode => 3,
        MfaFactor::BackupCode => 4,
    };
    factors.sort_by_key(rank);
    factors
}

fn dedup(factors: impl IntoIterator<Item = MfaFactor>) -> Vec<MfaFactor> {
    let mut out = Vec::new();
    for f in factors {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// `getProfileMfaFactors`: email/phone count as factors when enabled and the user has them.
fn profile_factors(mfa: &Mfa, email: Option<&str>, phone: Option<&str>) -> Vec<MfaFactor> {
    let mut out = Vec::new();
    if mfa.factors.contains(&MfaFactor::PhoneVerificationCode) && phone.is_some() {
        out.push(MfaFactor::PhoneVerificationCode);
    }
    if mfa.factors.contains(&MfaFactor::EmailVerificationCode) && email.is_some() {
        out.push(MfaFactor::EmailVerificationCode);
    }
    out
}

/// `getAllUserEnabledMfaVerifications`: the user's usable stored factors that the sign-in
/// experience enables (WebAuthn first, backup codes last, the rest most recently used first),
/// then the implicit phone/email factors; backup codes always last.
pub(super) fn user_enabled_factors(mfa: &Mfa, user: &UserRecord, profile: Option<&Profile>) -> Vec<MfaFactor> {
    let mut stored: Vec<&MfaVerification> =
        user.mfa_verifications.iter().filter(|v| v.is_usable() && mfa.factors.contains(&v.factor())).collect();
    stored.sort_by(|a, b| {
        use std::cmp::Ordering;
        let rank = |v: &MfaVerification| match v.factor() {
            MfaFactor::WebAuthn => 0,
            MfaFactor::BackupCode => 2,
            _ => 1,
        };
        match rank(a).cmp(&rank(b)) {
            Ordering::Equal => b.last_used_at().unwrap_or("").cmp(a.last_used_at().unwrap_or("")),
            other => other,
        }
    });
    let email = profile.and_then(|p| p.primary_email.as_deref()).or(user.primary_email.as_deref());
    let phone = profile.and_then(|p| p.primary_phone.as_deref()).or(user.primary_phone.as_deref());
    let mut all: Vec<MfaFactor> = stored.into_iter().map(MfaVerification::factor).collect();
    all.extend(profile_factors(mfa, email, phone));
    all.sort_by_key(|f| *f == MfaFactor::BackupCode);
    all
}

/// `availableUserMfaVerificationTypes`: what the user can verify with, each kind once.
pub(super) fn available_factors(mfa: &Mfa, user: &UserRecord) -> Vec<MfaFactor> {
    dedup(user_enabled_factors(mfa, user, None))
}

/// The user's `logtoConfig.mfa` flags.
struct Flags {
    enabled: Option<bool>,
    skipped: bool,
    skip_mfa_on_sign_in: bool,
    additional_binding_suggestion_skipped: bool,
}

fn flags(user: &UserRecord) -> Flags {
    let section = user.logto_config.get(logto_config::MFA);
    let flag = |name: &str| section.and_then(|s| s.get(name)).and_then(Value::as_bool);
    Flags {
        enabled: flag("enabled"),
        skipped: flag("skipped") == Some(true),
        skip_mfa_on_sign_in: flag("skipMfaOnSignIn") == Some(true),
        additional_binding_suggestion_skipped: flag("additionalBindingSuggestionSkipped") == Some(true),
    }
}

/// `MfaValidator.isMfaRequired` (no adaptive MFA): the user has an enabled factor, unless they
/// turned MFA off or chose to skip it at sign-in while the policy lets them.
pub(super) fn is_required(mfa: &Mfa, user: &UserRecord) -> bool {
    let f = flags(user);
    if (f.enabled == Some(false) || f.skip_mfa_on_sign_in) && !no_skip(mfa.policy) {
        return false;
    }
    !user_enabled_factors(mfa, user, None).is_empty()
}

/// `MfaValidator.isMfaVerified`: a verified MFA record of an enabled factor that proves an
/// existing factor (a record binding a new one does not count).
pub(super) fn is_verified(mfa: &Mfa, user: &UserRecord, records: &[VerificationRecord]) -> bool {
    let enabled = user_enabled_factors(mfa, user, None);
    records
        .iter()
        .any(|r| r.kind().mfa_factor().is_some_and(|f| enabled.contains(&f)) && r.is_verified() && !r.is_new_bind_mfa())
}

/// Logto's `maskEmail`: the first four characters of the local part when it is longer.
fn mask_email(email: &str) -> String {
    let (name, domain) = email.split_once('@').unwrap_or((email, ""));
    let preview: String = if name.chars().count() > 4 { name.chars().take(4).collect() } else { String::new() };
    format!("{preview}****@{domain}")
}

/// Logto's `maskPhone`: the last four digits.
fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let tail: String = chars.iter().skip(chars.len().saturating_sub(4)).collect();
    format!("****{tail}")
}

/// `guardMfaVerificationStatus`: 403 `session.mfa.require_mfa_verification` (with the
/// factors the user can verify with and masked email/phone) when this sign-in needs MFA and
/// has not passed it.
pub(super) fn guard_verified(rules: &Rules, storage: &Storage, user: &UserRecord) -> Result<(), ApiError> {
    let mfa = rules.mfa();
    if !is_required(&mfa, user) || is_verified(&mfa, user, &storage.verification_records) {
        return Ok(());
    }
    let available = available_factors(&mfa, user);
    let mut masked = Map::new();
    if available.contains(&MfaFactor::EmailVerificationCode)
        && let Some(email) = &user.primary_email
    {
        masked.insert("EmailVerificationCode".into(), Value::String(mask_email(email)));
    }
    if available.contains(&MfaFactor::PhoneVerificationCode)
        && let Some(phone) = &user.primary_phone
    {
        masked.insert("PhoneVerificationCode".into(), Value::String(mask_phone(phone)));
    }
    Err(err::require_verification(json!({ "availableFactors": available, "maskedIdentifiers": masked })))
}

/// Logto's `verifiedInteractionGuard` for the profile and binding routes: not in
/// ForgotPassword; in SignIn, the identified user must have passed MFA.
pub(super) async fn guard_verified_interaction(app: &App, rules: &Rules, storage: &Storage) -> Result<(), ApiError> {
    if storage.interaction_event == InteractionEvent::ForgotPassword {
        return Err(errors::not_supported_for_forgot_password(400));
    }
    if storage.interaction_event == InteractionEvent::SignIn {
        let user = super::users::identified(app, storage.user_id.as_deref()).await?;
        guard_verified(rules, storage, &user.value)?;
    }
    Ok(())
}

/// `getMfaFactorsEnabledForBinding`: the experience's factors, plus WebAuthn when passkey
/// sign-in is on.
fn factors_enabled_for_binding(rules: &Rules) -> Vec<MfaFactor> {
    let mut factors = rules.mfa().factors;
    if rules.passkey_sign_in_enabled() {
        factors.push(MfaFactor::WebAuthn);
    }
    sort_factors(dedup(factors))
}

/// `checkMfaFactorsEnabledInSignInExperience`: 400 `session.mfa.mfa_factor_not_enabled`.
fn guard_enabled(rules: &Rules, factors: &[MfaFactor]) -> Result<(), ApiError> {
    let enabled = factors_enabled_for_binding(rules);
    if factors.iter().all(|f| enabled.contains(f)) { Ok(()) } else { Err(err::factor_not_enabled()) }
}

/// `getUserMfaFactors`: the user's enabled factors (with the staged email/phone), plus the TOTP
/// and WebAuthn bound in this interaction.
fn user_factors(rules: &Rules, storage: &Storage, user: &UserRecord) -> Vec<MfaFactor> {
    let mfa = rules.mfa();
    let mut all = user_enabled_factors(&mfa, user, Some(&storage.profile));
    if storage.mfa.totp.is_some() {
        all.push(MfaFactor::Totp);
    }
    if storage.mfa.web_authn.as_ref().is_some_and(|w| !w.is_empty()) {
        all.push(MfaFactor::WebAuthn);
    }
    let email = storage.profile.primary_email.as_deref();
    let phone = storage.profile.primary_phone.as_deref();
    all.extend(profile_factors(&mfa, email, phone));
    dedup(all)
}

/// `addTotpByVerificationId`: a verified new-secret TOTP record becomes the pending TOTP.
pub(super) fn add_totp(rules: &Rules, storage: &mut Storage, user: &UserRecord, id: &str) -> Result<(), ApiError> {
    let Some(VerificationRecord::Totp(record)) = storage.record_of(VerificationType::Totp, id).cloned() else {
        return Err(errors::verification_session_not_found());
    };
    if !record.verified {
        return Err(errors::verification_failed());
    }
    let Some(secret) = record.secret else {
        return Err(err::pending_info_not_found());
    };
    guard_enabled(rules, &[MfaFactor::Totp])?;
    // A user has at most one TOTP factor.
    if user.totp().is_some() {
        return Err(err::totp_already_in_use());
    }
    storage.mfa.totp = Some(BindTotp { kind: TotpTag::Totp, secret });
    Ok(())
}

/// `addWebAuthnByVerificationId`: a verified registration joins the pending credentials.
pub(super) fn add_webauthn(rules: &Rules, storage: &mut Storage, id: &str) -> Result<(), ApiError> {
    let Some(VerificationRecord::WebAuthn(record)) = storage.record_of(VerificationType::WebAuthn, id).cloned() else {
        return Err(errors::verification_session_not_found());
    };
    if !record.verified {
        return Err(errors::verification_failed());
    }
    let Some(info) = record.registration_info else {
        return Err(err::pending_info_not_found());
    };
    guard_enabled(rules, &[MfaFactor::WebAuthn])?;
    storage.mfa.web_authn.get_or_insert_with(Vec::new).push(info);
    Ok(())
}

/// `addBackupCodeByVerificationId`: generated codes become the pending backup codes, which
/// never stand alone (422 `session.mfa.backup_code_can_not_be_alone`).
pub(super) fn add_backup_code(
    rules: &Rules,
    storage: &mut Storage,
    user: &UserRecord,
    id: &str,
) -> Result<(), ApiError> {
    let Some(VerificationRecord::BackupCode(record)) = storage.record_of(VerificationType::BackupCode, id).cloned()
    else {
        return Err(errors::verification_session_not_found());
    };
    guard_enabled(rules, &[MfaFactor::BackupCode])?;
    if !user_factors(rules, storage, user).iter().any(|f| *f != MfaFactor::BackupCode) {
        return Err(err::backup_code_can_not_be_alone());
    }
    let Some(codes) = record.backup_codes else {
        return Err(err::pending_info_not_found());
    };
    storage.mfa.backup_code = Some(BindBackupCode { kind: BackupCodeTag::BackupCode, codes });
    Ok(())
}

/// `Mfa.skip`: only where the policy lets the user decide.
pub(super) fn skip(rules: &Rules, storage: &mut Storage) -> Result<(), ApiError> {
    if no_skip(rules.mfa().policy) {
        return Err(err::policy_not_user_controlled());
    }
    storage.mfa.mfa_skipped = Some(true);
    Ok(())
}

/// `checkAvailability`: every pending factor is still enabled.
pub(super) fn check_availability(rules: &Rules, state: &MfaState) -> Result<(), ApiError> {
    guard_enabled(rules, &state.pending_factors())
}

/// `assertPasskeySignInFulfilled`: with passkey sign-in on, a user without a passkey is asked
/// to create one (422 `user.passkey_preferred`) until they skip it.
pub(super) fn assert_passkey_sign_in_fulfilled(
    rules: &Rules,
    state: &MfaState,
    user: &UserRecord,
) -> Result<(), ApiError> {
    if !rules.passkey_sign_in_enabled() {
        return Ok(());
    }
    let stored_skip =
        user.logto_config.get(logto_config::PASSKEY_SIGN_IN).and_then(|p| p.get("skipped")).and_then(Value::as_bool)
            == Some(true);
    if state.passkey_skipped.unwrap_or(stored_skip) {
        return Ok(());
    }
    let has_passkey =
        state.web_authn.as_ref().is_some_and(|w| !w.is_empty()) || user.webauthn_credentials().next().is_some();
    if has_passkey { Ok(()) } else { Err(err::passkey_preferred()) }
}

/// `assertMfaFulfilled`: the optional-MFA prompt (`user.suggest_mfa`), then the mandatory
/// policy (`user.missing_mfa`), the additional-factor suggestion and the backup-code
/// requirement. May mark MFA enabled in the state (Logto's backfill for legacy users).
pub(super) fn assert_fulfilled(rules: &Rules, storage: &mut Storage, user: &UserRecord) -> Result<(), ApiError> {
    let mfa = rules.mfa();
    if mfa.factors.is_empty() {
        return Ok(());
    }
    let event = storage.interaction_event;
    let user_factors = user_factors(rules, storage, user);
    let stored = flags(user);

    // `assertOptionalMfaEnablement`.
    let optional_applies = !no_skip(mfa.policy)
        && mfa.policy != MfaPolicy::NoPrompt
        && !(event == InteractionEvent::Register && mfa.policy == MfaPolicy::PromptOnlyAtSignIn);
    if optional_applies && !storage.mfa.mfa_skipped.unwrap_or(stored.skipped) {
        match storage.mfa.mfa_enabled.or(stored.enabled) {
            // A user from before the `enabled` flag: enabled if they have a factor.
            None => {
                if user_factors.is_empty() {
                    return Err(err::suggest_mfa());
                }
                storage.mfa.mfa_enabled = Some(true);
            }
            Some(false) => return Err(err::suggest_mfa()),
            Some(true) => {}
        }
    }

    // `assertUserMandatoryMfaFulfilled`.
    if event == InteractionEvent::Register && prompt_only_at_sign_in(mfa.policy) {
        return Ok(());
    }
    if mfa.policy == MfaPolicy::NoPrompt {
        return Ok(());
    }
    if !no_skip(mfa.policy) && storage.mfa.mfa_skipped.unwrap_or(stored.skipped) {
        return Ok(());
    }
    let configured: Vec<MfaFactor> =
        sort_factors(mfa.factors.iter().copied().filter(|f| *f != MfaFactor::BackupCode).collect());
    let linked = dedup(user_factors.iter().copied().chain(storage.mfa.pending_factors()));
    if !configured.iter().any(|f| linked.contains(f)) {
        let data = if no_skip(mfa.policy) {
            json!({ "availableFactors": configured })
        } else {
            json!({ "availableFactors": configured, "skippable": true })
        };
        return Err(err::missing_mfa(data));
    }
    guard_additional_binding_suggestion(rules, storage, user, &user_factors, &configured, &stored)?;
    if mfa.factors.contains(&MfaFactor::BackupCode) && !linked.contains(&MfaFactor::BackupCode) {
        return Err(err::backup_code_required());
    }
    Ok(())
}

/// `guardAdditionalBindingSuggestion`: a user whose only factors also work as sign-in
/// methods (email, phone, a sign-in passkey) is offered another one, once, skippably.
fn guard_additional_binding_suggestion(
    rules: &Rules,
    storage: &Storage,
    user: &UserRecord,
    in_user: &[MfaFactor],
    available: &[MfaFactor],
    stored: &Flags,
) -> Result<(), ApiError> {
    if storage.mfa.additional_binding_suggestion_skipped == Some(true) || stored.additional_binding_suggestion_skipped {
        return Ok(());
    }
    let sorted = sort_factors(available.to_vec());
    if sorted.iter().all(|f| in_user.contains(f)) {
        return Ok(());
    }
    if in_user.contains(&MfaFactor::EmailVerificationCode) && !rules.sign_up_includes("email") {
        return Ok(());
    }
    if in_user.contains(&MfaFactor::PhoneVerificationCode) && !rules.sign_up_includes("phone") {
        return Ok(());
    }
    let passkey_sign_in = rules.passkey_sign_in_enabled();
    if in_user.contains(&MfaFactor::Totp)
        || in_user.contains(&MfaFactor::BackupCode)
        || (in_user.contains(&MfaFactor::WebAuthn) && !passkey_sign_in)
    {
        return Ok(());
    }
    let mut masked = Map::new();
    if in_user.contains(&MfaFactor::EmailVerificationCode)
        && let Some(email) = &user.primary_email
    {
        masked.insert("EmailVerificationCode".into(), Value::String(mask_email(email)));
    }
    if in_user.contains(&MfaFactor::PhoneVerificationCode)
        && let Some(phone) = &user.primary_phone
    {
        masked.insert("PhoneVerificationCode".into(), Value::String(mask_phone(phone)));
    }
    Err(err::suggest_additional(json!({
        "availableFactors": sorted,
        "maskedIdentifiers": masked,
        "isWebAuthnUsedAsSignInPasskey": passkey_sign_in && in_user.contains(&MfaFactor::WebAuthn),
        "skippable": true,
        "suggestion": true,
    })))
}

/// Submit's write (Logto's `toUserMfaVerifications` + `mergeUserMfaVerifications` +
/// `parseMfaPropertiesToUserConfig`): pending factors join the user's (a new backup-code set
/// replaces the old; codes are hashed here), and the MFA flags go to `logtoConfig`.
pub(super) fn apply_on_submit(app: &App, state: &MfaState, event: InteractionEvent, user: &mut UserRecord) {
    let new: Vec<MfaVerification> = state.pending().into_iter().map(|bind| bind.into_verification(app)).collect();
    if !new.is_empty() {
        user.merge_mfa_verifications(new);
    }
    let config = &mut user.logto_config;
    let entry = config.entry(logto_config::MFA.to_owned()).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    if let Some(section) = entry.as_object_mut() {
        if let Some(enabled) = state.mfa_enabled {
            section.insert("enabled".into(), Value::Bool(enabled));
        }
        if state.mfa_skipped == Some(true) {
            section.insert("skipped".into(), Value::Bool(true));
        }
        if state.additional_binding_suggestion_skipped == Some(true) {
            section.insert("additionalBindingSuggestionSkipped".into(), Value::Bool(true));
        }
    }
    // Only at sign-in, so a user who skipped during registration is asked once more.
    if state.passkey_skipped == Some(true) && event == InteractionEvent::SignIn {
        config.insert(logto_config::PASSKEY_SIGN_IN.to_owned(), json!({ "skipped": true }));
    }
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests;
