//! `/api/roles/:id/scopes` (Logto's `routes/role.scope.ts` and `libraries/role-scope.ts`).

use std::collections::HashMap;

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::find as find_role;
use crate::Response;
use crate::domain::application::WriteError;
use crate::domain::resource::{self, Resource};
use crate::domain::role::RoleType;
use crate::domain::role_scope;
use crate::domain::scope::{self, Scope};
use crate::error::ApiError;
use crate::management::applications::write_error;
use crate::management::pagination::{Optional, Paging};
use crate::management::search::Search;
use crate::management::{Ctx, errors, json, no_content, validate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    scope_ids: Vec<String>,
}

/// A granted scope with its resource (`scopeResponseGuard`).
#[derive(Debug, Serialize)]
struct WithResource {
    #[serde(flatten)]
    scope: Scope,
    resource: Resource,
}

/// Scopes `ids` for a role of `role_type`: each must exist (404), and Management API scopes
/// never go to User roles (400).
pub(crate) async fn assignable(ctx: &Ctx<'_>, role_type: RoleType, ids: &[String]) -> Result<Vec<Scope>, ApiError> {
    let mut scopes = Vec::with_capacity(ids.len());
    for id in ids {
        let found = scope::find(ctx.store(), id)
            .await?
            .ok_or_else(|| errors::not_exists_with_id(crate::management::resources::scopes::TABLE, id))?
            .value;
        if role_type == RoleType::User {
            let owner = resource::find(ctx.store(), &found.resource_id).await?;
            if owner.is_some_and(|r| r.value.is_management_api()) {
                return Err(errors::management_api_scopes_not_assignable_to_user_role());
            }
        }
        scopes.push(found);
    }
    Ok(scopes)
}

/// Every scope the role grants, in grant order (resource, then scope id).
async fn granted(ctx: &Ctx<'_>, role_id: &str) -> Result<Vec<Scope>, ApiError> {
    let mut out = Vec::new();
    for grant in role_scope::list(ctx.store(), role_id).await? {
        if let Some(s) = scope::find(ctx.store(), &grant.scope_id).await? {
            out.push(s.value);
        }
    }
    Ok(out)
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::Yes)?;
    let role = find_role(ctx, &ctx.param("id")).await?;
    let search = Search::parse(&ctx.query, &["id", "name", "description"])?;
    let scopes: Vec<Scope> = granted(ctx, &role.value.role.id)
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
    let mut resources: HashMap<String, Resource> = HashMap::new();
    let mut items = Vec::new();
    for s in paging.slice(scopes) {
        if !resources.contains_key(&s.resource_id)
            && let Some(r) = resource::find(ctx.store(), &s.resource_id).await?
        {
            resources.insert(s.resource_id.clone(), r.value.resource);
        }
        if let Some(r) = resources.get(&s.resource_id) {
            items.push(WithResource { resource: r.clone(), scope: s });
        }
    }
    Ok(ctx.list_response(paging, &items, total))
}

pub async fn assign(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    if body.scope_ids.is_empty() {
        return Err(errors::invalid_field("scopeIds", "too_small", "Array must contain at least 1 element(s)"));
    }
    for (i, id) in body.scope_ids.iter().enumerate() {
        validate::length(&format!("scopeIds.{i}"), id, None)?;
    }
    let role = find_role(ctx, &ctx.param("id")).await?.value;
    let ids = super::dedup(body.scope_ids);
    let granted_ids: Vec<String> =
        role_scope::list(ctx.store(), &role.role.id).await?.into_iter().map(|g| g.scope_id).collect();
    if let Some(existing) = ids.iter().find(|id| granted_ids.contains(id)) {
        return Err(errors::role_scope_exists(existing));
    }
    let scopes = assignable(ctx, role.role.role_type, &ids).await?;
    match role_scope::insert(ctx.store(), &role.role.id, &scopes).await {
        Ok(()) => {}
        Err(WriteError::Taken(key)) => return Err(errors::role_scope_exists(&key.last_segment())),
        Err(e) => return Err(write_error(e)),
    }
    json(StatusCode::CREATED, &granted(ctx, &role.role.id).await?)
}

pub async fn remove(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (role_id, scope_id) = (ctx.param("id"), ctx.param("scopeId"));
    let Some(found) = scope::find(ctx.store(), &scope_id).await? else {
        return Err(errors::not_found());
    };
    if !role_scope::contains(ctx.store(), &role_id, &found.value).await? {
        return Err(errors::not_found());
    }
    role_scope::delete(ctx.store(), &role_id, &found.value).await?;
    no_content()
}
