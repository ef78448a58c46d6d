//! `PATCH /api/applications/:applicationId/custom-data` (Logto's `application-custom-data.ts`):
//! the body object is shallow-merged into `customData`, which is returned.

use http::StatusCode;
use serde_json::{Map, Value};

use super::{busy, write_error};
use crate::Response;
use crate::domain::application::{self as repo, WriteError};
use crate::error::ApiError;
use crate::management::{Ctx, WRITE_RETRIES, errors, json};

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let patch: Map<String, Value> = ctx.body()?;
    for _ in 0..WRITE_RETRIES {
        // An update that matches no row is `entity.not_exists` in Logto.
        let current = repo::find(ctx.store(), &id).await?.ok_or_else(|| errors::not_exists(super::TABLE))?;
        let mut next = current.value.clone();
        next.app.custom_data.extend(patch.clone());
        match repo::update(ctx.store(), &current, &next, Vec::new()).await {
            Ok(()) => return json(StatusCode::OK, &next.app.custom_data),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}
