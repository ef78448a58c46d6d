//! Signing in and registering with a verified social identity (Logto's `SocialVerification`
//! `identifyUser` / `identifyRelatedUser` / `toSyncedProfile` / `toUserProfile`).
//!
//! - Sign-in: the user linked to `(target, socialUserInfo.id)`; none → 404
//!   `user.identity_not_exist`, with `data.relatedUser` `{type, value}` when a user already has
//!   the identity's phone or email, so the page can offer to link. With `linkSocialIdentity`
//!   that related user is signed in and the identity is staged for linking at submit.
//! - Every social sign-in of a connector with `syncProfile` stages the identity's name and
//!   avatar (and its email when the account has none and nobody else holds it), written at
//!   submit.
//! - Register: the new user gets the identity, its name and avatar, and its email / phone when
//!   no other user has them.

use http::StatusCode;
use serde_json::json;

use super::errors;
use super::rules::Rules;
use super::storage::{Profile, SocialIdentity, SocialRecord, Storage, VerificationType};
use super::users::User;
use crate::App;
use crate::connectors::social::SocialUserInfo;
use crate::domain::user;
use crate::error::ApiError;

fn identity_not_exist() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "user.identity_not_exist", "The social account has not been registered yet.")
}

fn verified(record: &SocialRecord) -> Result<&SocialUserInfo, ApiError> {
    record.social_user_info.as_ref().ok_or_else(errors::verification_failed)
}

/// Logto's `findSocialRelatedUser`: by phone first, then by email.
async fn related_user(app: &App, info: &SocialUserInfo) -> Result<Option<(serde_json::Value, User)>, ApiError> {
    let store = app.store.as_ref();
    if let Some(phone) = &info.phone
        && let Some(found) = user::find_by_phone(store, phone).await?
    {
        return Ok(Some((json!({ "type": "phone", "value": phone }), found)));
    }
    if let Some(email) = &info.email
        && let Some(found) = user::find_by_email(store, email).await?
    {
        return Ok(Some((json!({ "type": "email", "value": email }), found)));
    }
    Ok(None)
}

/// The user this social identity signs in, and the profile to stage for them.
pub(super) async fn identify(app: &App, record: &SocialRecord, link: bool) -> Result<(User, Profile), ApiError> {
    let info = verified(record)?;
    let connector = crate::connectors::social::find_for_verify(app, &record.connector_id).await?;
    let target = connector.target();
    let mut synced = Profile::default();
    if connector.sync_profile() {
        synced.name = info.name.clone();
        synced.avatar = info.avatar.clone();
    }
    if link {
        let (_, found) = related_user(app, info).await?.ok_or_else(identity_not_exist)?;
        synced.social_identity = Some(SocialIdentity { target, user_info: info.clone() });
        return Ok((found, synced));
    }
    if let Some(found) = user::find_by_identity(app.store.as_ref(), &target, &info.id).await? {
        if connector.sync_profile() {
            synced.primary_email = synced_email(app, &found, info).await?;
        }
        return Ok((found, synced));
    }
    Err(match related_user(app, info).await? {
        Some((related, _)) => identity_not_exist().with_data(json!({ "relatedUser": related })),
        None => identity_not_exist(),
    })
}

/// With `syncProfile`, the identity's (verified: connectors drop unverified ones) email fills an
/// account that has none, if no other user holds it. An existing email is never replaced from
/// the provider's side: it is the account's recovery channel, and Logto syncs only name and
/// avatar.
async fn synced_email(app: &App, user: &User, info: &SocialUserInfo) -> Result<Option<String>, ApiError> {
    let Some(email) = info.email.as_ref().filter(|_| user.value.primary_email.is_none()) else {
        return Ok(None);
    };
    Ok(user::find_by_email(app.store.as_ref(), email).await?.is_none().then(|| email.clone()))
}

/// The profile of a user registering with this identity (`toSyncedProfile(true)` +
/// `toUserProfile()`).
pub(super) async fn new_user_profile(app: &App, record: &SocialRecord) -> Result<Profile, ApiError> {
    let info = verified(record)?;
    let connector = crate::connectors::social::find_for_verify(app, &record.connector_id).await?;
    let store = app.store.as_ref();
    let mut profile = Profile { name: info.name.clone(), avatar: info.avatar.clone(), ..Profile::default() };
    if let Some(email) = &info.email
        && user::find_by_email(store, email).await?.is_none()
    {
        profile.primary_email = Some(email.clone());
    }
    if let Some(phone) = &info.phone
        && user::find_by_phone(store, phone).await?.is_none()
    {
        profile.primary_phone = Some(phone.clone());
    }
    profile.social_identity = Some(SocialIdentity { target: connector.target(), user_info: info.clone() });
    Ok(profile)
}

/// `POST /api/experience/profile {type: "social"}`: the identity to validate and stage, and
/// the profile synced from it (email/phone only for a new user, name/avatar for an existing
/// one only when the connector syncs profiles).
pub(super) async fn binding_profile(
    app: &App,
    record: &SocialRecord,
    new_user: bool,
) -> Result<(Profile, Profile), ApiError> {
    if new_user {
        let mut synced = new_user_profile(app, record).await?;
        let identity = Profile { social_identity: synced.social_identity.take(), ..Profile::default() };
        return Ok((identity, synced));
    }
    let info = verified(record)?;
    let connector = crate::connectors::social::find_for_verify(app, &record.connector_id).await?;
    let identity = Profile {
        social_identity: Some(SocialIdentity { target: connector.target(), user_info: info.clone() }),
        ..Profile::default()
    };
    let mut synced = Profile::default();
    if connector.sync_profile() {
        synced.name = info.name.clone();
        synced.avatar = info.avatar.clone();
    }
    Ok((identity, synced))
}

/// Logto skips the mandatory sign-up identifiers for a social registration when the sign-in
/// experience's `socialSignIn.skipRequiredIdentifiers` is on.
pub(super) fn skips_mandatory(rules: &Rules, storage: &Storage) -> bool {
    let social = storage.profile.social_identity.is_some()
        || storage.verification_records.iter().any(|r| r.kind() == VerificationType::Social && r.is_verified());
    social
        && rules
            .social_sign_in
            .as_ref()
            .and_then(|p| p.get("skipRequiredIdentifiers"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
}
