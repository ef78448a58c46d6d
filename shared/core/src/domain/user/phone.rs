//! Phone numbers as Logto stores and matches them: digits of the international number, with the
//! national trunk prefix `0` dropped after the country code (`610412345678` → `61412345678`,
//! `4407911123456` → `447911123456`), as libphonenumber's `PhoneNumberParser` gives Logto.
//!
//! edgeid does not carry libphonenumber's metadata (hundreds of KiB in a Worker); it knows the
//! calling codes whose numbers are written with a trunk `0` that international format drops,
//! and E.164's length bounds. Country codes are a prefix code, so one match is unambiguous.

/// Calling codes whose national trunk prefix is `0` and is not part of the international number
/// (Italy, San Marino and the Vatican keep their `0`, so they are not listed).
const TRUNK_ZERO: &[&str] = &[
    // 2-digit
    "20", "27", "31", "32", "33", "36", "40", "41", "43", "44", "46", "49", "51", "53", "54", "55", "57", "58", "60",
    "61", "62", "63", "64", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    // 3-digit
    "212", "213", "216", "218", "220", "221", "225", "233", "234", "237", "243", "249", "250", "251", "254", "255",
    "256", "260", "263", "264", "267", "353", "355", "358", "359", "370", "372", "373", "374", "375", "380", "381",
    "382", "383", "385", "386", "387", "389", "421", "880", "886", "855", "856", "961", "962", "963", "964", "966",
    "967", "970", "971", "972", "976", "977", "992", "993", "994", "995", "996",
];

/// The number Logto would store and match for `digits` (already `^\d+$`-checked).
pub fn normalize(digits: &str) -> String {
    for code in TRUNK_ZERO {
        if let Some(rest) = digits.strip_prefix(code)
            && let Some(national) = rest.strip_prefix('0')
            && !national.is_empty()
            && !national.starts_with('0')
        {
            return format!("{code}{national}");
        }
    }
    digits.to_owned()
}

/// Whether `digits` can be an international number at all (E.164: at most 15 digits, no
/// leading zero; libphonenumber also refuses numbers shorter than 8 digits with their country
/// code). Logto answers 422 `user.invalid_phone` otherwise.
pub fn is_plausible(digits: &str) -> bool {
    (8..=15).contains(&digits.len()) && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_zeros_are_dropped_like_libphonenumber_does() {
        for (input, stored) in [
            ("610412345678", "61412345678"),
            ("61412345678", "61412345678"),
            ("4407911123456", "447911123456"),
            ("447911123456", "447911123456"),
            ("13102051234", "13102051234"),
            ("390612345678", "390612345678"),
            ("8613800138000", "8613800138000"),
        ] {
            assert_eq!(normalize(input), stored, "{input}");
        }
    }

    #[test]
    fn implausible_numbers() {
        assert!(!is_plausible("99999"));
        assert!(!is_plausible("0412345678"));
        assert!(!is_plausible("1234567890123456"));
        assert!(is_plausible("13102051234"));
    }
}
