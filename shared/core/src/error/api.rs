use http::StatusCode;
use serde::Serialize;
use serde_json::Value;

use super::Internal;
use crate::Response;

/// Logto's REST error: `{code, message, data?, details?}` with Logto's dotted codes
/// (`entity.not_exists_with_id`, `guard.invalid_input`, `auth.unauthorized`, ...) and statuses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), data: None, details: None }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    /// 400 `guard.invalid_input`: the request did not match the endpoint's schema.
    pub fn invalid_input(details: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "guard.invalid_input", "The request input is invalid.").with_details(details)
    }

    /// 404 `entity.not_exists_with_id`.
    pub fn not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "entity.not_exists_with_id",
            format!("The entity with ID `{id}` does not exist."),
        )
        .with_data(serde_json::json!({ "id": id }))
    }

    /// 404 for a path no route matches (Logto answers these with its generic not-found code).
    pub fn route_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "entity.not_found", "The entity does not exist.")
    }

    pub fn render(&self) -> Response {
        crate::http::json_response(self.status, self)
    }
}

impl From<Internal> for ApiError {
    fn from(e: Internal) -> Self {
        tracing::error!(error = %e, "internal error at a REST endpoint");
        if e.is_retryable() {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "request.general", "The service is temporarily unavailable.")
        } else {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "unexpected_error", "An unexpected error occurred.")
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        Internal::from(e).into()
    }
}
