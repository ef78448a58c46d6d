use super::Key;

/// Infrastructure failures only: a missing record is `Ok(None)`, never an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// A write condition failed (`IfAbsent` on a taken key, stale `IfVersion`, ...). Callers
    /// match it: a taken username becomes 422, a replayed code `invalid_grant`.
    Conflict { key: Key },
    /// The backend is down or throttling; retryable (503 / `temporarily_unavailable`).
    Unavailable(String),
    /// A record could not be decoded: data written by something else, or a bug.
    Corrupt(String),
    /// Anything else the backend reported.
    Backend(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict { key } => write!(f, "write condition failed on {key}"),
            StoreError::Unavailable(m) => write!(f, "store unavailable: {m}"),
            StoreError::Corrupt(m) => write!(f, "corrupt record: {m}"),
            StoreError::Backend(m) => write!(f, "store backend error: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}
