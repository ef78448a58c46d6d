//! Small checks Logto's zod guards make on bodies (string lengths, nullable fields).

use serde::{Deserialize, Deserializer};

use super::errors;
use crate::error::ApiError;

/// A required string column: at least one character, at most `max` (Logto's `varchar(max)`).
pub fn length(path: &str, value: &str, max: Option<usize>) -> Result<(), ApiError> {
    let chars = value.chars().count();
    if chars == 0 {
        return Err(errors::invalid_field(path, "too_small", "String must contain at least 1 character(s)"));
    }
    if let Some(max) = max
        && chars > max
    {
        return Err(errors::invalid_field(path, "too_big", format!("String must contain at most {max} character(s)")));
    }
    Ok(())
}

/// For `#[serde(default, deserialize_with = "nullable")]`: absent → `None`, `null` →
/// `Some(None)`, a value → `Some(Some(v))` (PATCH bodies that may clear a nullable column).
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
