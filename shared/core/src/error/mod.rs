//! The two wire formats of errors: OAuth/OIDC (`/oidc`) and Logto's REST errors (`/api`).
//! Handlers return these; the group edge renders them. Internal failures (store, crypto) are
//! logged once at the edge and never sent to the client.

mod api;
mod oauth;

pub use api::ApiError;
pub use oauth::{OAuthError, OAuthErrorCode};

use crate::ports::CryptoError;
use crate::store::StoreError;

/// A failure that is not the client's fault. Rendered as 503 (retryable) or 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Internal {
    Store(StoreError),
    Crypto(CryptoError),
    Bug(String),
}

impl Internal {
    /// Store outages and throttling are worth retrying; everything else is a 500.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Internal::Store(StoreError::Unavailable(_)))
    }
}

impl std::fmt::Display for Internal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Internal::Store(e) => e.fmt(f),
            Internal::Crypto(e) => e.fmt(f),
            Internal::Bug(m) => write!(f, "bug: {m}"),
        }
    }
}

impl From<StoreError> for Internal {
    fn from(e: StoreError) -> Self {
        Internal::Store(e)
    }
}

impl From<CryptoError> for Internal {
    fn from(e: CryptoError) -> Self {
        Internal::Crypto(e)
    }
}
