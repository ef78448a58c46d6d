//! `/api/applications/:applicationId/roles` (Logto's `application-role.ts`): the M2M roles of
//! a MachineToMachine application.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{busy, find, write_error};
use crate::Response;
use crate::domain::Versioned;
use crate::domain::application::{ApplicationRecord, ApplicationType, WriteError};
use crate::domain::role::{self, Role, RoleRecord, RoleType};
use crate::domain::role_application;
use crate::error::ApiError;
use crate::management::pagination::{Optional, Paging};
use crate::management::search::Search;
use crate::management::{Ctx, WRITE_RETRIES, errors, json, no_content, validate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    role_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Assigned {
    role_ids: Vec<String>,
    added_role_ids: Vec<String>,
}

impl Body {
    fn check(&self) -> Result<(), ApiError> {
        for (i, id) in self.role_ids.iter().enumerate() {
            validate::length(&format!("roleIds.{i}"), id, None)?;
        }
        Ok(())
    }
}

/// The application, which must be MachineToMachine (422 `application.invalid_type`).
async fn m2m_app(ctx: &Ctx<'_>) -> Result<Versioned<ApplicationRecord>, ApiError> {
    let app = find(ctx, &ctx.param("id")).await?;
    if app.value.app.app_type != ApplicationType::MachineToMachine {
        return Err(errors::application_invalid_type());
    }
    Ok(app)
}

/// Each role, which must exist (404) and be MachineToMachine (422).
async fn m2m_roles(ctx: &Ctx<'_>, ids: &[String]) -> Result<Vec<RoleRecord>, ApiError> {
    let mut roles = Vec::with_capacity(ids.len());
    for id in ids {
        let role = crate::management::roles::find(ctx, id).await?.value;
        if role.role.role_type != RoleType::MachineToMachine {
            return Err(errors::application_invalid_role_type());
        }
        roles.push(role);
    }
    Ok(roles)
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::No)?;
    let app = m2m_app(ctx).await?.value;
    let search = Search::parse(&ctx.query, &["id", "name", "description"])?;
    let mut roles: Vec<Role> = Vec::with_capacity(app.role_ids.len());
    for id in &app.role_ids {
        if let Some(record) = role::find(ctx.store(), id).await?
            && !record.value.role.is_internal()
        {
            roles.push(record.value.role);
        }
    }
    roles.retain(|r| {
        search.matches(|f| match f {
            "id" => Some(r.id.as_str()),
            "name" => Some(r.name.as_str()),
            "description" => Some(r.description.as_str()),
            _ => None,
        })
    });
    let total = roles.len() as u64;
    Ok(ctx.list_response(paging, &paging.slice(roles), total))
}

pub async fn assign(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    body.check()?;
    for _ in 0..WRITE_RETRIES {
        let app = m2m_app(ctx).await?;
        // Deduplicate and drop roles the app holds already, as Logto does.
        let to_add: Vec<String> =
            dedup(&body.role_ids).into_iter().filter(|id| !app.value.role_ids.contains(id)).collect();
        m2m_roles(ctx, &to_add).await?;
        match role_application::replace_for_application(ctx.store(), &app, &to_add, &[]).await {
            Ok(()) => {
                let reply = Assigned { role_ids: body.role_ids.clone(), added_role_ids: to_add };
                return json(StatusCode::CREATED, &reply);
            }
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

pub async fn replace(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    body.check()?;
    let wanted = dedup(&body.role_ids);
    for _ in 0..WRITE_RETRIES {
        let app = m2m_app(ctx).await?;
        let to_add: Vec<String> = wanted.iter().filter(|id| !app.value.role_ids.contains(id)).cloned().collect();
        let to_remove: Vec<String> = app.value.role_ids.iter().filter(|id| !wanted.contains(id)).cloned().collect();
        m2m_roles(ctx, &to_add).await?;
        match role_application::replace_for_application(ctx.store(), &app, &to_add, &to_remove).await {
            Ok(()) => return Ok(crate::http::empty(StatusCode::OK)),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

fn dedup(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out
}

pub async fn remove(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let role_id = ctx.param("roleId");
    for _ in 0..WRITE_RETRIES {
        let app = m2m_app(ctx).await?;
        if !app.value.role_ids.contains(&role_id) {
            return Err(errors::not_found());
        }
        match role_application::delete(ctx.store(), &role_id, &app).await {
            Ok(()) => return no_content(),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}
