//! `GET /oidc/.well-known/openid-configuration` (and the RFC 8414 alias): Logto's document
//! (logto-api.md §1.2) restricted to what answers today. Endpoints, grants and client
//! authentication methods that edgeid does not serve yet are left out rather than advertised;
//! `id_token_signing_alg_values_supported` declares the algorithm of every published key
//! (Current, Next, Previous), as node-oidc-provider derives it from Logto's key store, so a
//! token signed by the Previous key during a rotation's grace period is still one of the
//! declared algorithms. (An RSA key is declared `RS256` only: edgeid signs with RS256, where
//! Logto's provider would also offer `PS256`.) The bytes are built once per (deployment, set
//! of algorithms) and served as they are.

use std::sync::OnceLock;

use bytes::Bytes;
use http::StatusCode;
use serde_json::json;

use crate::error::{Internal, OAuthError};
use crate::jose::Alg;
use crate::{App, Config, Response};

/// Pre-serialised discovery documents, one per set of published signing algorithms.
#[derive(Default)]
pub struct DiscoveryCache {
    by_algs: [OnceLock<Bytes>; 1 << Alg::ALL.len()],
}

/// The algorithms declared, in node-oidc-provider's order (Logto's `supportedSigningAlgs`:
/// RS256, PS256, ES256, ES384, ES512, minus what edgeid does not sign).
const DECLARED_ORDER: [Alg; 3] = [Alg::RS256, Alg::ES256, Alg::ES384];

impl DiscoveryCache {
    fn get(&self, config: &Config, published: impl IntoIterator<Item = Alg>) -> Result<Bytes, Internal> {
        let mask = published
            .into_iter()
            .filter_map(|alg| Alg::ALL.iter().position(|a| *a == alg))
            .fold(0_usize, |mask, bit| mask | (1 << bit));
        let slot = self.by_algs.get(mask).ok_or_else(|| Internal::Bug("discovery slot".into()))?;
        if let Some(bytes) = slot.get() {
            return Ok(bytes.clone());
        }
        let algs: Vec<Alg> = DECLARED_ORDER
            .into_iter()
            .filter(|alg| Alg::ALL.iter().position(|a| a == alg).is_some_and(|bit| mask & (1 << bit) != 0))
            .collect();
        let bytes = Bytes::from(
            serde_json::to_vec(&document(config, &algs)).map_err(|e| Internal::Bug(format!("discovery: {e}")))?,
        );
        Ok(slot.get_or_init(|| bytes).clone())
    }
}

/// The grants the token endpoint answers.
pub const GRANT_TYPES_SUPPORTED: &[&str] = &["authorization_code", "refresh_token", "client_credentials"];

pub fn document(config: &Config, algs: &[Alg]) -> serde_json::Value {
    let issuer = config.issuer();
    json!({
        "authorization_endpoint": format!("{issuer}/auth"),
        "authorization_response_iss_parameter_supported": true,
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": false,
        "claims_supported": [
            "sub", "name", "family_name", "given_name", "middle_name", "nickname",
            "preferred_username", "profile", "picture", "website", "gender", "birthdate", "zoneinfo",
            "locale", "updated_at", "username", "created_at", "email", "email_verified",
            "phone_number", "phone_number_verified", "address", "custom_data", "identities",
            "sso_identities", "roles", "organizations", "organization_data", "organization_roles",
            "sid", "auth_time", "iss"
        ],
        "code_challenge_methods_supported": ["S256"],
        "end_session_endpoint": format!("{issuer}/session/end"),
        "grant_types_supported": GRANT_TYPES_SUPPORTED,
        "id_token_signing_alg_values_supported": algs.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "introspection_endpoint": format!("{issuer}/token/introspection"),
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/jwks"),
        "request_uri_parameter_supported": false,
        "response_modes_supported": ["form_post", "fragment", "query"],
        "response_types_supported": ["code id_token", "code", "id_token", "none"],
        "revocation_endpoint": format!("{issuer}/token/revocation"),
        "scopes_supported": [
            "openid", "offline_access", "profile", "email", "phone", "address", "custom_data",
            "identities", "roles", "urn:logto:scope:organizations",
            "urn:logto:scope:organization_roles", "urn:logto:scope:sessions",
            "urn:logto:scope:trusted_devices"
        ],
        "subject_types_supported": ["public"],
        "token_endpoint": format!("{issuer}/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "userinfo_endpoint": format!("{issuer}/me"),
    })
}

pub async fn get(app: &App) -> Result<Response, OAuthError> {
    let keys = app.signing_keys.get(app).await?;
    let published = keys.keys.iter().map(|k| k.alg).chain([keys.signer.alg]);
    let bytes = app.discovery.get(&app.config, published)?;
    Ok(crate::http::json_bytes_response(StatusCode::OK, bytes))
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use bytes::Bytes;

    use crate::testing;

    async fn discovery(app: &crate::App, path: &str) -> serde_json::Value {
        let req = http::Request::get(path)
            .header("authorization", "Basic Zm9vOmJhcg==") // @logto/node sends it everywhere; ignored
            .body(Bytes::new())
            .unwrap();
        let res = crate::oidc::handle(app, req).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/json; charset=utf-8");
        serde_json::from_slice(res.body()).unwrap()
    }

    #[tokio::test]
    async fn discovery_lists_what_answers_and_follows_the_current_key() {
        let app = testing::app();
        let doc = discovery(&app, "/oidc/.well-known/openid-configuration").await;
        let base = "http://localhost:3001/oidc";
        assert_eq!(doc["issuer"], base);
        assert_eq!(doc["jwks_uri"], format!("{base}/jwks"));
        assert_eq!(doc["token_endpoint"], format!("{base}/token"));
        assert_eq!(doc["authorization_endpoint"], format!("{base}/auth"));
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
        assert_eq!(doc["end_session_endpoint"], format!("{base}/session/end"));
        assert_eq!(doc["introspection_endpoint"], format!("{base}/token/introspection"));
        assert_eq!(doc["revocation_endpoint"], format!("{base}/token/revocation"));
        assert_eq!(
            doc["grant_types_supported"],
            serde_json::json!(["authorization_code", "refresh_token", "client_credentials"])
        );
        assert_eq!(doc["userinfo_endpoint"], format!("{base}/me"));
        assert_eq!(doc["id_token_signing_alg_values_supported"], serde_json::json!(["ES256"]));
        assert_eq!(
            doc["token_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_basic", "client_secret_post", "none"])
        );
        assert!(doc.get("device_authorization_endpoint").is_none(), "the device flow does not answer yet");
        assert_eq!(discovery(&app, "/oidc/.well-known/oauth-authorization-server").await, doc);
    }

    /// Logto's "declare the signing algorithms of every coexisting key": during a rotation's
    /// grace period the Previous key's algorithm stays declared; deleting it drops it.
    #[tokio::test]
    async fn every_published_keys_algorithm_is_declared() {
        use crate::domain::signing_keys::{self, KeyStatus};
        let app = testing::app();
        let algs = |doc: serde_json::Value| doc["id_token_signing_alg_values_supported"].clone();
        let path = "/oidc/.well-known/openid-configuration";
        assert_eq!(algs(discovery(&app, path).await), serde_json::json!(["ES256"]));
        let (ring, version) = signing_keys::find_or_create(&app).await.unwrap();
        let rsa = signing_keys::generate(&app, crate::jose::Alg::RS256, KeyStatus::Next).await.unwrap();
        let rotated = ring.rotated_now(rsa).unwrap();
        let previous = rotated.keys.iter().find(|k| k.status == KeyStatus::Previous).unwrap().id.clone();
        let version = signing_keys::update(&app, &rotated, version).await.unwrap();
        assert_eq!(algs(discovery(&app, path).await), serde_json::json!(["RS256", "ES256"]));
        let trimmed = rotated.without(&previous).unwrap();
        signing_keys::update(&app, &trimmed, version).await.unwrap();
        assert_eq!(algs(discovery(&app, path).await), serde_json::json!(["RS256"]));
    }

    #[tokio::test]
    async fn an_rs256_deployment_advertises_rs256() {
        let mut config = crate::Config::new(testing::ENDPOINT);
        config.signing_alg = crate::jose::Alg::RS256;
        let app = testing::app_with(config);
        let doc = discovery(&app, "/oidc/.well-known/openid-configuration").await;
        assert_eq!(doc["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));
    }
}
