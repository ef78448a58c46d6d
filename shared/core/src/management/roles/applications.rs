//! `/api/roles/:id/applications` (Logto's `routes/role.application.ts`).

use http::StatusCode;
use serde::Deserialize;

use super::find as find_role;
use crate::Response;
use crate::domain::Versioned;
use crate::domain::application::{self as app_repo, Application, ApplicationRecord, ApplicationType, WriteError};
use crate::domain::role::RoleType;
use crate::domain::role_application;
use crate::error::ApiError;
use crate::management::applications::{TABLE as APPLICATIONS, busy, write_error};
use crate::management::pagination::{Optional, Paging};
use crate::management::search::Search;
use crate::management::{Ctx, WRITE_RETRIES, errors, no_content, validate};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    application_ids: Vec<String>,
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::No)?;
    let role = find_role(ctx, &ctx.param("id")).await?.value;
    let search = Search::parse(&ctx.query, &["id", "name", "description"])?;
    let mut apps: Vec<Application> = Vec::new();
    for id in role_application::list_application_ids(ctx.store(), &role.role.id).await? {
        if let Some(app) = app_repo::find(ctx.store(), &id).await? {
            apps.push(app.value.app);
        }
    }
    // Logto lists the role's M2M applications, newest first.
    apps.retain(|a| a.app_type == ApplicationType::MachineToMachine);
    apps.retain(|a| {
        search.matches(|f| match f {
            "id" => Some(a.id.as_str()),
            "name" => Some(a.name.as_str()),
            "description" => a.description.as_deref(),
            _ => None,
        })
    });
    apps.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.id.cmp(&b.id)));
    let total = apps.len() as u64;
    Ok(ctx.list_response(paging, &paging.slice(apps), total))
}

pub async fn assign(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    if body.application_ids.is_empty() {
        return Err(errors::invalid_field("applicationIds", "too_small", "Array must contain at least 1 element(s)"));
    }
    for (i, id) in body.application_ids.iter().enumerate() {
        validate::length(&format!("applicationIds.{i}"), id, None)?;
    }
    let ids = super::dedup(body.application_ids);
    for _ in 0..WRITE_RETRIES {
        let role = find_role(ctx, &ctx.param("id")).await?.value;
        let mut apps: Vec<Versioned<ApplicationRecord>> = Vec::with_capacity(ids.len());
        for id in &ids {
            let app =
                app_repo::find(ctx.store(), id).await?.ok_or_else(|| errors::not_exists_with_id(APPLICATIONS, id))?;
            if app.value.role_ids.contains(&role.role.id) {
                return Err(errors::role_application_exists(id));
            }
            apps.push(app);
        }
        // Logto's `applications_roles` check constraint: only M2M roles are assigned to apps.
        if role.role.role_type != RoleType::MachineToMachine {
            return Err(errors::constraint_violated());
        }
        match role_application::insert(ctx.store(), &role.role.id, &apps).await {
            Ok(()) => return Ok(crate::http::empty(StatusCode::CREATED)),
            Err(WriteError::Taken(key)) => return Err(errors::role_application_exists(&key.last_segment())),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

pub async fn remove(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (role_id, app_id) = (ctx.param("id"), ctx.param("applicationId"));
    for _ in 0..WRITE_RETRIES {
        let Some(app) = app_repo::find(ctx.store(), &app_id).await? else {
            return Err(errors::not_found());
        };
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
