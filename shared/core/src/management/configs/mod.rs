//! `/api/configs/*` (Logto's `routes/logto-config`).

pub mod oidc;
