//! `/api/users/:userId/custom-data`: read, and shallow-merge (Logto's jsonb `||`).

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{find, modify};
use crate::Response;
use crate::error::ApiError;
use crate::management::{Ctx, json};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    custom_data: Map<String, Value>,
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let user = find(ctx, &ctx.param("userId")).await?.value;
    json(StatusCode::OK, &user.custom_data)
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    let user = modify(ctx, &ctx.param("userId"), |u| {
        u.custom_data.extend(body.custom_data.clone());
        Ok(())
    })
    .await?;
    json(StatusCode::OK, &user.custom_data)
}
