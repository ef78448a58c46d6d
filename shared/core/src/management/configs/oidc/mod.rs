//! `/api/configs/oidc/*`.

pub mod private_keys;
