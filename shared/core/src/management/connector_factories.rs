//! `/api/connector-factories` (Logto's `routes/connector/factory.ts`): the connectors this
//! deployment can configure, as `{type, ...metadata, isDemo}`.

use http::StatusCode;
use serde_json::{Map, Value, json};

use super::{Ctx, json};
use crate::Response;
use crate::connectors::factory::{self, Factory};
use crate::error::ApiError;

fn render(factory: &Factory) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!(factory.connector_type));
    if let Ok(Value::Object(meta)) = serde_json::to_value((factory.metadata)()) {
        out.extend(meta);
    }
    out.insert("isDemo".into(), json!(false));
    Value::Object(out)
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let items: Vec<Value> = factory::all(ctx.app).map(render).collect();
    json(StatusCode::OK, &items)
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let factory = factory::find(ctx.app, &id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "entity.not_found", "The entity does not exist."))?;
    json(StatusCode::OK, &render(factory))
}
