//! `/api/resources/:resourceId/scopes` (Logto's `routes/resource.scope.ts`).

use http::StatusCode;
use serde::Deserialize;

use super::find as find_resource;
use crate::Response;
use crate::domain::Versioned;
use crate::domain::application::WriteError;
use crate::domain::scope::{self as repo, Scope};
use crate::error::ApiError;
use crate::management::applications::{busy, write_error};
use crate::management::pagination::{Optional, Paging};
use crate::management::search::Search;
use crate::management::validate::{self, nullable};
use crate::management::{Ctx, WRITE_RETRIES, errors, json, no_content};
use crate::store::keys;

pub(crate) const TABLE: &str = "scopes";

#[derive(Debug, Deserialize)]
struct CreateBody {
    name: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PatchBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    description: Option<Option<String>>,
}

fn check_name(name: &str) -> Result<(), ApiError> {
    validate::length("name", name, Some(256))?;
    if name.chars().any(char::is_whitespace) {
        return Err(errors::scope_name_with_space());
    }
    Ok(())
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::No)?;
    let resource_id = ctx.param("id");
    let search = Search::parse(&ctx.query, &["id", "name", "description"])?;
    let store = ctx.store();
    // Logto does not check that the resource exists here: an unknown id lists nothing.
    if search.is_empty() {
        let scopes = repo::list(store, &resource_id, paging.window()).await?;
        let total = repo::count(store, &resource_id).await?;
        return Ok(ctx.list_response(paging, &scopes, total));
    }
    let scopes: Vec<Scope> = repo::list(store, &resource_id, None)
        .await?
        .into_iter()
        .filter(|s| {
            search.matches(|f| match f {
                "id" => Some(s.id.as_str()),
                "name" => Some(s.name.as_str()),
                "description" => s.description.as_deref(),
                _ => None,
            })
        })
        .collect();
    let total = scopes.len() as u64;
    Ok(ctx.list_response(paging, &paging.slice(scopes), total))
}

pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let resource_id = ctx.param("id");
    let body: CreateBody = ctx.body()?;
    check_name(&body.name)?;
    let resource = find_resource(ctx, &resource_id).await?;
    if resource.value.is_management_api() {
        return Err(errors::cannot_modify_management_api());
    }
    let scope = Scope::new(ctx.app.rng.id(21), resource_id, body.name, body.description, ctx.now());
    match repo::insert(ctx.store(), &scope).await {
        Ok(()) => json(StatusCode::CREATED, &scope),
        Err(WriteError::Taken(key)) if key == keys::scope_by_name(&scope.resource_id, &scope.name) => {
            Err(errors::scope_name_exists(&scope.name))
        }
        Err(e) => Err(write_error(e)),
    }
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (resource_id, scope_id) = (ctx.param("id"), ctx.param("scopeId"));
    let body: PatchBody = ctx.body()?;
    let resource = find_resource(ctx, &resource_id).await?;
    if resource.value.is_management_api() {
        return Err(errors::cannot_modify_management_api());
    }
    if let Some(name) = &body.name {
        check_name(name)?;
    }
    for _ in 0..WRITE_RETRIES {
        let current = find_in(ctx, &resource_id, &scope_id).await?.ok_or_else(|| errors::not_exists(TABLE))?;
        let mut next = current.value.clone();
        if let Some(name) = &body.name {
            next.name = name.clone();
        }
        if let Some(description) = &body.description {
            next.description = description.clone();
        }
        match repo::update(ctx.store(), &current, &next).await {
            Ok(()) => return json(StatusCode::OK, &next),
            Err(WriteError::Taken(key)) if key == keys::scope_by_name(&next.resource_id, &next.name) => {
                return Err(errors::scope_name_exists(&next.name));
            }
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (resource_id, scope_id) = (ctx.param("id"), ctx.param("scopeId"));
    let resource = find_resource(ctx, &resource_id).await?;
    if resource.value.is_management_api() {
        return Err(errors::cannot_modify_management_api());
    }
    for _ in 0..WRITE_RETRIES {
        let current = find_in(ctx, &resource_id, &scope_id).await?.ok_or_else(errors::not_found)?;
        match repo::delete(ctx.store(), &current).await {
            Ok(()) => return no_content(),
            Err(WriteError::Stale | WriteError::Taken(_)) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

/// The scope if it belongs to this resource (Logto looks scopes up by id alone; edgeid also
/// refuses to touch another resource's scope through this path).
async fn find_in(ctx: &Ctx<'_>, resource_id: &str, scope_id: &str) -> Result<Option<Versioned<Scope>>, ApiError> {
    Ok(repo::find(ctx.store(), scope_id).await?.filter(|s| s.value.resource_id == resource_id))
}
