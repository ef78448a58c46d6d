//! The MFA errors (`session.mfa.*`, `user.*` about factors) with Logto's phrases, shared by
//! the Experience, Management and Account APIs.

use http::StatusCode;
use serde_json::Value;

use crate::error::ApiError;

fn e(status: u16, code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), code, message)
}

pub fn require_verification(data: Value) -> ApiError {
    e(403, "session.mfa.require_mfa_verification", "Mfa verification is required to sign in.").with_data(data)
}

pub fn pending_info_not_found() -> ApiError {
    e(400, "session.mfa.pending_info_not_found", "Pending MFA info not found, please initiate MFA first.")
}

pub fn invalid_totp_code() -> ApiError {
    e(400, "session.mfa.invalid_totp_code", "Invalid TOTP code.")
}

pub fn invalid_backup_code() -> ApiError {
    e(400, "session.mfa.invalid_backup_code", "Invalid backup code.")
}

pub fn backup_code_can_not_be_alone() -> ApiError {
    e(422, "session.mfa.backup_code_can_not_be_alone", "Backup code can not be the only MFA.")
}

pub fn backup_code_required() -> ApiError {
    e(422, "session.mfa.backup_code_required", "Backup code is required.")
}

pub fn policy_not_user_controlled() -> ApiError {
    e(422, "session.mfa.mfa_policy_not_user_controlled", "MFA policy is not user controlled.")
}

pub fn factor_not_enabled() -> ApiError {
    e(400, "session.mfa.mfa_factor_not_enabled", "MFA factor is not enabled.")
}

pub fn suggest_additional(data: Value) -> ApiError {
    e(
        422,
        "session.mfa.suggest_additional_mfa",
        "For stronger protection, consider adding another MFA method. You can skip this step and continue.",
    )
    .with_data(data)
}

pub fn suggest_mfa() -> ApiError {
    e(422, "user.suggest_mfa", "For better account security, we recommend binding MFA to your account.")
}

pub fn missing_mfa(data: Value) -> ApiError {
    e(422, "user.missing_mfa", "You need to bind additional MFA before signing-in.").with_data(data)
}

pub fn totp_already_in_use() -> ApiError {
    e(422, "user.totp_already_in_use", "TOTP is already in use.")
}

pub fn passkey_preferred() -> ApiError {
    e(422, "user.passkey_preferred", "Create a passkey to simplify your sign-in process.")
}

/// 422 in the Management API, 400 in the Account API (Logto's `assertThat` default).
pub fn totp_secret_invalid(status: u16) -> ApiError {
    e(status, "user.totp_secret_invalid", "Invalid TOTP secret supplied.")
}

pub fn wrong_backup_code_format() -> ApiError {
    e(422, "user.wrong_backup_code_format", "Backup code format is invalid.")
}

pub fn backup_code_already_in_use() -> ApiError {
    e(422, "user.backup_code_already_in_use", "Backup code is already in use.")
}
