//! `/api/users/:userId/roles` (Logto's `routes/admin-user/role.ts`): the user's User-type
//! roles; list (paginated, searchable), add, replace, remove.

use http::StatusCode;
use serde::Deserialize;
use serde_json::json as body;

use super::{find, user_error};
use crate::Response;
use crate::domain::role::{self as role_repo, RoleRecord, RoleType};
use crate::domain::role_user;
use crate::domain::user::UserError;
use crate::error::ApiError;
use crate::management::applications::busy;
use crate::management::pagination::{Optional, Paging};
use crate::management::roles::{TABLE as ROLES, dedup};
use crate::management::search::Search;
use crate::management::{Ctx, WRITE_RETRIES, errors, json, no_content, validate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    role_ids: Vec<String>,
}

impl Body {
    fn parse(ctx: &Ctx<'_>) -> Result<Vec<String>, ApiError> {
        let body: Body = ctx.body()?;
        for (i, id) in body.role_ids.iter().enumerate() {
            validate::length(&format!("roleIds.{i}"), id, None)?;
        }
        Ok(body.role_ids)
    }
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::No)?;
    let user = find(ctx, &ctx.param("userId")).await?.value;
    let search = Search::parse(&ctx.query, &["id", "name", "description"])?;
    let mut roles: Vec<RoleRecord> = Vec::with_capacity(user.role_ids.len());
    for id in &user.role_ids {
        if let Some(role) = role_repo::find(ctx.store(), id).await? {
            roles.push(role.value);
        }
    }
    roles.retain(|r| r.role.role_type == RoleType::User && !r.role.is_internal());
    roles.retain(|r| {
        search.matches(|f| match f {
            "id" => Some(r.role.id.as_str()),
            "name" => Some(r.role.name.as_str()),
            "description" => Some(r.role.description.as_str()),
            _ => None,
        })
    });
    // Logto's `findRoles` orders by creation.
    roles.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.role.id.cmp(&b.role.id)));
    let total = roles.len() as u64;
    let page: Vec<_> = paging.slice(roles).into_iter().map(|r| r.role).collect();
    Ok(ctx.list_response(paging, &page, total))
}

/// The roles, each existing (404 `entity.not_exists_with_id`) and of type User.
async fn check_roles(ctx: &Ctx<'_>, ids: &[String], wrong_type: fn(&str) -> ApiError) -> Result<(), ApiError> {
    for id in ids {
        let role = role_repo::find(ctx.store(), id)
            .await?
            .filter(|r| !r.value.role.is_internal())
            .ok_or_else(|| errors::not_exists_with_id(ROLES, id))?;
        if role.value.role.role_type != RoleType::User {
            return Err(wrong_type(id));
        }
    }
    Ok(())
}

/// Add roles (ones the user has are ignored): 201 `{roleIds, addedRoleIds}`.
pub async fn assign(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let role_ids = Body::parse(ctx)?;
    let id = ctx.param("userId");
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        let added: Vec<String> =
            dedup(role_ids.clone()).into_iter().filter(|r| !current.value.role_ids.contains(r)).collect();
        check_roles(ctx, &added, |_| errors::invalid_role_type()).await?;
        let mut all = current.value.role_ids.clone();
        all.extend(added.iter().cloned());
        match role_user::replace_for_user(ctx.store(), &current, &all, ctx.now()).await {
            Ok(()) => return json(StatusCode::CREATED, &body!({ "roleIds": role_ids, "addedRoleIds": added })),
            Err(UserError::Stale) => continue,
            Err(e) => return Err(user_error(e)),
        }
    }
    Err(busy())
}

/// Replace the user's roles: 200 `{roleIds}` (deduplicated).
pub async fn replace(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let role_ids = dedup(Body::parse(ctx)?);
    let id = ctx.param("userId");
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        let added: Vec<String> = role_ids.iter().filter(|r| !current.value.role_ids.contains(r)).cloned().collect();
        // Logto's `users_roles` only takes User-type roles (a database check).
        check_roles(ctx, &added, |_| errors::constraint_violated()).await?;
        match role_user::replace_for_user(ctx.store(), &current, &role_ids, ctx.now()).await {
            Ok(()) => return json(StatusCode::OK, &body!({ "roleIds": role_ids })),
            Err(UserError::Stale) => continue,
            Err(e) => return Err(user_error(e)),
        }
    }
    Err(busy())
}

/// Remove one role: 204, or 404 `entity.not_found` when the user does not hold it.
pub async fn remove(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (user_id, role_id) = (ctx.param("userId"), ctx.param("roleId"));
    for _ in 0..WRITE_RETRIES {
        let Some(current) = crate::domain::user::find(ctx.store(), &user_id).await? else {
            return Err(errors::not_found());
        };
        if !current.value.role_ids.contains(&role_id) {
            return Err(errors::not_found());
        }
        let rest: Vec<String> = current.value.role_ids.iter().filter(|r| **r != role_id).cloned().collect();
        match role_user::replace_for_user(ctx.store(), &current, &rest, ctx.now()).await {
            Ok(()) => return no_content(),
            Err(UserError::Stale) => continue,
            Err(e) => return Err(user_error(e)),
        }
    }
    Err(busy())
}
