//! The Account API's errors, in Logto's codes and statuses (`assertThat(x, 'code')` is 400).

use http::StatusCode;
use serde_json::json;

use crate::error::ApiError;

const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

pub fn authorization_header_missing() -> ApiError {
    ApiError::new(UNAUTHORIZED, "auth.authorization_header_missing", "Authorization header is missing.")
}

pub fn token_type_not_supported() -> ApiError {
    ApiError::new(UNAUTHORIZED, "auth.authorization_token_type_not_supported", "Authorization type is not supported.")
        .with_data(json!({ "supportedTypes": ["Bearer"] }))
}

const UNAUTHORIZED_MESSAGE: &str = "Unauthorized. Please check credentials and its scope.";

/// 401 `auth.unauthorized`: no usable token, or a scope check Logto makes with status 401.
pub fn unauthorized() -> ApiError {
    ApiError::new(UNAUTHORIZED, "auth.unauthorized", UNAUTHORIZED_MESSAGE)
}

/// 400 `auth.unauthorized`: the claim-scope checks Logto makes with `assertThat`'s default.
pub fn unauthorized_400() -> ApiError {
    ApiError::new(BAD_REQUEST, "auth.unauthorized", UNAUTHORIZED_MESSAGE)
}

pub fn forbidden() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "auth.forbidden", "Forbidden. Please check your user roles and permissions.")
}

pub fn third_party_application_forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "auth.third_party_application_forbidden",
        "Third-party applications are not allowed to access this resource.",
    )
}

pub fn not_enabled() -> ApiError {
    ApiError::new(BAD_REQUEST, "account_center.not_enabled", "Account center is not enabled.")
}

pub fn field_not_editable() -> ApiError {
    ApiError::new(BAD_REQUEST, "account_center.field_not_editable", "The field is not editable.")
}

pub fn field_not_enabled() -> ApiError {
    ApiError::new(BAD_REQUEST, "account_center.field_not_enabled", "The field is not enabled.")
}

pub fn permission_denied() -> ApiError {
    ApiError::new(UNAUTHORIZED, "verification_record.permission_denied", "Permission denied, please re-authenticate.")
}

pub fn record_not_found() -> ApiError {
    ApiError::new(BAD_REQUEST, "verification_record.not_found", "Verification record not found.")
}

pub fn invalid_credentials() -> ApiError {
    ApiError::new(UNPROCESSABLE, "session.invalid_credentials", "Account or password is incorrect.")
}

pub fn invalid_body(details: impl Into<String>) -> ApiError {
    ApiError::new(BAD_REQUEST, "guard.invalid_input", "The request body is invalid.").with_details(details)
}

pub fn username_already_in_use() -> ApiError {
    ApiError::new(UNPROCESSABLE, "user.username_already_in_use", "This username is already in use.")
}

pub fn email_already_in_use() -> ApiError {
    ApiError::new(UNPROCESSABLE, "user.email_already_in_use", "This email is associated with an existing account.")
}

pub fn phone_already_in_use() -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "user.phone_already_in_use",
        "This phone number is associated with an existing account.",
    )
}

pub fn identity_already_in_use() -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "user.identity_already_in_use",
        "The social account has been associated with an existing account.",
    )
}

pub fn last_sign_in_method_required() -> ApiError {
    ApiError::new(BAD_REQUEST, "user.last_sign_in_method_required", "You cannot delete the last sign-in method.")
}

pub fn same_password() -> ApiError {
    ApiError::new(UNPROCESSABLE, "user.same_password", "New password cannot be the same as your old password.")
}

pub fn password_rejected(issues: &[crate::domain::password_policy::Issue]) -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "password.rejected",
        "Password rejected. Please check if your password meets the requirements.",
    )
    .with_data(serde_json::to_value(issues).unwrap_or_default())
}

pub fn message_rate_limited() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "request.message_rate_limited",
        "Too many messages sent to this recipient. Please try again later.",
    )
}

pub fn code_error(error: &crate::domain::verification_code::CodeError) -> ApiError {
    ApiError::new(BAD_REQUEST, error.code(), error.message())
}

/// A concurrent write kept winning the race for the user record.
pub fn busy() -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "request.general", "The account changed concurrently; please retry.")
}

pub fn suspended() -> ApiError {
    ApiError::new(UNAUTHORIZED, "user.suspended", "This account is suspended.")
}

/// 400 with the time left, as Logto words it (`Intl.RelativeTimeFormat`, English).
pub fn blocked(minutes_left: i64) -> ApiError {
    let relative = match minutes_left {
        1 => "in 1 minute".to_owned(),
        n => format!("in {n} minutes"),
    };
    ApiError::new(
        BAD_REQUEST,
        "session.verification_blocked_too_many_attempts",
        format!("Too many attempts in a short time. Please try again {relative}."),
    )
}

/// `new RequestError('oidc.session_not_found', { status: 404 })`: the second argument is data,
/// so Logto answers 400 with `data: {status: 404}`.
pub fn session_not_found() -> ApiError {
    ApiError::new(BAD_REQUEST, "oidc.session_not_found", "Session not found.").with_data(json!({ "status": 404 }))
}

pub fn invalid_session_account_id() -> ApiError {
    ApiError::new(BAD_REQUEST, "oidc.invalid_session_account_id", "Session account ID does not match.")
        .with_data(json!({ "status": 404 }))
}

/// `RequestError({code: 'oidc.invalid_grant', status: 404})`.
pub fn grant_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "oidc.invalid_grant", "Grant request is invalid.")
}
