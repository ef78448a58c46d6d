//! RFC 6238 TOTP as authenticator apps compute it (otplib's defaults, which Logto uses: SHA-1,
//! 6 digits, 30-second steps, base32 secret), written independently of the server's code so the
//! black-box suite can act as the user's phone.

/// RFC 4648 base32 (case-insensitive, padding and spaces ignored); `None` on any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u64 - 'A' as u64,
            c @ '2'..='7' => c as u64 - '2' as u64 + 26,
            _ => return None,
        };
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// The `digits`-digit HOTP value of `key` at `counter` (RFC 4226 §5.3).
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let tag = ring::hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[19] & 0x0f);
    let binary = u32::from_be_bytes([mac[offset] & 0x7f, mac[offset + 1], mac[offset + 2], mac[offset + 3]]);
    format!("{:0width$}", binary % 10u32.pow(digits), width = digits as usize)
}

/// The 6-digit code for base32 `secret` at `unix_seconds` (30-second steps).
#[track_caller]
pub fn code_at(secret: &str, unix_seconds: u64) -> String {
    let key = base32_decode(secret).unwrap_or_else(|| panic!("{secret:?} is not base32"));
    hotp(&key, unix_seconds / 30, 6)
}

/// The code an authenticator app shows now.
/// The test acts as the user's phone: its clock is the wall clock.
pub fn code_now(secret: &str) -> String {
    code_at(secret, now())
}

/// Seconds since the epoch, by the wall clock.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        // Appendix B: the ASCII key "12345678901234567890", 8 digits.
        let key = b"12345678901234567890";
        for (time, expected) in
            [(59, "94287082"), (1_111_111_109, "07081804"), (1_234_567_890, "89005924"), (20_000_000_000, "65353130")]
        {
            assert_eq!(hotp(key, time / 30, 8), expected, "T = {time}");
        }
        // The same key in base32, as an authenticator app receives it, 6 digits.
        assert_eq!(base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(), key);
        assert_eq!(code_at("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", 59), "287082");
        assert_eq!(base32_decode("not base32!"), None);
    }
}
