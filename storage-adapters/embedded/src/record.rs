//! On-disk encoding of a [`Record`]: a small fixed header, then the value bytes as they are.
//!
//! ```text
//! byte 0      encoding version (1)
//! byte 1      flags: bit 0 = expires_at present, bit 1 = consumed_at present
//! bytes 2..10 version, u64 little-endian
//! [8 bytes]   expires_at, i64 little-endian, if flagged
//! [8 bytes]   consumed_at, i64 little-endian, if flagged
//! rest        value
//! ```
//!
//! The leading version byte lets a later layout be added next to this one: old records stay
//! readable, and a record from a newer build is reported as corrupt rather than misread.

use edgeid_core::ports::Millis;
use edgeid_core::store::{Record, StoreError};

const V1: u8 = 1;
const HAS_EXPIRY: u8 = 0b01;
const HAS_CONSUMED: u8 = 0b10;

pub fn encode(record: &Record) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 8 * 3 + record.value.len());
    let flags = if record.expires_at.is_some() { HAS_EXPIRY } else { 0 }
        | if record.consumed_at.is_some() { HAS_CONSUMED } else { 0 };
    out.push(V1);
    out.push(flags);
    out.extend_from_slice(&record.version.to_le_bytes());
    if let Some(at) = record.expires_at {
        out.extend_from_slice(&at.to_le_bytes());
    }
    if let Some(at) = record.consumed_at {
        out.extend_from_slice(&at.to_le_bytes());
    }
    out.extend_from_slice(&record.value);
    out
}

pub fn decode(bytes: &[u8]) -> Result<Record, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("embedded record: {what}"));
    let (&format, rest) = bytes.split_first().ok_or_else(|| corrupt("empty"))?;
    if format != V1 {
        return Err(corrupt(&format!("unknown encoding {format} (written by a newer edgeid?)")));
    }
    let (&flags, rest) = rest.split_first().ok_or_else(|| corrupt("no flags"))?;
    if flags & !(HAS_EXPIRY | HAS_CONSUMED) != 0 {
        return Err(corrupt(&format!("unknown flags {flags:#04b}")));
    }
    let (version, rest) = take8(rest).ok_or_else(|| corrupt("truncated version"))?;
    let (expires_at, rest) =
        optional_millis(rest, flags & HAS_EXPIRY != 0).ok_or_else(|| corrupt("truncated expiry"))?;
    let (consumed_at, value) =
        optional_millis(rest, flags & HAS_CONSUMED != 0).ok_or_else(|| corrupt("truncated consumed_at"))?;
    Ok(Record { value: value.to_vec(), version: u64::from_le_bytes(version), expires_at, consumed_at })
}

/// Just the expiry, without copying the value (used when sweeping and listing).
pub fn expires_at(bytes: &[u8]) -> Result<Option<Millis>, StoreError> {
    let header = bytes.get(..2 + 8 + 8).unwrap_or(bytes);
    match header {
        [V1, flags, rest @ ..] if flags & HAS_EXPIRY != 0 => {
            let (_, rest) = take8(rest).ok_or_else(|| StoreError::Corrupt("embedded record: truncated".into()))?;
            let (at, _) = take8(rest).ok_or_else(|| StoreError::Corrupt("embedded record: truncated".into()))?;
            Ok(Some(Millis::from_le_bytes(at)))
        }
        [V1, _, ..] => Ok(None),
        _ => decode(bytes).map(|r| r.expires_at),
    }
}

fn take8(bytes: &[u8]) -> Option<([u8; 8], &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((*head, rest))
}

fn optional_millis(bytes: &[u8], present: bool) -> Option<(Option<Millis>, &[u8])> {
    if !present {
        return Some((None, bytes));
    }
    let (head, rest) = take8(bytes)?;
    Some((Some(Millis::from_le_bytes(head)), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn roundtrip(record: Record) {
        let bytes = encode(&record);
        assert_eq!(decode(&bytes), Ok(record.clone()));
        assert_eq!(expires_at(&bytes), Ok(record.expires_at));
    }

    #[test]
    fn every_shape_roundtrips() {
        let value = b"{\"a\":1}".to_vec();
        roundtrip(Record { value: value.clone(), version: 1, expires_at: None, consumed_at: None });
        roundtrip(Record { value: value.clone(), version: u64::MAX, expires_at: Some(-5), consumed_at: None });
        roundtrip(Record { value: Vec::new(), version: 7, expires_at: None, consumed_at: Some(1_767_225_600_000) });
        roundtrip(Record { value, version: 2, expires_at: Some(1_767_225_600_000), consumed_at: Some(i64::MIN) });
    }

    #[test]
    fn the_header_is_small() {
        let r = Record { value: b"x".to_vec(), version: 1, expires_at: None, consumed_at: None };
        assert_eq!(encode(&r).len(), 11);
    }

    #[test]
    fn damaged_bytes_are_reported_not_misread() {
        let good = encode(&Record { value: b"v".to_vec(), version: 3, expires_at: Some(9), consumed_at: None });
        for bad in [&[][..], &[1], &[2, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[1, 0b100, 0, 0, 0, 0, 0, 0, 0, 0], &good[..12]] {
            assert!(matches!(decode(bad), Err(StoreError::Corrupt(_))), "{bad:?} decoded");
        }
    }
}
