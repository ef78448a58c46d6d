//! `/api/resources` (Logto's `routes/resource.ts`).

pub mod scopes;

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::applications::{busy, write_error};
use super::pagination::{Optional, Paging};
use super::{Ctx, WRITE_RETRIES, errors, json, no_content, validate};
use crate::Response;
use crate::domain::Versioned;
use crate::domain::application::WriteError;
use crate::domain::resource::{self as repo, DEFAULT_ACCESS_TOKEN_TTL, Resource, ResourceRecord};
use crate::domain::scope::{self, Scope};
use crate::error::ApiError;
use crate::store::keys;

pub(crate) const TABLE: &str = "resources";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    indicator: String,
    #[serde(default)]
    access_token_ttl: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    access_token_ttl: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IsDefaultBody {
    is_default: bool,
}

/// A resource with its scopes (`includeScopes=true`, and the create response).
#[derive(Debug, Serialize)]
struct WithScopes<'a> {
    #[serde(flatten)]
    resource: &'a Resource,
    scopes: Vec<Scope>,
}

/// `@silverhand/essentials`' `yes()`.
fn yes(value: Option<&str>) -> bool {
    value.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "y"))
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::Yes)?;
    let store = ctx.store();
    let records = repo::list(store, paging.window()).await?;
    let total = match paging {
        Paging::All => 0,
        Paging::Page { .. } => repo::count(store).await?,
    };
    if yes(ctx.query.first("includeScopes")) {
        let mut items = Vec::with_capacity(records.len());
        for record in &records {
            items.push(WithScopes {
                resource: &record.resource,
                scopes: scope::list(store, &record.resource.id, None).await?,
            });
        }
        return Ok(ctx.list_response(paging, &items, total));
    }
    let items: Vec<&Resource> = records.iter().map(|r| &r.resource).collect();
    Ok(ctx.list_response(paging, &items, total))
}

pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: CreateBody = ctx.body()?;
    validate::length("name", &body.name, None)?;
    validate::length("indicator", &body.indicator, None)?;
    let id = ctx.app.rng.id(21);
    let record = ResourceRecord::new(
        id,
        body.name,
        body.indicator,
        body.access_token_ttl.unwrap_or(DEFAULT_ACCESS_TOKEN_TTL),
        ctx.now(),
    );
    match repo::insert(ctx.store(), &record).await {
        Ok(()) => json(StatusCode::CREATED, &WithScopes { resource: &record.resource, scopes: Vec::new() }),
        Err(WriteError::Taken(key)) if key == keys::resource_by_indicator(&record.resource.indicator) => {
            Err(errors::resource_identifier_in_use(&record.resource.indicator))
        }
        Err(e) => Err(write_error(e)),
    }
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let record = find(ctx, &ctx.param("id")).await?;
    json(StatusCode::OK, &record.value.resource)
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let body: PatchBody = ctx.body()?;
    if let Some(name) = &body.name {
        validate::length("name", name, None)?;
    }
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        if current.value.is_management_api() {
            return Err(errors::cannot_modify_management_api());
        }
        let mut next = current.value.clone();
        if let Some(name) = &body.name {
            next.resource.name = name.clone();
        }
        if let Some(ttl) = body.access_token_ttl {
            next.resource.access_token_ttl = ttl;
        }
        match repo::update(ctx.store(), &current, &next).await {
            Ok(()) => return json(StatusCode::OK, &next.resource),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

pub async fn set_default(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let body: IsDefaultBody = ctx.body()?;
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        match repo::set_default(ctx.store(), &current, body.is_default).await {
            Ok(next) => return json(StatusCode::OK, &next.resource),
            // Another resource became default (or this one changed) meanwhile: re-read.
            Err(WriteError::Stale | WriteError::Taken(_)) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        if current.value.is_management_api() {
            return Err(errors::cannot_delete_management_api());
        }
        match repo::delete(ctx.store(), &current).await {
            Ok(()) => return no_content(),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

/// The resource or 404 `entity.not_exists_with_id`.
pub(crate) async fn find(ctx: &Ctx<'_>, id: &str) -> Result<Versioned<ResourceRecord>, ApiError> {
    repo::find(ctx.store(), id).await?.ok_or_else(|| errors::not_exists_with_id(TABLE, id))
}

#[cfg(test)]
mod tests;
