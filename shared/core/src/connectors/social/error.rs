//! Logto's `ConnectorError` for social connectors and how `koa-connector-error-handler` turns
//! it into an API error.

use http::StatusCode;
use serde_json::{Value, json};

use crate::connectors::guard::Issues;
use crate::error::{ApiError, Internal};

/// Logto's `ConnectorErrorCodes` that social connectors raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    General,
    InvalidResponse,
    InvalidRequestParameters,
    NotImplemented,
    SocialAuthCodeInvalid,
    SocialAccessTokenInvalid,
    SocialIdTokenInvalid,
    AuthorizationFailed,
}

impl ErrorCode {
    fn api(self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ErrorCode::General => (StatusCode::BAD_REQUEST, "connector.general", ""),
            ErrorCode::InvalidResponse => {
                (StatusCode::BAD_REQUEST, "connector.invalid_response", "The connector's response is invalid.")
            }
            ErrorCode::InvalidRequestParameters => (
                StatusCode::BAD_REQUEST,
                "connector.invalid_request_parameters",
                "The request is with wrong input parameter(s).",
            ),
            ErrorCode::NotImplemented => {
                (StatusCode::NOT_IMPLEMENTED, "connector.not_implemented", "This connector cannot run on this host.")
            }
            ErrorCode::SocialAuthCodeInvalid => (
                StatusCode::UNAUTHORIZED,
                "connector.social_auth_code_invalid",
                "Unable to get access token, please check authorization code.",
            ),
            ErrorCode::SocialAccessTokenInvalid => (
                StatusCode::UNAUTHORIZED,
                "connector.social_invalid_access_token",
                "The connector's access token is invalid.",
            ),
            ErrorCode::SocialIdTokenInvalid => {
                (StatusCode::UNAUTHORIZED, "connector.social_invalid_id_token", "The connector's id token is invalid.")
            }
            ErrorCode::AuthorizationFailed => (
                StatusCode::UNAUTHORIZED,
                "connector.authorization_failed",
                "The user's authorization process is unsuccessful.",
            ),
        }
    }
}

/// Why a social connector call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum SocialError {
    /// A `ConnectorError(code, data)`; `data` is what Logto puts in the error's `data`
    /// (`{message}` for a plain string, as `ConnectorError`'s constructor does).
    Connector {
        code: ErrorCode,
        data: Value,
    },
    /// The stored config fails the factory's guard: 400 `connector.invalid_config`.
    InvalidConfig(Issues),
    Internal(Internal),
}

impl From<Internal> for SocialError {
    fn from(e: Internal) -> Self {
        SocialError::Internal(e)
    }
}

impl SocialError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        SocialError::Connector { code, data: json!({ "message": message.into() }) }
    }

    pub fn with_data(code: ErrorCode, data: Value) -> Self {
        SocialError::Connector { code, data }
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            SocialError::Connector { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The API error Logto answers with (`koa-connector-error-handler`).
    pub fn to_api_error(&self) -> ApiError {
        match self {
            SocialError::Connector { code, data } => {
                let (status, api_code, message) = code.api();
                let message = if *code == ErrorCode::General {
                    let description = data
                        .get("errorDescription")
                        .or_else(|| data.get("message"))
                        .and_then(Value::as_str)
                        .map_or_else(|| data.to_string(), str::to_owned);
                    format!("Error occurred in connector: {description}")
                } else {
                    message.to_owned()
                };
                ApiError::new(status, api_code, message).with_data(data.clone())
            }
            SocialError::InvalidConfig(issues) => super::super::invalid_config(issues),
            SocialError::Internal(e) => ApiError::from(e.clone()),
        }
    }
}

impl From<SocialError> for ApiError {
    fn from(e: SocialError) -> Self {
        e.to_api_error()
    }
}
