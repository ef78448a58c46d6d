//! `/api/roles` (Logto's `routes/role.ts`).

pub mod applications;
pub mod scopes;
pub mod users;

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::applications::{busy, write_error};
use super::pagination::{Optional, Paging};
use super::search::Search;
use super::{Ctx, WRITE_RETRIES, errors, json, no_content, validate};
use crate::Response;
use crate::domain::Versioned;
use crate::domain::application::{self as app_repo, ApplicationType, WriteError};
use crate::domain::role::{self as repo, Role, RoleRecord, RoleType};
use crate::domain::role_application;
use crate::error::ApiError;
use crate::store::keys;

pub(crate) const TABLE: &str = "roles";

/// How many assigned applications a role list item features (Logto's query caps at 3).
const FEATURED: usize = 3;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    description: String,
    #[serde(default, rename = "type")]
    role_type: Option<RoleType>,
    #[serde(default)]
    is_default: Option<bool>,
    #[serde(default)]
    scope_ids: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_default: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FeaturedApplication {
    id: String,
    name: String,
    #[serde(rename = "type")]
    app_type: ApplicationType,
}

/// A role list item (`RoleResponse`): up to three users and applications featured.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListItem {
    #[serde(flatten)]
    role: Role,
    users_count: u64,
    featured_users: Vec<serde_json::Value>,
    applications_count: u64,
    featured_applications: Vec<FeaturedApplication>,
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::No)?;
    let role_type = match ctx.query.first("type") {
        None => None,
        Some(raw) => Some(RoleType::parse(raw).ok_or_else(|| {
            errors::invalid(errors::Part::Query, format!("Error in key path \"type\": (invalid_enum_value) `{raw}`"))
        })?),
    };
    let search = Search::parse(&ctx.query, &["id", "name", "description"])?;
    let store = ctx.store();
    let mut exclude: Vec<String> = match ctx.query.first("excludeApplicationId") {
        Some(app_id) => app_repo::find(store, app_id).await?.map(|a| a.value.role_ids).unwrap_or_default(),
        None => Vec::new(),
    };
    if let Some(user_id) = ctx.query.first("excludeUserId")
        && let Some(user) = crate::domain::user::find(store, user_id).await?
    {
        exclude.extend(user.value.role_ids);
    }
    let (roles, total) = if search.is_empty() && exclude.is_empty() {
        (repo::list(store, role_type, paging.window()).await?, repo::count(store, role_type).await?)
    } else {
        let all: Vec<RoleRecord> = repo::list(store, role_type, None)
            .await?
            .into_iter()
            .filter(|r| !exclude.contains(&r.role.id))
            .filter(|r| {
                search.matches(|f| match f {
                    "id" => Some(r.role.id.as_str()),
                    "name" => Some(r.role.name.as_str()),
                    "description" => Some(r.role.description.as_str()),
                    _ => None,
                })
            })
            .collect();
        let total = all.len() as u64;
        (paging.slice(all), total)
    };
    let items = futures::future::try_join_all(roles.into_iter().map(|record| async move {
        let app_ids = role_application::list_application_ids(store, &record.role.id).await?;
        let mut featured = Vec::new();
        for id in app_ids.iter().take(FEATURED) {
            if let Some(app) = app_repo::find(store, id).await? {
                let app = app.value.app;
                featured.push(FeaturedApplication { id: app.id, name: app.name, app_type: app.app_type });
            }
        }
        let user_ids = crate::domain::role_user::list_user_ids(store, &record.role.id).await?;
        let mut featured_users = Vec::new();
        for id in user_ids.iter().take(FEATURED) {
            if let Some(user) = crate::domain::user::find(store, id).await? {
                let user = user.value;
                featured_users.push(serde_json::json!({"id": user.id, "avatar": user.avatar, "name": user.name}));
            }
        }
        Ok::<_, crate::error::Internal>(ListItem {
            role: record.role,
            users_count: user_ids.len() as u64,
            featured_users,
            applications_count: app_ids.len() as u64,
            featured_applications: featured,
        })
    }))
    .await?;
    Ok(ctx.list_response(paging, &items, total))
}

pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: CreateBody = ctx.body()?;
    validate::length("name", &body.name, Some(128))?;
    validate::length("description", &body.description, Some(128))?;
    let scope_ids = dedup(body.scope_ids.unwrap_or_default());
    for (i, id) in scope_ids.iter().enumerate() {
        validate::length(&format!("scopeIds.{i}"), id, None)?;
    }
    let store = ctx.store();
    if store.get(&keys::role_by_name(&body.name)).await?.is_some() {
        return Err(errors::role_name_in_use(&body.name));
    }
    let role_type = body.role_type.unwrap_or(RoleType::User);
    let scopes = scopes::assignable(ctx, role_type, &scope_ids).await?;
    let mut record = RoleRecord::new(ctx.app.rng.id(21), body.name, body.description, role_type, ctx.now());
    record.role.is_default = body.is_default.unwrap_or(false);
    match repo::insert(store, &record, &scopes).await {
        Ok(()) => json(StatusCode::OK, &record.role),
        Err(WriteError::Taken(key)) if key == keys::role_by_name(&record.role.name) => {
            Err(errors::role_name_in_use(&record.role.name))
        }
        Err(e) => Err(write_error(e)),
    }
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let record = find(ctx, &ctx.param("id")).await?;
    json(StatusCode::OK, &record.value.role)
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let body: PatchBody = ctx.body()?;
    if let Some(name) = &body.name {
        validate::length("name", name, Some(128))?;
    }
    if let Some(description) = &body.description {
        validate::length("description", description, Some(128))?;
    }
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        let mut next = current.value.clone();
        if let Some(name) = &body.name {
            next.role.name = name.clone();
        }
        if let Some(description) = &body.description {
            next.role.description = description.clone();
        }
        if let Some(is_default) = body.is_default {
            next.role.is_default = is_default;
        }
        match repo::update(ctx.store(), &current, &next).await {
            Ok(()) => return json(StatusCode::OK, &next.role),
            Err(WriteError::Taken(key)) if key == keys::role_by_name(&next.role.name) => {
                return Err(errors::role_name_in_use(&next.role.name));
            }
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        match repo::delete(ctx.store(), &current).await {
            Ok(()) => return no_content(),
            Err(WriteError::Stale | WriteError::Taken(_)) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

/// The role or 404 `entity.not_exists_with_id`; internal roles (`#internal:…`) are not the
/// Management API's to show, edit, assign or delete.
pub(crate) async fn find(ctx: &Ctx<'_>, id: &str) -> Result<Versioned<RoleRecord>, ApiError> {
    repo::find(ctx.store(), id)
        .await?
        .filter(|r| !r.value.role.is_internal())
        .ok_or_else(|| errors::not_exists_with_id(TABLE, id))
}

pub(crate) fn dedup(ids: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

#[cfg(test)]
mod tests;
