//! Condition and update expressions. Every attribute goes through a `#name` placeholder
//! (`ttl`, `ver`... and many more are DynamoDB reserved words), and only the placeholders an
//! expression uses are sent (DynamoDB rejects unused ones).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::item::{CONSUMED, EXPIRES, PK, SK, TTL, VALUE, VERSION, WRITE_ID};

const NAMES: [(&str, &str); 8] = [
    ("#pk", PK),
    ("#sk", SK),
    ("#val", VALUE),
    ("#ver", VERSION),
    ("#exp", EXPIRES),
    ("#ttl", TTL),
    ("#con", CONSUMED),
    ("#wid", WRITE_ID),
];

/// The item exists and has not expired at `:now`.
pub(crate) const PRESENT: &str = "attribute_exists(#pk) AND (attribute_not_exists(#exp) OR #exp > :now)";
/// No item, or only an expired one (which the write replaces).
pub(crate) const ABSENT: &str = "attribute_not_exists(#pk) OR #exp <= :now";
/// The live item has version `:expected`.
pub(crate) const AT_VERSION: &str = "#ver = :expected AND (attribute_not_exists(#exp) OR #exp > :now)";
/// Anything but an expired item (an `Always` write keeps counting versions of a live item).
pub(crate) const NOT_EXPIRED: &str = "attribute_not_exists(#pk) OR attribute_not_exists(#exp) OR #exp > :now";
/// The item is not already the result of this very write (a retried attempt must not count
/// the version up twice); AND-ed to the conditions of version-counting updates.
pub(crate) const NOT_MINE: &str = "(attribute_not_exists(#wid) OR #wid <> :wid)";
/// A live item not consumed yet.
pub(crate) const UNCONSUMED: &str =
    "attribute_exists(#pk) AND (attribute_not_exists(#exp) OR #exp > :now) AND attribute_not_exists(#con)";

/// Placeholders used by a set of expressions.
#[derive(Debug, Default)]
pub(crate) struct Expr {
    pub(crate) names: HashMap<String, String>,
    pub(crate) values: HashMap<String, AttributeValue>,
}

impl Expr {
    /// Collect the `#names` used in `exprs` and those `values` that any of them mentions.
    pub(crate) fn new(exprs: &[&str], values: Vec<(&str, AttributeValue)>) -> Self {
        let used = |placeholder: &str| {
            exprs.iter().any(|e| {
                e.match_indices(placeholder).any(|(i, _)| {
                    // A whole placeholder, not the start of a longer one.
                    e.get(i + placeholder.len()..)
                        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
                })
            })
        };
        let names = NAMES.iter().filter(|(p, _)| used(p)).map(|(p, n)| ((*p).to_owned(), (*n).to_owned())).collect();
        let values = values.into_iter().filter(|(p, _)| used(p)).map(|(p, v)| (p.to_owned(), v)).collect();
        Self { names, values }
    }

    pub(crate) fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub(crate) fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_used_placeholders_are_sent() {
        let e = Expr::new(
            &["SET #val = :value", PRESENT],
            vec![
                (":value", AttributeValue::Null(true)),
                (":now", AttributeValue::N("1".into())),
                (":one", AttributeValue::N("1".into())),
            ],
        );
        let mut names: Vec<_> = e.names.keys().cloned().collect();
        names.sort();
        assert_eq!(names, ["#exp", "#pk", "#val"]);
        let mut values: Vec<_> = e.values.keys().cloned().collect();
        values.sort();
        assert_eq!(values, [":now", ":value"]);
    }

    #[test]
    fn a_placeholder_prefix_is_not_a_use() {
        let e = Expr::new(&["SET #ver = :expected"], vec![(":exp", AttributeValue::N("1".into()))]);
        assert!(e.values.is_empty());
        assert!(!e.names.contains_key("#exp"));
    }
}
