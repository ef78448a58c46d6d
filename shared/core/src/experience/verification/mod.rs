//! `POST /api/experience/verification/*`: prove something (a password, a code, a new
//! username + password) and get a verification record id to identify or register with.

pub(super) mod backup_code;
pub(super) mod code;
pub(super) mod mfa_code;
pub(super) mod new_password_identity;
pub(super) mod one_time_token;
pub(super) mod password;
pub(super) mod social;
pub(super) mod totp;
pub(super) mod web_authn;

use serde::Serialize;

use super::errors;
use crate::App;
use crate::domain::sentinel::{self, Action, Decision};
use crate::error::ApiError;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct VerificationId<'a> {
    pub verification_id: &'a str,
}

/// Logto's `withSentinel`: the verification has already run (so a blocked identifier costs
/// the same time as any other); its outcome is reported for the hashed identifier, and a
/// block wins over the outcome, even a success.
pub(super) async fn with_sentinel<T>(
    app: &App,
    policy: sentinel::Policy,
    action: Action,
    identifier: &str,
    outcome: Result<T, ApiError>,
) -> Result<T, ApiError> {
    match sentinel::report(app, action, identifier, outcome.is_err(), policy).await? {
        Decision::Blocked { until } => {
            let minutes = ((until - app.clock.now_ms()) as f64 / 60_000.0).round() as i64;
            Err(errors::blocked(minutes))
        }
        Decision::Allowed => outcome,
    }
}
