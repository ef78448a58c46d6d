//! `/api/applications/:id/secrets` (Logto's `application-secret.ts`).
//!
//! Secrets are stored hashed: the plaintext `value` appears only in the `POST` response. Lists
//! show a masked `value` (first four characters, then `*`).

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{busy, find, write_error};
use crate::Response;
use crate::domain::application::{self as repo, ApplicationRecord, ApplicationType, StoredSecret, WriteError, secret};
use crate::error::ApiError;
use crate::management::{Ctx, WRITE_RETRIES, errors, json, no_content, validate};
use crate::ports::Millis;

/// Logto's `ApplicationSecret` JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretJson<'a> {
    tenant_id: &'a str,
    application_id: &'a str,
    name: &'a str,
    value: String,
    created_at: Millis,
    expires_at: Option<Millis>,
}

fn render<'a>(app: &'a ApplicationRecord, secret: &'a StoredSecret, value: Option<String>) -> SecretJson<'a> {
    SecretJson {
        tenant_id: &app.app.tenant_id,
        application_id: &app.app.id,
        name: &secret.name,
        value: value.unwrap_or_else(|| secret.masked_value()),
        created_at: secret.created_at,
        expires_at: secret.expires_at,
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    #[serde(default)]
    expires_at: Option<Millis>,
}

#[derive(Debug, Deserialize)]
struct RenameBody {
    name: String,
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = find(ctx, &ctx.param("id")).await?.value;
    let secrets: Vec<SecretJson<'_>> = app.secrets.iter().map(|s| render(&app, s, None)).collect();
    json(StatusCode::OK, &secrets)
}

pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let body: CreateBody = ctx.body()?;
    validate::length("name", &body.name, Some(256))?;
    if body.expires_at.is_some_and(|at| at <= ctx.now()) {
        return Err(errors::request_invalid("The value of `expiresAt` must be in the future."));
    }
    let plaintext = secret::generate(ctx.app.rng.as_ref());
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        // Logto's check constraint: only confidential clients hold secrets.
        if !matches!(
            current.value.app.app_type,
            ApplicationType::MachineToMachine | ApplicationType::Traditional | ApplicationType::Protected
        ) {
            return Err(errors::constraint_violated());
        }
        if current.value.secrets.iter().any(|s| s.name == body.name) {
            return Err(errors::secret_name_exists());
        }
        let stored = StoredSecret::new(body.name.clone(), &plaintext, ctx.now(), body.expires_at);
        let mut next = current.value.clone();
        next.secrets.push(stored.clone());
        match repo::update(ctx.store(), &current, &next, Vec::new()).await {
            Ok(()) => return json(StatusCode::CREATED, &render(&next, &stored, Some(plaintext))),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

pub async fn rename(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (id, name) = (ctx.param("id"), ctx.param("name"));
    let body: RenameBody = ctx.body()?;
    validate::length("name", &body.name, Some(256))?;
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        let mut next = current.value.clone();
        let Some(index) = next.secrets.iter().position(|s| s.name == name) else {
            return Err(errors::not_exists("application_secrets"));
        };
        if body.name != name && next.secrets.iter().any(|s| s.name == body.name) {
            return Err(errors::secret_name_exists());
        }
        if let Some(secret) = next.secrets.get_mut(index) {
            secret.name = body.name.clone();
        }
        match repo::update(ctx.store(), &current, &next, Vec::new()).await {
            Ok(()) => {
                let secret = next.secrets.get(index).ok_or_else(busy)?;
                return json(StatusCode::OK, &render(&next, secret, None));
            }
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (id, name) = (ctx.param("id"), ctx.param("name"));
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        let mut next = current.value.clone();
        let before = next.secrets.len();
        next.secrets.retain(|s| s.name != name);
        if next.secrets.len() == before {
            return Err(errors::not_found());
        }
        match repo::update(ctx.store(), &current, &next, Vec::new()).await {
            Ok(()) => return no_content(),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

/// `DELETE /api/applications/:id/legacy-secret`: edgeid never had Logto's legacy single
/// `secret` column, so there is never one to replace.
pub async fn delete_legacy(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    find(ctx, &ctx.param("id")).await?;
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        "application.no_legacy_secret_found",
        "The application does not have a legacy secret.",
    ))
}
