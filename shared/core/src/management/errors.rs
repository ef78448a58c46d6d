//! Logto's REST errors used by the Management API, with Logto's codes, statuses and English
//! messages (`packages/phrases/src/locales/en/errors/*`).

use http::StatusCode;
use serde_json::json;

use crate::error::ApiError;

const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// Which part of the request a guard rejected (`{{type}}` in `guard.invalid_input`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Body,
    Query,
    Params,
}

impl Part {
    fn as_str(self) -> &'static str {
        match self {
            Part::Body => "body",
            Part::Query => "query",
            Part::Params => "params",
        }
    }
}

/// 400 `guard.invalid_input`: the request did not match the endpoint's schema.
pub fn invalid(part: Part, details: impl Into<String>) -> ApiError {
    ApiError::new(BAD_REQUEST, "guard.invalid_input", format!("The request {} is invalid.", part.as_str()))
        .with_details(details)
}

/// 400 `guard.invalid_input` for a body field, with Logto's one-line issue format.
pub fn invalid_field(path: &str, issue: &str, message: impl std::fmt::Display) -> ApiError {
    invalid(Part::Body, format!("Error in key path \"{path}\": ({issue}) {message}"))
}

/// 400 `request.invalid_input` (semantic input errors).
pub fn request_invalid(details: impl Into<String>) -> ApiError {
    let details = details.into();
    ApiError::new(BAD_REQUEST, "request.invalid_input", format!("Input is invalid. {details}")).with_details(details)
}

/// 404 `entity.not_exists_with_id` (find by id; `table` is Logto's table name).
pub fn not_exists_with_id(table: &str, id: &str) -> ApiError {
    ApiError::new(NOT_FOUND, "entity.not_exists_with_id", format!("The {table} with ID `{id}` does not exist."))
}

/// 404 `entity.not_exists` (an update that matched no row).
pub fn not_exists(table: &str) -> ApiError {
    ApiError::new(NOT_FOUND, "entity.not_exists", format!("The {table} does not exist."))
}

/// 404 `entity.not_found` (a delete that matched no row).
pub fn not_found() -> ApiError {
    ApiError::new(NOT_FOUND, "entity.not_found", "The resource does not exist.")
}

/// 422 `entity.db_constraint_violated` (Logto's check constraints).
pub fn constraint_violated() -> ApiError {
    ApiError::new(UNPROCESSABLE, "entity.db_constraint_violated", "Database constraint violated.")
}

pub fn invalid_pagination() -> ApiError {
    ApiError::new(BAD_REQUEST, "guard.invalid_pagination", "The request pagination value is invalid.")
}

// ---- auth ----------------------------------------------------------------------------------

pub fn authorization_header_missing() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "auth.authorization_header_missing", "Authorization header is missing.")
}

pub fn token_type_not_supported() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "auth.authorization_token_type_not_supported",
        "Authorization type is not supported.",
    )
    .with_data(json!({ "supportedTypes": ["Bearer"] }))
}

pub fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "auth.unauthorized",
        "Unauthorized. Please check credentials and its scope.",
    )
}

pub fn jwt_sub_missing() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "auth.jwt_sub_missing", "Missing `sub` in JWT.")
}

pub fn forbidden() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "auth.forbidden", "Forbidden. Please check your user roles and permissions.")
}

// ---- applications --------------------------------------------------------------------------

pub fn use_saml_app_api() -> ApiError {
    ApiError::new(
        BAD_REQUEST,
        "application.saml.use_saml_app_api",
        "Use `[METHOD] /saml-applications(/.*)?` API to operate SAML app.",
    )
}

pub fn device_flow_native_only() -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "application.device_flow_native_only",
        "Device flow is only available for native applications.",
    )
}

pub fn device_flow_not_changeable() -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "application.device_flow_not_changeable",
        "Device flow cannot be changed after application creation.",
    )
}

pub fn protected_app_metadata_is_required() -> ApiError {
    ApiError::new(BAD_REQUEST, "application.protected_app_metadata_is_required", "Protected app metadata is required.")
}

/// 501, as in Logto OSS: Protected apps need Logto Cloud's edge proxy.
pub fn protected_app_not_configured() -> ApiError {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "application.protected_app_not_configured",
        "Protected app provider is not configured. This feature is not available for open source version.",
    )
}

pub fn invalid_third_party_application_type() -> ApiError {
    ApiError::new(
        BAD_REQUEST,
        "application.invalid_third_party_application_type",
        "Only traditional web, single-page, and native applications can be marked as third-party apps.",
    )
}

pub fn third_party_cannot_enable_token_exchange() -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "application.third_party_application_cannot_enable_token_exchange",
        "Third-party applications are not allowed to enable token exchange.",
    )
}

pub fn application_invalid_type() -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "application.invalid_type",
        "Only machine to machine applications can have associated roles.",
    )
}

pub fn application_invalid_role_type() -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "application.invalid_role_type",
        "Can not assign user type role to machine to machine application.",
    )
}

pub fn secret_name_exists() -> ApiError {
    ApiError::new(UNPROCESSABLE, "application.secret_name_exists", "Secret name already exists.")
}

// ---- resources and scopes ------------------------------------------------------------------

pub fn resource_identifier_in_use(indicator: &str) -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "resource.resource_identifier_in_use",
        format!("The API identifier {indicator} is already in use"),
    )
}

pub fn cannot_modify_management_api() -> ApiError {
    ApiError::new(BAD_REQUEST, "resource.cannot_modify_management_api", "Cannot modify Logto Management API.")
}

pub fn cannot_delete_management_api() -> ApiError {
    ApiError::new(BAD_REQUEST, "resource.cannot_delete_management_api", "Cannot delete Logto Management API.")
}

pub fn scope_name_exists(name: &str) -> ApiError {
    ApiError::new(UNPROCESSABLE, "scope.name_exists", format!("The scope name {name} is already in use"))
}

pub fn scope_name_with_space() -> ApiError {
    ApiError::new(BAD_REQUEST, "scope.name_with_space", "The name of the scope cannot contain any spaces.")
}

// ---- roles ---------------------------------------------------------------------------------

pub fn role_name_in_use(name: &str) -> ApiError {
    ApiError::new(UNPROCESSABLE, "role.name_in_use", format!("This role name {name} is already in use"))
}

pub fn role_scope_exists(scope_id: &str) -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "role.scope_exists",
        format!("The scope id {scope_id} has already been added to this role"),
    )
}

pub fn management_api_scopes_not_assignable_to_user_role() -> ApiError {
    ApiError::new(
        BAD_REQUEST,
        "role.management_api_scopes_not_assignable_to_user_role",
        "Cannot assign Management API scopes to a user role.",
    )
}

pub fn role_application_exists(application_id: &str) -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "role.application_exists",
        format!("The application id {application_id} is already been added to this role"),
    )
}

// ---- users ---------------------------------------------------------------------------------

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

pub fn identity_not_exist() -> ApiError {
    ApiError::new(NOT_FOUND, "user.identity_not_exist", "The social account has not been registered yet.")
}

pub fn password_and_digest() -> ApiError {
    ApiError::new(
        BAD_REQUEST,
        "user.password_and_digest",
        "You cannot set both plain text password and password digest.",
    )
}

pub fn password_algorithm_required() -> ApiError {
    ApiError::new(BAD_REQUEST, "user.password_algorithm_required", "Password algorithm is required.")
}

pub fn invalid_legacy_password_format() -> ApiError {
    ApiError::new(BAD_REQUEST, "password.invalid_legacy_password_format", "Invalid legacy password format.")
}

pub fn unsupported_legacy_hash_algorithm(algorithm: &str) -> ApiError {
    ApiError::new(
        BAD_REQUEST,
        "password.unsupported_legacy_hash_algorithm",
        format!("Unsupported legacy hash algorithm: {algorithm}."),
    )
}

pub fn cannot_delete_self() -> ApiError {
    ApiError::new(BAD_REQUEST, "user.cannot_delete_self", "You cannot delete yourself.")
}

/// 422 `session.invalid_credentials` (wrong password, or no password).
pub fn invalid_credentials() -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "session.invalid_credentials",
        "Incorrect account or password. Please check your input.",
    )
}

pub fn invalid_role_type() -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "user.invalid_role_type",
        "Invalid role type, can not assign machine-to-machine role to user.",
    )
}

pub fn role_user_exists(user_id: &str) -> ApiError {
    ApiError::new(
        UNPROCESSABLE,
        "role.user_exists",
        format!("The user id {user_id} is already been added to this role"),
    )
}

pub fn invalid_phone() -> ApiError {
    ApiError::new(UNPROCESSABLE, "user.invalid_phone", "Invalid phone number.")
}

/// 422 `entity.invalid_input`: an update with nothing to set.
pub fn invalid_input_empty() -> ApiError {
    ApiError::new(UNPROCESSABLE, "entity.invalid_input", "Invalid input. Value list must not be empty.")
}

pub fn password_expiration_not_enabled() -> ApiError {
    ApiError::new(
        BAD_REQUEST,
        "sign_in_experiences.password_expiration_not_enabled",
        "Password expiration policy is not enabled. Enable it in the sign-in experience settings before expiring passwords.",
    )
}
