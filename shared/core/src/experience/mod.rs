//! The experience group. Its endpoints arrive with the sign-in and account issues; until then
//! every path answers 404 in Logto's REST error format.

use crate::error::ApiError;
use crate::{App, Request, Response};

pub async fn handle(_app: &App, _req: Request) -> Response {
    ApiError::route_not_found().render()
}
