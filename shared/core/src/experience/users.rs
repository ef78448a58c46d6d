//! The user lookups and writes the Experience API makes, over `domain::user` and
//! `domain::password`, with their failures turned into the Experience API's Logto errors.

use super::errors;
use super::rules::Rules;
use super::storage::{Identifier, IdentifierType, Profile};
use crate::App;
use crate::domain::Versioned;
use crate::domain::password;
use crate::domain::user::{self, NewPassword, NewUser, PasswordCheck, UserError, UserRecord};
use crate::error::{ApiError, Internal};

pub type User = Versioned<UserRecord>;

/// Logto's `findUserByIdentifier` (usernames per the tenant's case policy in `rules`, already
/// read by every caller: no second read of the sign-in experience).
pub async fn find_by_identifier(app: &App, rules: &Rules, identifier: &Identifier) -> Result<Option<User>, ApiError> {
    let store = app.store.as_ref();
    Ok(match identifier.kind {
        IdentifierType::Username => {
            user::find_by_username_as(store, &identifier.value, rules.username_case_sensitive()).await?
        }
        IdentifierType::Email => user::find_by_email(store, &identifier.value).await?,
        IdentifierType::Phone => user::find_by_phone(store, &identifier.value).await?,
        IdentifierType::UserId => user::find(store, &identifier.value).await?,
    })
}

/// The identified user (Logto's `getIdentifiedUser`): 404 `session.identifier_not_found` when
/// the interaction has none, 404 `entity.not_exists_with_id` when the user was deleted since.
pub async fn identified(app: &App, user_id: Option<&str>) -> Result<User, ApiError> {
    let id = user_id.ok_or_else(|| errors::identifier_not_found(404))?;
    user::find(app.store.as_ref(), id).await?.ok_or_else(|| {
        ApiError::new(
            http::StatusCode::NOT_FOUND,
            "entity.not_exists_with_id",
            format!("The users with ID `{id}` does not exist."),
        )
        .with_data(serde_json::json!({ "id": id }))
    })
}

/// Logto's `verifyUserPassword`: unknown users and users without a password cost a decoy
/// hash, so the answer's timing does not tell who exists.
pub async fn password_matches(app: &App, user: Option<&User>, plain: &str) -> Result<bool, ApiError> {
    match user {
        Some(user) => Ok(user::verify_password(app, user, plain).await? == PasswordCheck::Valid),
        None => {
            password::burn_decoy(plain);
            Ok(false)
        }
    }
}

/// A new digest for `plain` (Argon2id), as the storage keeps it (`passwordEncrypted` +
/// `passwordEncryptionMethod`).
pub fn hash(app: &App, plain: &str) -> Result<(String, String), ApiError> {
    let stored = password::hash(app.rng.as_ref(), plain)?;
    Ok((stored.digest, stored.algorithm.as_str().to_owned()))
}

/// Whether `plain` is the user's current password (Logto's `user.same_password` check).
pub fn is_current_password(user: &User, plain: &str) -> bool {
    password::verify(user.value.password().as_ref(), plain).is_valid()
}

fn stored(profile: &Profile) -> Option<password::Stored> {
    let digest = profile.password_encrypted.clone()?;
    let algorithm = profile.password_encryption_method.as_deref().and_then(password::Algorithm::parse)?;
    Some(password::Stored { digest, algorithm })
}

fn taken(identifier: &user::Identifier) -> ApiError {
    match identifier {
        user::Identifier::Username => errors::username_already_in_use(),
        user::Identifier::Email => errors::email_already_in_use(),
        user::Identifier::Phone => errors::phone_already_in_use(),
        user::Identifier::Id | user::Identifier::Identity(_) => ApiError::new(
            http::StatusCode::UNPROCESSABLE_ENTITY,
            "user.identity_already_in_use",
            "The social account has been associated with an existing account.",
        ),
    }
}

fn user_error(e: UserError) -> ApiError {
    match e {
        UserError::Taken(identifier) => taken(&identifier),
        UserError::Stale => crate::domain::interaction::InteractionError::Stale.into(),
        UserError::Internal(e) => e.into(),
    }
}

/// Logto's `guardProfileUniquenessAcrossUsers` for the identifiers in `profile`.
pub async fn guard_unique(app: &App, profile: &Profile) -> Result<(), ApiError> {
    let store = app.store.as_ref();
    if let Some(username) = &profile.username
        && user::username_taken(store, username, user::username_case_sensitive(app).await?, None).await?
    {
        return Err(errors::username_already_in_use());
    }
    if let Some(email) = &profile.primary_email
        && user::find_by_email(store, email).await?.is_some()
    {
        return Err(errors::email_already_in_use());
    }
    if let Some(phone) = &profile.primary_phone
        && user::find_by_phone(store, phone).await?.is_some()
    {
        return Err(errors::phone_already_in_use());
    }
    if let Some(social) = &profile.social_identity
        && user::find_by_identity(store, &social.target, &social.user_info.id).await?.is_some()
    {
        return Err(taken(&user::Identifier::Identity(social.target.clone())));
    }
    Ok(())
}

/// Logto's `guardProfileNotExistInCurrentUserAccount`.
pub fn guard_not_in_account(user: &UserRecord, profile: &Profile) -> Result<(), ApiError> {
    if profile.username.is_some() && user.username.is_some() {
        return Err(errors::username_exists_in_profile());
    }
    if profile.primary_email.is_some() && user.primary_email.is_some() {
        return Err(errors::email_exists_in_profile());
    }
    if profile.primary_phone.is_some() && user.primary_phone.is_some() {
        return Err(errors::phone_exists_in_profile());
    }
    if profile.password_encrypted.is_some() && user.has_password() {
        return Err(errors::password_exists_in_profile());
    }
    Ok(())
}

/// Register: create the user from the staged profile (identifiers claimed atomically: of two
/// registrations of one username exactly one wins, the other gets 422).
pub async fn create(app: &App, profile: &Profile, application_id: &str) -> Result<UserRecord, ApiError> {
    let new = NewUser {
        username: profile.username.clone(),
        primary_email: profile.primary_email.clone(),
        primary_phone: profile.primary_phone.clone(),
        password: stored(profile).map(NewPassword::Digest),
        name: profile.name.clone(),
        avatar: profile.avatar.clone(),
        profile: profile.profile.clone().unwrap_or_default(),
        custom_data: profile.custom_data.clone().unwrap_or_default(),
        application_id: Some(application_id.to_owned()).filter(|s| !s.is_empty()),
        identities: profile
            .social_identity
            .iter()
            .map(|social| (social.target.clone(), social.to_identity()))
            .collect(),
    };
    user::insert(app, new).await.map_err(user_error)
}

/// Undo [`create`] when the interaction could not record the new user (a concurrent request
/// won the write): nothing is left half-done and the client can retry.
pub async fn remove_created(app: &App, record: UserRecord) -> Result<(), ApiError> {
    let current = Versioned { value: record, version: 1 };
    user::delete(app.store.as_ref(), &current).await.map_err(user_error)
}

/// Submit: write the staged profile, what `also` changes (MFA) and `lastSignInAt` onto `user`
/// as the caller read it (re-read on races).
pub async fn apply_on_submit(
    app: &App,
    user: User,
    profile: &Profile,
    also: impl Fn(&mut UserRecord),
) -> Result<UserRecord, ApiError> {
    let store = app.store.as_ref();
    let user_id = user.value.id.clone();
    let mut read = Some(user);
    for _ in 0..5 {
        let current = match read.take() {
            Some(user) => user,
            None => identified(app, Some(&user_id)).await?,
        };
        let now = app.clock.now_ms();
        let mut next = current.value.clone();
        macro_rules! copy {
            ($($f:ident),*) => { $( if let Some(v) = &profile.$f { next.$f = Some(v.clone()); } )* };
        }
        copy!(username, primary_email, primary_phone, name, avatar);
        if let Some(extra) = &profile.profile {
            next.profile.extend(extra.clone());
        }
        if let Some(extra) = &profile.custom_data {
            next.custom_data.extend(extra.clone());
        }
        if let Some(stored) = stored(profile) {
            next.set_password(stored, now);
        }
        if let Some(social) = &profile.social_identity {
            next.identities.insert(social.target.clone(), social.to_identity());
        }
        also(&mut next);
        next.last_sign_in_at = Some(now);
        next.updated_at = now;
        match user::update(store, &current, &next).await {
            Ok(()) => return Ok(next),
            Err(UserError::Stale) => continue,
            Err(e) => return Err(user_error(e)),
        }
    }
    Err(Internal::Store(crate::store::StoreError::Unavailable("user record kept changing".into())).into())
}

/// Forgot password: replace the password with the staged digest.
pub async fn reset_password(app: &App, user_id: &str, profile: &Profile) -> Result<(), ApiError> {
    let Some(stored) = stored(profile) else {
        return Err(errors::new_password_required_in_profile());
    };
    let store = app.store.as_ref();
    for _ in 0..5 {
        let current = identified(app, Some(user_id)).await?;
        let now = app.clock.now_ms();
        let mut next = current.value.clone();
        next.set_password(stored.clone(), now);
        next.updated_at = now;
        match user::update(store, &current, &next).await {
            Ok(()) => return Ok(()),
            Err(UserError::Stale) => continue,
            Err(e) => return Err(user_error(e)),
        }
    }
    Err(Internal::Store(crate::store::StoreError::Unavailable("user record kept changing".into())).into())
}
