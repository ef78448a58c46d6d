//! `GET /api/experience/interaction`: the storage without secrets (Logto's
//! `toSanitizedJson`: no password digests, no code values).

use http::StatusCode;

use super::session::Session;
use super::{Ctx, json};
use crate::Response;
use crate::error::ApiError;

pub(super) async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let session = Session::open(ctx.app, ctx.req).await?;
    json(StatusCode::OK, &session.storage.sanitized())
}
