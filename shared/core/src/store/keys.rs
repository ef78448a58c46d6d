//! Every storage key is built here, from segments. A segment is escaped so that user input
//! (an id containing `/`, say) can never forge another key or escape its prefix.
//!
//! Layout: `<kind>/<id>[/<sub-id>]`. Secondary indexes live under `idx/<name>/...` and hold the
//! primary id; relations under `<a>_<b>/<a-id>/<b-id>` so that both directions list by prefix.

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

const SEPARATOR: char = '/';
/// Escaped in segments: the separator, the escape character and control characters.
const SEGMENT: &AsciiSet = &CONTROLS.add(b'/').add(b'%');

/// An encoded storage key. Ordered like its encoded string, which is how every backend lists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(String);

impl Key {
    /// Build a key from raw segments (escaping each one).
    pub fn new<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> Self {
        let mut out = String::new();
        for (i, seg) in segments.into_iter().enumerate() {
            if i > 0 {
                out.push(SEPARATOR);
            }
            out.extend(utf8_percent_encode(seg.as_ref(), SEGMENT));
        }
        Key(out)
    }

    /// Rebuild a key an adapter read back from its backend. Only for adapters: the core builds
    /// keys from segments.
    pub fn from_encoded(encoded: impl Into<String>) -> Self {
        Key(encoded.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The encoded prefix that every key below this one starts with.
    pub fn child_prefix(&self) -> String {
        format!("{}{SEPARATOR}", self.0)
    }

    /// Whether `self` lies strictly below `prefix` (segment-wise, not character-wise).
    pub fn is_under(&self, prefix: &Key) -> bool {
        self.0.starts_with(&prefix.child_prefix())
    }

    /// The decoded last segment (the id, for most keys).
    pub fn last_segment(&self) -> String {
        let last = self.0.rsplit(SEPARATOR).next().unwrap_or_default();
        percent_decode_str(last).decode_utf8_lossy().into_owned()
    }

    /// The decoded segments.
    pub fn segments(&self) -> Vec<String> {
        self.0.split(SEPARATOR).map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned()).collect()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---- the key space -------------------------------------------------------------------------
// Add builders here, one per record kind, so the whole layout can be read in one place.

/// Signing keys of the OIDC provider (one record: the key ring, written with `IfVersion`).
pub fn signing_keys() -> Key {
    Key::new(["config", "oidc_private_keys"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(segments: &[&str], encoded: &str) {
        let key = Key::new(segments.iter().copied());
        assert_eq!(key.as_str(), encoded);
        assert_eq!(key.segments(), segments);
    }

    #[test]
    fn segments_are_escaped() {
        check(&["app", "abc"], "app/abc");
        check(&["app", "a/b"], "app/a%2Fb");
        check(&["app", "100%"], "app/100%25");
        check(&["app", "x\u{0}y"], "app/x%00y");
    }

    #[test]
    fn an_id_cannot_escape_its_prefix() {
        let forged = Key::new(["app", "x/secret"]);
        let victim_prefix = Key::new(["app", "x"]);
        assert!(!forged.is_under(&victim_prefix));
        assert!(forged.is_under(&Key::new(["app"])));
        assert!(!Key::new(["application"]).is_under(&Key::new(["app"])));
    }
}
