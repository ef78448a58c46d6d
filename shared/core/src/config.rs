//! Deployment settings every host reads from its environment (same variable names on all).

use crate::jose::Alg;

/// Logto's Management API resource indicator for the default (OSS) tenant.
pub const MANAGEMENT_API_INDICATOR: &str = "https://default.logto.app/api";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Public base URL without a trailing slash (`EDGEID_ENDPOINT`), e.g. `http://localhost:3001`.
    pub endpoint: String,
    /// Algorithm of newly generated signing keys (`EDGEID_SIGNING_ALG`, default ES256).
    pub signing_alg: Alg,
    /// Logto's integration-test mode (`EDGEID_DEV_ADMIN=1`): `development-user-id` is an admin.
    /// Only the local host may turn it on, and only on loopback.
    pub dev_admin: bool,
}

impl Config {
    pub fn new(endpoint: &str) -> Self {
        Self { endpoint: endpoint.trim_end_matches('/').to_owned(), signing_alg: Alg::ES256, dev_admin: false }
    }

    /// The OIDC issuer: endpoint + `/oidc`, as in Logto.
    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.endpoint)
    }
}
