//! `/api/roles/:id/users` (Logto's `routes/role.user.ts`): the users holding a role.

use http::StatusCode;
use serde::Deserialize;

use super::find as find_role;
use crate::Response;
use crate::domain::Versioned;
use crate::domain::role::RoleType;
use crate::domain::role_user;
use crate::domain::user::{self as user_repo, UserError, UserRecord, UserResponse};
use crate::error::ApiError;
use crate::management::applications::busy;
use crate::management::pagination::{Optional, Paging};
use crate::management::search::Search;
use crate::management::users::{SEARCH_FIELDS, field, user_error};
use crate::management::{Ctx, WRITE_RETRIES, errors, no_content, validate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    user_ids: Vec<String>,
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::No)?;
    let role = find_role(ctx, &ctx.param("id")).await?.value;
    let search = Search::parse(&ctx.query, SEARCH_FIELDS)?;
    let mut users: Vec<UserRecord> = Vec::new();
    for id in role_user::list_user_ids(ctx.store(), &role.role.id).await? {
        if let Some(user) = user_repo::find(ctx.store(), &id).await? {
            users.push(user.value);
        }
    }
    users.retain(|u| search.matches(|f| field(u, f)));
    // Logto lists users newest first.
    users.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.id.cmp(&b.id)));
    let total = users.len() as u64;
    let page = paging.slice(users);
    let body: Vec<UserResponse<'_>> = page.iter().map(UserRecord::response).collect();
    Ok(ctx.list_response(paging, &body, total))
}

/// Give the role to users: 201; 422 `role.user_exists` if one has it already.
pub async fn assign(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    if body.user_ids.is_empty() {
        return Err(errors::invalid_field("userIds", "too_small", "Array must contain at least 1 element(s)"));
    }
    for (i, id) in body.user_ids.iter().enumerate() {
        validate::length(&format!("userIds.{i}"), id, None)?;
    }
    let ids = super::dedup(body.user_ids);
    for _ in 0..WRITE_RETRIES {
        let role = find_role(ctx, &ctx.param("id")).await?.value;
        let mut users: Vec<Versioned<UserRecord>> = Vec::with_capacity(ids.len());
        for id in &ids {
            let user = user_repo::find(ctx.store(), id).await?.ok_or_else(errors::not_found)?;
            if user.value.role_ids.contains(&role.role.id) {
                return Err(errors::role_user_exists(id));
            }
            users.push(user);
        }
        // Logto's `users_roles` only takes User-type roles (a database check).
        if role.role.role_type != RoleType::User {
            return Err(errors::constraint_violated());
        }
        match role_user::insert(ctx.store(), &role.role.id, &users).await {
            Ok(()) => return Ok(crate::http::empty(StatusCode::CREATED)),
            Err(UserError::Stale) => continue,
            Err(e) => return Err(user_error(e)),
        }
    }
    Err(busy())
}

/// Take the role from one user: 204, or 404 `entity.not_found`.
pub async fn remove(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (role_id, user_id) = (ctx.param("id"), ctx.param("userId"));
    for _ in 0..WRITE_RETRIES {
        let Some(current) = user_repo::find(ctx.store(), &user_id).await? else {
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
