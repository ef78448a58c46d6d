//! `POST /api/experience/profile` (stage profile data) and `PUT /api/experience/profile/password`
//! (ForgotPassword's new password), with the profile rules Logto's `Profile` class applies:
//! uniqueness across users, nothing the identified user already has, the password policy,
//! and the mandatory fields of the sign-in experience (`user.missing_profile`).

pub(super) mod mfa;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::session::Session;
use super::storage::{InteractionEvent, Profile, Storage, VerificationRecord};
use super::verification::new_password_identity::valid_username;
use super::{Ctx, errors, invalid_body, no_content, rules, users};
use crate::domain::password_policy::{self, UserInfo};
use crate::domain::user::UserRecord;
use crate::error::ApiError;
use crate::{App, Response};

/// The identified user, if the event allows none (Register) or requires one (else 404).
async fn identified_user(app: &App, storage: &Storage) -> Result<Option<users::User>, ApiError> {
    match (storage.interaction_event, storage.user_id.as_deref()) {
        (InteractionEvent::Register, None) => Ok(None),
        (InteractionEvent::Register, Some(id)) => Ok(crate::domain::user::find(app.store.as_ref(), id).await?),
        (_, id) => users::identified(app, id).await.map(Some),
    }
}

/// Logto's `setProfileWithValidation`: check `staged` against the identified user and every
/// other user, then merge it into the storage's profile.
pub(super) async fn stage(
    app: &App,
    rules: &rules::Rules,
    storage: &mut Storage,
    staged: Profile,
) -> Result<(), ApiError> {
    if let Some(user) = identified_user(app, storage).await? {
        users::guard_not_in_account(&user.value, &staged)?;
    }
    // A format/policy violation is reported ahead of "already in use", as Logto does.
    if let Some(username) = &staged.username {
        rules.guard_username(username)?;
    }
    users::guard_unique(app, &staged).await?;
    storage.profile.merge(staged);
    Ok(())
}

/// Logto's `assertUserMandatoryProfileFulfilled`: 422 `user.missing_profile` with the fields
/// neither the user nor the staged profile has.
pub(super) fn guard_mandatory(
    rules: &rules::Rules,
    profile: &Profile,
    user: Option<&UserRecord>,
) -> Result<(), ApiError> {
    let mut missing = Vec::new();
    for field in rules.mandatory_profile() {
        let has_email = user.is_some_and(|u| u.primary_email.is_some()) || profile.primary_email.is_some();
        let has_phone = user.is_some_and(|u| u.primary_phone.is_some()) || profile.primary_phone.is_some();
        let present = match field {
            rules::USERNAME => user.is_some_and(|u| u.username.is_some()) || profile.username.is_some(),
            rules::EMAIL => has_email,
            rules::PHONE => has_phone,
            rules::EMAIL_OR_PHONE => has_email || has_phone,
            // Social identities take the place of a password.
            rules::PASSWORD => {
                user.is_some_and(|u| u.has_password() || !u.identities.is_empty())
                    || profile.password_encrypted.is_some()
                    || profile.social_identity.is_some()
            }
            _ => true,
        };
        if !present {
            missing.push(field);
        }
    }
    if missing.is_empty() { Ok(()) } else { Err(errors::missing_profile(&missing)) }
}

/// Check a chosen password against the policy (with what is known about the user) and hash it.
async fn digest_for(
    app: &App,
    rules: &rules::Rules,
    password: &str,
    profile: &Profile,
    user: Option<&UserRecord>,
) -> Result<Profile, ApiError> {
    let info = UserInfo {
        name: profile.name.clone().or_else(|| user.and_then(|u| u.name.clone())),
        username: profile.username.clone().or_else(|| user.and_then(|u| u.username.clone())),
        email: profile.primary_email.clone().or_else(|| user.and_then(|u| u.primary_email.clone())),
        phone: profile.primary_phone.clone().or_else(|| user.and_then(|u| u.primary_phone.clone())),
    };
    let issues = password_policy::check(&rules.password_policy(), password, &info, app.config.dev_admin);
    if !issues.is_empty() {
        return Err(errors::password_rejected(&issues));
    }
    let (digest, method) = users::hash(app, password)?;
    Ok(Profile { password_encrypted: Some(digest), password_encryption_method: Some(method), ..Profile::default() })
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Body {
    Username {
        value: String,
    },
    Password {
        value: String,
    },
    Email {
        #[serde(rename = "verificationId")]
        verification_id: String,
    },
    Phone {
        #[serde(rename = "verificationId")]
        verification_id: String,
    },
    Social {
        #[serde(rename = "verificationId")]
        verification_id: String,
    },
    ExtraProfile {
        values: Map<String, Value>,
    },
}

/// Logto's built-in profile keys (`builtInCustomProfileFieldKeys` minus name/avatar): these go
/// to `profile`; other extra fields go to `customData`.
const PROFILE_KEYS: &[&str] = &[
    "familyName",
    "givenName",
    "middleName",
    "nickname",
    "preferredUsername",
    "profile",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "address",
];

pub(super) async fn add(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: Body = ctx.body()?;
    let event = session.storage.interaction_event;
    if event == InteractionEvent::ForgotPassword {
        return Err(errors::not_supported_for_forgot_password(400));
    }
    let rules = rules::load(app).await?;
    if event == InteractionEvent::SignIn {
        // Identified, and past MFA (except for linking a social identity, as in Logto).
        let user = users::identified(app, session.storage.user_id.as_deref()).await?;
        if !matches!(body, Body::Social { .. }) {
            super::mfa::guard_verified(&rules, &session.storage, &user.value)?;
        }
    }
    let staged = match body {
        Body::Username { value } => {
            if !valid_username(&value) {
                return Err(invalid_body("Error in key path \"value\": (invalid_string) Invalid"));
            }
            Profile { username: Some(value), ..Profile::default() }
        }
        Body::Password { value } => {
            let user = identified_user(app, &session.storage).await?;
            let user = user.as_ref().map(|u| &u.value);
            let staged = digest_for(app, &rules, &value, &session.storage.profile, user).await?;
            if let Some(user) = user {
                users::guard_not_in_account(user, &staged)?;
            }
            session.storage.profile.merge(staged);
            session.save(app).await?;
            return no_content();
        }
        Body::Email { verification_id } => match session.storage.record(&verification_id) {
            Some(VerificationRecord::EmailVerificationCode(r)) if r.verified => {
                rules.guard_email_blocklist(&r.identifier.value)?;
                Profile { primary_email: Some(r.identifier.value.clone()), ..Profile::default() }
            }
            Some(VerificationRecord::EmailVerificationCode(_)) => return Err(errors::verification_failed()),
            _ => return Err(errors::verification_session_not_found()),
        },
        Body::Phone { verification_id } => match session.storage.record(&verification_id) {
            Some(VerificationRecord::PhoneVerificationCode(r)) if r.verified => {
                Profile { primary_phone: Some(r.identifier.value.clone()), ..Profile::default() }
            }
            Some(VerificationRecord::PhoneVerificationCode(_)) => return Err(errors::verification_failed()),
            _ => return Err(errors::verification_session_not_found()),
        },
        Body::Social { verification_id } => match session.storage.record(&verification_id) {
            Some(VerificationRecord::Social(r)) => {
                let r = r.clone();
                if let Some(email) = r.social_user_info.as_ref().and_then(|i| i.email.as_deref()) {
                    rules.guard_email_blocklist(email)?;
                }
                let new_user = identified_user(app, &session.storage).await?.is_none();
                let (identity, synced) = super::social::binding_profile(app, &r, new_user).await?;
                stage(app, &rules, &mut session.storage, identity).await?;
                // `unsafePrepend`: what is already staged wins over the synced values.
                let mut merged = synced;
                merged.merge(std::mem::take(&mut session.storage.profile));
                session.storage.profile = merged;
                session.save(app).await?;
                return no_content();
            }
            _ => return Err(errors::verification_session_not_found()),
        },
        Body::ExtraProfile { values } => {
            guard_reserved_keys(&values)?;
            let mut staged = Profile { submitted: Some(true), ..Profile::default() };
            let (mut profile, mut custom) = (Map::new(), Map::new());
            for (key, value) in values {
                match key.as_str() {
                    "name" => staged.name = value.as_str().map(str::to_owned),
                    "avatar" => staged.avatar = value.as_str().map(str::to_owned),
                    k if PROFILE_KEYS.contains(&k) => {
                        profile.insert(key, value);
                    }
                    _ => {
                        custom.insert(key, value);
                    }
                }
            }
            staged.profile = Some(profile).filter(|m| !m.is_empty());
            staged.custom_data = Some(custom).filter(|m| !m.is_empty());
            staged
        }
    };
    stage(app, &rules, &mut session.storage, staged).await?;
    session.save(app).await?;
    no_content()
}

/// Keys an `extraProfile` may not name, in the order Logto's `validateAndParseCustomProfile`
/// checks them (each list in its zod guard's key order): the reserved built-in profile property,
/// the sign-in identifiers, then the custom-data keys Logto itself uses.
const RESERVED_KEYS: [(&[&str], &str, &str); 3] = [
    (
        &["preferredUsername"],
        "custom_profile_fields.name_conflict_built_in_prop",
        "Invalid field name. Reserved built-in user profile property name(s): ",
    ),
    (
        &["username", "primaryEmail", "primaryPhone", "email", "phone"],
        "custom_profile_fields.name_conflict_sign_in_identifier",
        "Invalid field name. Reserved sign-in identifier key(s): ",
    ),
    (
        &["onboarding", "ossOnboarding", "guideRequests", "adminConsolePreferences", "defaultTenantId"],
        "custom_profile_fields.name_conflict_custom_data",
        "Invalid field name. Reserved custom data key(s): ",
    ),
];

/// 400 `custom_profile_fields.name_conflict_*` when `values` names a reserved key (the message
/// lists every reserved key it names, as Logto's does).
fn guard_reserved_keys(values: &Map<String, Value>) -> Result<(), ApiError> {
    for (keys, code, message) in RESERVED_KEYS {
        let named: Vec<&str> = keys.iter().copied().filter(|k| values.contains_key(*k)).collect();
        if !named.is_empty() {
            return Err(ApiError::new(http::StatusCode::BAD_REQUEST, code, format!("{message}{}.", named.join(", "))));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct PasswordBody {
    password: String,
}

/// ForgotPassword only: the identified user's new password (policy checked, not the same as
/// the current one), staged until submit.
pub(super) async fn reset_password(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: PasswordBody = ctx.body()?;
    if session.storage.interaction_event != InteractionEvent::ForgotPassword {
        return Err(errors::invalid_interaction_type());
    }
    if session.storage.user_id.is_none() {
        return Err(errors::identifier_not_found(404));
    }
    let user = users::identified(app, session.storage.user_id.as_deref()).await?;
    let rules = rules::load(app).await?;
    let staged = digest_for(app, &rules, &body.password, &session.storage.profile, Some(&user.value)).await?;
    if users::is_current_password(&user, &body.password) {
        return Err(errors::same_password());
    }
    session.storage.profile.merge(staged);
    session.save(app).await?;
    no_content()
}
