//! The experience group. Its endpoints arrive with the sign-in and account issues; until then
//! every path answers 404 in Logto's REST error format.

pub mod pages;

use crate::error::ApiError;
use crate::{App, Request, Response};

pub async fn handle(_app: &App, req: Request) -> Response {
    if let Some(page) = pages::serve(&req) {
        return page;
    }
    ApiError::route_not_found().render()
}
