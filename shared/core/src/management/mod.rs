//! The Management API under `/api`, for admins and M2M apps.

use crate::error::ApiError;
use crate::{App, Request, Response};

pub async fn handle(_app: &App, _req: Request) -> Response {
    ApiError::route_not_found().render()
}
