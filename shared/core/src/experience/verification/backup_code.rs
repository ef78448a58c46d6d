//! `POST /api/experience/verification/backup-code/generate` and `.../backup-code/verify`
//! (Logto's `backup-code-verification.ts` routes), for the identified user.
//!
//! - `generate` → `{verificationId, codes}`: ten fresh codes kept on the record (in clear, as
//!   the user sees them once) until `POST /api/experience/profile/mfa` binds them; submit
//!   stores them hashed.
//! - `verify {code}` spends one of the user's stored codes ([`crate::domain::mfa::use_backup_code`],
//!   `IfVersion`: a code passes once, even under concurrent use); the outcome counts in the
//!   sentinel's `MfaBackupCode` pool (identifier: the user id).

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::super::errors::{self, mfa as err};
use super::super::session::Session;
use super::super::storage::{BackupCodeRecord, VerificationRecord};
use super::super::{Ctx, json, rules};
use super::{VerificationId, with_sentinel};
use crate::Response;
use crate::domain::mfa::{self, ChangeError, backup_code};
use crate::domain::sentinel::Action;
use crate::error::ApiError;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Generated<'a> {
    verification_id: &'a str,
    codes: &'a [String],
}

pub(in super::super) async fn generate(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let Some(user_id) = session.storage.user_id.clone() else {
        return Err(errors::identifier_not_found(404));
    };
    let codes = backup_code::generate(app.rng.as_ref());
    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::BackupCode(BackupCodeRecord {
        id: id.clone(),
        user_id,
        code: None,
        backup_codes: Some(codes.clone()),
    }));
    session.save(app).await?;
    json(StatusCode::OK, &Generated { verification_id: &id, codes: &codes })
}

#[derive(Deserialize)]
struct VerifyBody {
    code: String,
}

pub(in super::super) async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: VerifyBody = ctx.body()?;
    let Some(user_id) = session.storage.user_id.clone() else {
        return Err(errors::identifier_not_found(404));
    };
    let rules = rules::load(app).await?;
    let outcome = match mfa::use_backup_code(app, &user_id, &body.code).await {
        Ok(()) => Ok(()),
        Err(ChangeError::Refused(_) | ChangeError::UserNotFound) => Err(err::invalid_backup_code()),
        Err(ChangeError::Internal(e)) => return Err(e.into()),
    };
    with_sentinel(app, rules.sentinel_policy(), Action::MfaBackupCode, &user_id, outcome).await?;
    let id = app.rng.id(21);
    session.storage.set_record(VerificationRecord::BackupCode(BackupCodeRecord {
        id: id.clone(),
        user_id,
        code: Some(body.code),
        backup_codes: None,
    }));
    session.save(app).await?;
    json(StatusCode::OK, &VerificationId { verification_id: &id })
}
