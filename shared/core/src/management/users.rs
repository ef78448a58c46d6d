//! `/api/users` (Logto's `routes/admin-user/{basics,search}.ts`): create, list/search, get,
//! update, delete. Sub-resources live in `users/*`.
//!
//! Identifier uniqueness is decided by the store commit (`domain::user`), not by a read before
//! it, so two concurrent creates of one username get exactly one 200 and one 422.

pub mod custom_data;
pub mod identities;
pub mod input;
pub mod logto_config;
pub mod mfa_verifications;
pub mod password;
pub mod profile;
pub mod roles;
pub mod suspension;

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::applications::busy;
use super::pagination::{Optional, Paging};
use super::search::Search;
use super::{Caller, Ctx, WRITE_RETRIES, errors, json, no_content, validate};
use crate::Response;
use crate::domain::Versioned;
use crate::domain::password::{self as pw, Algorithm, ImportError};
use crate::domain::user::{self as repo, Identifier, NewPassword, NewUser, UserError, UserRecord, UserResponse};
use crate::error::ApiError;

/// Fields `search` / `search.<field>` may name (Logto's user search).
pub(crate) const SEARCH_FIELDS: &[&str] = &["id", "primaryEmail", "primaryPhone", "username", "name"];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    #[serde(default)]
    primary_phone: Option<String>,
    #[serde(default)]
    primary_email: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    password_digest: Option<String>,
    #[serde(default)]
    password_algorithm: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "validate::nullable")]
    avatar: Option<Option<String>>,
    #[serde(default)]
    custom_data: Option<Map<String, Value>>,
    #[serde(default)]
    profile: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    #[serde(default, deserialize_with = "validate::nullable")]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    primary_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    primary_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "validate::nullable")]
    avatar: Option<Option<String>>,
    #[serde(default)]
    custom_data: Option<Map<String, Value>>,
    #[serde(default)]
    profile: Option<Value>,
}

impl PatchBody {
    fn is_empty(&self) -> bool {
        self.username.is_none()
            && self.primary_email.is_none()
            && self.primary_phone.is_none()
            && self.name.is_none()
            && self.avatar.is_none()
            && self.custom_data.is_none()
            && self.profile.is_none()
    }
}

/// silverhand's `yes()`: `true`, `yes`, `y`, `1` (any case) switch a query flag on.
pub(crate) fn yes(ctx: &Ctx<'_>, name: &str) -> bool {
    ctx.query.first(name).is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "y" | "1"))
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::No)?;
    let search = Search::parse(&ctx.query, SEARCH_FIELDS)?;
    let exclude_role = ctx.query.first("excludeRoleId").filter(|v| !v.is_empty());
    let exclude_org = ctx.query.first("excludeOrganizationId").filter(|v| !v.is_empty());
    if exclude_role.is_some() && exclude_org.is_some() {
        return Err(errors::request_invalid(
            "Parameter `excludeRoleId` and `excludeOrganizationId` cannot be used at the same time.",
        ));
    }
    let include_hash = yes(ctx, "includePasswordHash");
    let store = ctx.store();
    let (users, total) = if search.is_empty() && exclude_role.is_none() {
        (repo::list(store, paging.window()).await?, repo::count(store).await?)
    } else {
        // Organizations are not served by edgeid: nobody is a member, so excluding one's
        // members excludes nobody.
        let all: Vec<UserRecord> = repo::list(store, None)
            .await?
            .into_iter()
            .filter(|u| exclude_role.is_none_or(|r| !u.role_ids.iter().any(|id| id == r)))
            .filter(|u| search.matches(|f| field(u, f)))
            .collect();
        let total = all.len() as u64;
        (paging.slice(all), total)
    };
    let body: Vec<UserResponse<'_>> = users.iter().map(|u| UserResponse::new(u, include_hash)).collect();
    Ok(ctx.list_response(paging, &body, total))
}

/// A searchable field of a user.
pub(crate) fn field<'a>(user: &'a UserRecord, name: &str) -> Option<&'a str> {
    match name {
        "id" => Some(user.id.as_str()),
        "primaryEmail" => user.primary_email.as_deref(),
        "primaryPhone" => user.primary_phone.as_deref(),
        "username" => user.username.as_deref(),
        "name" => user.name.as_deref(),
        _ => None,
    }
}

pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let mut body: CreateBody = ctx.body()?;
    if let Some(phone) = &body.primary_phone {
        body.primary_phone = Some(input::phone("primaryPhone", phone)?);
    }
    if let Some(email) = &body.primary_email {
        input::email("primaryEmail", email)?;
    }
    if let Some(username) = &body.username {
        input::username("username", username)?;
    }
    if let Some(password) = &body.password {
        validate::length("password", password, None)?;
    }
    if let Some(digest) = &body.password_digest
        && digest.chars().count() > 256
    {
        return Err(errors::invalid_field("passwordDigest", "too_big", "String must contain at most 256 character(s)"));
    }
    let algorithm = match &body.password_algorithm {
        None => None,
        Some(raw) => Some(Algorithm::parse(raw).ok_or_else(|| {
            let expected = Algorithm::ALL.iter().map(|a| format!("'{}'", a.as_str())).collect::<Vec<_>>().join(" | ");
            errors::invalid_field(
                "passwordAlgorithm",
                "invalid_enum_value",
                format!("Invalid enum value. Expected {expected}, received '{raw}'"),
            )
        })?),
    };
    let avatar = input::avatar(body.avatar)?;
    let profile = body.profile.map(|p| input::profile("profile", p)).transpose()?;
    if body.password.is_some() && body.password_digest.is_some() {
        return Err(errors::password_and_digest());
    }
    let password = match (body.password, body.password_digest, algorithm) {
        (Some(plain), _, _) => Some(NewPassword::Plain(plain)),
        (None, Some(_), None) => return Err(errors::password_algorithm_required()),
        (None, Some(digest), Some(algorithm)) => {
            Some(NewPassword::Digest(pw::check_import(&digest, algorithm).map_err(import_error)?))
        }
        (None, None, _) => None,
    };
    if let Some(username) = &body.username {
        check_username_free(ctx, username, None).await?;
    }
    let new = NewUser {
        username: body.username,
        primary_email: body.primary_email,
        primary_phone: body.primary_phone,
        password,
        name: body.name,
        avatar: avatar.flatten(),
        profile: profile.unwrap_or_default(),
        custom_data: body.custom_data.unwrap_or_default(),
        ..NewUser::default()
    };
    match repo::insert(ctx.app, new).await {
        Ok(user) => json(StatusCode::OK, &user.response()),
        Err(e) => Err(user_error(e)),
    }
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let user = find(ctx, &ctx.param("userId")).await?.value;
    let mut response = UserResponse::new(&user, yes(ctx, "includePasswordHash"));
    if yes(ctx, "includeSsoIdentities") {
        response = response.with_sso_identities();
    }
    json(StatusCode::OK, &response)
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: PatchBody = ctx.body()?;
    if body.is_empty() {
        // Logto's `updateUserById` with nothing to set.
        return Err(errors::invalid_input_empty());
    }
    // `""` clears a column as `null` does (Logto's guards accept both).
    let clearable = |v: Option<Option<String>>| v.map(|inner| inner.filter(|s| !s.is_empty()));
    let (username, email, mut phone) =
        (clearable(body.username), clearable(body.primary_email), clearable(body.primary_phone));
    if let Some(Some(username)) = &username {
        input::username("username", username)?;
    }
    if let Some(Some(email)) = &email {
        input::email("primaryEmail", email)?;
    }
    if let Some(Some(raw)) = &phone {
        phone = Some(Some(input::phone("primaryPhone", raw)?));
    }
    let avatar = input::avatar(body.avatar)?;
    let profile = body.profile.map(|p| input::profile("profile", p)).transpose()?;
    let id = ctx.param("userId");
    if let Some(Some(username)) = &username {
        check_username_free(ctx, username, Some(&id)).await?;
    }
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        let mut next = current.value.clone();
        if let Some(v) = &username {
            next.username = v.clone();
        }
        if let Some(v) = &email {
            next.primary_email = v.clone();
        }
        if let Some(v) = &phone {
            next.primary_phone = v.clone();
        }
        if let Some(v) = &body.name {
            next.name = v.clone();
        }
        if let Some(v) = &avatar {
            next.avatar = v.clone();
        }
        // PATCH /users/:id replaces the JSON columns (Logto's `updateUserById(…, 'replace')`).
        if let Some(v) = &body.custom_data {
            next.custom_data = v.clone();
        }
        if let Some(v) = &profile {
            next.profile = v.clone();
        }
        next.updated_at = ctx.now();
        match repo::update(ctx.store(), &current, &next).await {
            Ok(()) => return json(StatusCode::OK, &next.response()),
            Err(UserError::Stale) => continue,
            Err(e) => return Err(user_error(e)),
        }
    }
    Err(busy())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("userId");
    if ctx.caller == Caller::User(id.clone()) {
        return Err(errors::cannot_delete_self());
    }
    find(ctx, &id).await?;
    repo::sign_out(ctx.app, &id).await?;
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        match repo::delete(ctx.store(), &current).await {
            Ok(()) => return no_content(),
            Err(UserError::Stale) => continue,
            Err(e) => return Err(user_error(e)),
        }
    }
    Err(busy())
}

/// Under a case-insensitive username policy, 422 when the username differs from another user's
/// only by case (the exact name is claimed atomically by the commit either way).
async fn check_username_free(ctx: &Ctx<'_>, username: &str, except: Option<&str>) -> Result<(), ApiError> {
    if !repo::username_case_sensitive(ctx.app).await?
        && repo::username_taken(ctx.store(), username, false, except).await?
    {
        return Err(errors::username_already_in_use());
    }
    Ok(())
}

/// The user or 404 `entity.not_found` (Logto's `findUserById` is a `pool.one`, whose miss is
/// `entity.not_found`, not the `not_exists_with_id` of the generic id queries).
pub(crate) async fn find(ctx: &Ctx<'_>, id: &str) -> Result<Versioned<UserRecord>, ApiError> {
    repo::find(ctx.store(), id).await?.ok_or_else(errors::not_found)
}

/// Apply `change` to the user and write it, re-reading on version races; returns the new record.
pub(crate) async fn modify(
    ctx: &Ctx<'_>,
    id: &str,
    mut change: impl FnMut(&mut UserRecord) -> Result<(), ApiError>,
) -> Result<UserRecord, ApiError> {
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, id).await?;
        let mut next = current.value.clone();
        change(&mut next)?;
        next.updated_at = ctx.now();
        match repo::update(ctx.store(), &current, &next).await {
            Ok(()) => return Ok(next),
            Err(UserError::Stale) => continue,
            Err(e) => return Err(user_error(e)),
        }
    }
    Err(busy())
}

pub(crate) fn user_error(e: UserError) -> ApiError {
    match e {
        UserError::Taken(Identifier::Username) => errors::username_already_in_use(),
        UserError::Taken(Identifier::Email) => errors::email_already_in_use(),
        UserError::Taken(Identifier::Phone) => errors::phone_already_in_use(),
        UserError::Taken(Identifier::Identity(_)) => errors::identity_already_in_use(),
        // A 12-character id collided: as rare as it gets; the client may retry.
        UserError::Taken(Identifier::Id) | UserError::Stale => busy(),
        UserError::Internal(e) => e.into(),
    }
}

fn import_error(e: ImportError) -> ApiError {
    match e {
        ImportError::InvalidLegacyFormat => errors::invalid_legacy_password_format(),
        ImportError::UnsupportedLegacyAlgorithm(algorithm) => errors::unsupported_legacy_hash_algorithm(&algorithm),
    }
}

#[cfg(test)]
mod tests;
