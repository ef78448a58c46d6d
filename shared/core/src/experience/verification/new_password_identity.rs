//! `POST /api/experience/verification/new-password-identity`: a new username and password for
//! registration (`{identifier: {type: "username", value}, password}` → `{verificationId}`).
//! The username must be free and well formed, the password must pass the policy.

use http::StatusCode;
use serde::Deserialize;

use super::super::session::Session;
use super::super::storage::{Identifier, IdentifierType, NewPasswordIdentityRecord, Profile, VerificationRecord};
use super::super::{Ctx, errors, invalid_body, json, rules, users};
use super::VerificationId;
use crate::Response;
use crate::domain::password_policy::{self, UserInfo};
use crate::error::ApiError;

#[derive(Deserialize)]
struct Body {
    identifier: Identifier,
    password: String,
}

/// Logto's `usernameRegEx`: `^[A-Z_a-z]\w*$`.
pub(in super::super) fn valid_username(username: &str) -> bool {
    let mut chars = username.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: Body = ctx.body()?;
    if body.identifier.kind != IdentifierType::Username {
        return Err(invalid_body(
            "Error in key path \"identifier.type\": (invalid_literal) Invalid literal value, expected \"username\"",
        ));
    }
    if !valid_username(&body.identifier.value) {
        return Err(invalid_body("Error in key path \"identifier.value\": (invalid_string) Invalid"));
    }
    let rules = rules::load(app).await?;
    let profile = Profile { username: Some(body.identifier.value.clone()), ..Profile::default() };
    users::guard_unique(app, &profile).await?;
    let info = UserInfo { username: Some(body.identifier.value.clone()), ..UserInfo::default() };
    let issues = password_policy::check(&rules.password_policy(), &body.password, &info, app.config.dev_admin);
    if !issues.is_empty() {
        return Err(errors::password_rejected(&issues));
    }
    let (digest, method) = users::hash(app, &body.password)?;

    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::NewPasswordIdentity(NewPasswordIdentityRecord {
        id: id.clone(),
        identifier: body.identifier,
        password_encrypted: Some(digest),
        password_encryption_method: Some(method),
    }));
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &id })
}
