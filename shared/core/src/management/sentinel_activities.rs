//! `POST /api/sentinel-activities/delete` (`{targetType: "User", targets: [identifier]}` → 204):
//! lift the sentinel's lockout of these identifiers and forget their failures, as Logto's
//! bulk delete of `sentinel_activities` by target hash does.

use serde::Deserialize;

use super::{Ctx, no_content};
use crate::Response;
use crate::domain::sentinel;
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[allow(dead_code)] // validated by serde: Logto's only target type
    target_type: TargetType,
    targets: Vec<String>,
}

#[derive(Deserialize)]
enum TargetType {
    User,
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    for target in &body.targets {
        sentinel::clear(ctx.app, target).await?;
    }
    no_content()
}
