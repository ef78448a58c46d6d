//! Second factors (Logto's `MfaFactor`s and the `mfaVerifications` stored on the user).

pub mod webauthn;

/// `Date.prototype.toISOString()` of a millisecond timestamp (how Logto stores `createdAt` /
/// `lastUsedAt` inside `mfaVerifications`): `YYYY-MM-DDTHH:MM:SS.sssZ`, UTC.
pub fn iso8601(ms: crate::ports::Millis) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1_000 % 60, rem % 1_000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_matches_javascript() {
        // new Date(0).toISOString(), new Date(1767225600000).toISOString(), a leap day.
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso8601(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
        assert_eq!(super::iso8601(951_827_696_789), "2000-02-29T12:34:56.789Z");
    }
}
