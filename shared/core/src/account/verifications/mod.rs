//! `/api/verifications/*` (Logto's `routes/verification/index.ts`): create verification
//! records ([`crate::domain::verification_record`]) that Account API writes then name.

pub(super) mod code;
pub(super) mod password;
pub(super) mod social;
pub(super) mod web_authn;

use serde::Serialize;

use super::errors;
use crate::App;
use crate::domain::sentinel::{self, Action, Decision};
use crate::error::ApiError;
use crate::ports::Millis;

/// `{verificationRecordId, expiresAt}` (ISO 8601, as `new Date(expiresAt).toISOString()`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Created<'a> {
    pub verification_record_id: &'a str,
    pub expires_at: String,
}

impl<'a> Created<'a> {
    pub fn new(id: &'a str, expires_at: Millis) -> Self {
        Created { verification_record_id: id, expires_at: iso(expires_at) }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Verified<'a> {
    pub verification_record_id: &'a str,
}

/// Milliseconds since the epoch as JavaScript's `toISOString()` (`2026-01-01T00:10:00.000Z`).
fn iso(ms: Millis) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// Logto's `withSentinel`: the verification has already run (so a locked-out identifier costs
/// the same time as any other); its outcome is reported for the hashed identifier, and a lock
/// wins over the outcome, even a success.
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

#[cfg(test)]
mod tests {
    #[test]
    fn iso_dates_are_javascripts() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso(1_767_225_600_000 + 600_123), "2026-01-01T00:10:00.123Z");
        assert_eq!(super::iso(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
