//! `/api/configs/oidc/*`.

pub mod cookie_keys;
pub mod private_keys;
