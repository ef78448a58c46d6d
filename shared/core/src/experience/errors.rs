//! The Logto errors the Experience API answers with (codes, statuses and English messages
//! from `@logto/phrases`), in one place so every route says the same thing.

use http::StatusCode;
use serde_json::json;

use crate::error::ApiError;

fn e(status: u16, code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), code, message)
}

pub fn forbidden() -> ApiError {
    e(403, "auth.forbidden", "Forbidden. Please check your user roles and permissions.")
}

pub fn interaction_not_found() -> ApiError {
    e(
        404,
        "session.interaction_not_found",
        "Interaction session not found. Please go back and start the session again.",
    )
}

pub fn not_supported_for_forgot_password(status: u16) -> ApiError {
    e(status, "session.not_supported_for_forgot_password", "This operation is not supported for forgot password.")
}

pub fn invalid_interaction_type() -> ApiError {
    e(
        400,
        "session.invalid_interaction_type",
        "This operation is not supported for the current interaction. Please initiate a new session.",
    )
}

pub fn verification_session_not_found() -> ApiError {
    e(
        404,
        "session.verification_session_not_found",
        "The verification was not successful. Restart the verification flow and try again.",
    )
}

pub fn verification_failed() -> ApiError {
    e(
        400,
        "session.verification_failed",
        "The verification was not successful. Restart the verification flow and try again.",
    )
}

pub fn invalid_credentials() -> ApiError {
    e(422, "session.invalid_credentials", "Incorrect account or password. Please check your input.")
}

pub fn identifier_not_found(status: u16) -> ApiError {
    e(status, "session.identifier_not_found", "User identifier not found. Please go back and sign in again.")
}

pub fn identity_conflict() -> ApiError {
    e(
        409,
        "session.identity_conflict",
        "Identity mismatch detected. Please initiate a new session to proceed with a different identity.",
    )
}

pub fn captcha_required() -> ApiError {
    e(422, "session.captcha_required", "Captcha is required.")
}

pub fn captcha_failed() -> ApiError {
    e(422, "session.captcha_failed", "Captcha verification failed.")
}

/// 400 with the time left, as Logto words it (`Intl.RelativeTimeFormat`, English).
pub fn blocked(minutes_left: i64) -> ApiError {
    let relative = match minutes_left {
        0 => "in 0 minutes".to_owned(),
        1 => "in 1 minute".to_owned(),
        n => format!("in {n} minutes"),
    };
    e(
        400,
        "session.verification_blocked_too_many_attempts",
        &format!("Too many attempts in a short time. Please try again {relative}."),
    )
}

pub fn suspended() -> ApiError {
    e(401, "user.suspended", "This account is suspended.")
}

pub fn user_not_exist(identifier: &str) -> ApiError {
    e(404, "user.user_not_exist", &format!("User with {identifier} does not exist."))
        .with_data(json!({ "identifier": identifier }))
}

pub fn sign_in_method_not_enabled() -> ApiError {
    e(422, "user.sign_in_method_not_enabled", "This sign-in method is not enabled.")
}

pub fn missing_profile(fields: &[&str]) -> ApiError {
    e(422, "user.missing_profile", "You need to provide additional info before signing-in.")
        .with_data(json!({ "missingProfile": fields }))
}

/// 422 `user.username_<violation>` (Logto's username policy, `domain::username_policy`).
pub fn username_violation(code: &'static str, message: &str) -> ApiError {
    e(422, code, message)
}

pub fn username_already_in_use() -> ApiError {
    e(422, "user.username_already_in_use", "This username is already in use.")
}

pub fn email_already_in_use() -> ApiError {
    e(422, "user.email_already_in_use", "This email is associated with an existing account.")
}

pub fn phone_already_in_use() -> ApiError {
    e(422, "user.phone_already_in_use", "This phone number is associated with an existing account.")
}

pub fn username_exists_in_profile() -> ApiError {
    e(422, "user.username_exists_in_profile", "Username already exists in your profile.")
}

pub fn email_exists_in_profile() -> ApiError {
    e(422, "user.email_exists_in_profile", "Your profile has already associated with an email address.")
}

pub fn phone_exists_in_profile() -> ApiError {
    e(422, "user.phone_exists_in_profile", "Your profile has already associated with a phone number.")
}

pub fn password_exists_in_profile() -> ApiError {
    e(422, "user.password_exists_in_profile", "Password already exists in your profile.")
}

pub fn new_password_required_in_profile() -> ApiError {
    e(422, "user.new_password_required_in_profile", "You need to set a new password.")
}

pub fn same_password() -> ApiError {
    e(422, "user.same_password", "New password cannot be the same as your old password.")
}

pub fn password_rejected(issues: &[crate::domain::password_policy::Issue]) -> ApiError {
    e(422, "password.rejected", "Password rejected. Please check if your password meets the requirements.")
        .with_data(serde_json::to_value(issues).unwrap_or_default())
}

pub fn email_blocklist_invalid_email() -> ApiError {
    e(400, "session.email_blocklist.invalid_email", "Invalid email address.")
}

pub fn email_subaddressing_not_allowed() -> ApiError {
    e(422, "session.email_blocklist.email_subaddressing_not_allowed", "Email subaddressing is not allowed.")
}

pub fn email_not_allowed(email: &str) -> ApiError {
    e(
        422,
        "session.email_blocklist.email_not_allowed",
        &format!("The email address \"{email}\" is restricted. Please choose a different one."),
    )
}

pub fn password_expired() -> ApiError {
    e(422, "password.expired", "Your password has expired. Please reset your password to continue.")
}

pub fn message_rate_limited() -> ApiError {
    e(429, "request.message_rate_limited", "Too many messages sent to this recipient. Please try again later.")
}

pub fn code_error(error: &crate::domain::verification_code::CodeError) -> ApiError {
    e(400, error.code(), error.message())
}

/// A client JSON body that does not fit the route's schema.
pub fn invalid_input(details: impl Into<String>) -> ApiError {
    ApiError::invalid_input(details)
}

/// The MFA errors, shared with the Management and Account APIs.
pub use crate::domain::mfa::errors as mfa;
