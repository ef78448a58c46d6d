//! `/api/configs/oidc/private-keys`: list, rotate and delete the OIDC signing keys, with
//! Logto's shapes and error codes (logto-api.md §1.3; `routes/logto-config/index.ts`,
//! `libraries/oidc-private-key.ts`). The key ring itself is `crate::domain::signing_keys`.
//!
//! - `GET` → `[{id, createdAt, signingKeyAlgorithm: "EC"|"RSA", status, effectiveAt?}]`, in
//!   stored order (Next, Current, Previous); key material never leaves the store.
//! - `POST .../rotate` `{signingKeyAlgorithm?, rotationGracePeriod?}`: grace 0 (the default)
//!   makes the new key Current at once (old Current → Previous, older Previous dropped; 422
//!   `oidc.invalid_request` while a staged Next key waits); grace > 0 stages it as Next,
//!   published at once and signing from `effectiveAt`.
//! - `DELETE .../:keyId`: only a Previous key (422 `oidc.only_previous_key_can_be_deleted`),
//!   never the last one (422 `oidc.key_required`), 404 `oidc.key_not_found`.
//!
//! Algorithms: `"RSA"` → RS256 (2048-bit, see `ports::ring_crypto`); `"EC"` → the deployment's
//! EC algorithm (ES384 when `EDGEID_SIGNING_ALG=ES384`, otherwise ES256 — Logto's EC keys are
//! P-384, which signs 25× slower); no algorithm → the deployment's `EDGEID_SIGNING_ALG`.
//! Writes use `IfVersion` and retry when another instance wrote in between.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::domain::signing_keys::{self, DeleteError, KeyRing, KeyStatus, RotateError};
use crate::error::ApiError;
use crate::jose::Alg;
use crate::management::{Ctx, WRITE_RETRIES, json, no_content};
use crate::ports::Millis;
use crate::store::StoreError;
use crate::{App, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SigningKeyAlgorithm {
    #[serde(rename = "RSA")]
    Rsa,
    #[serde(rename = "EC")]
    Ec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyResponse<'a> {
    id: &'a str,
    created_at: Millis,
    signing_key_algorithm: SigningKeyAlgorithm,
    status: KeyStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective_at: Option<Millis>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RotateBody {
    signing_key_algorithm: Option<SigningKeyAlgorithm>,
    rotation_grace_period: Option<u32>,
}

fn redacted(ring: &KeyRing) -> Vec<KeyResponse<'_>> {
    ring.keys
        .iter()
        .map(|k| KeyResponse {
            id: &k.id,
            created_at: k.created_at,
            signing_key_algorithm: if k.alg == Alg::RS256 { SigningKeyAlgorithm::Rsa } else { SigningKeyAlgorithm::Ec },
            status: k.status,
            effective_at: if k.status == KeyStatus::Next { ring.rotation_at } else { None },
        })
        .collect()
}

fn oidc_error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

/// The ring as it is now: created on first use, a due staged key promoted (what Logto's
/// `promoteScheduledSigningKeyRotation` does before reading).
async fn current(app: &App) -> Result<(KeyRing, crate::store::Version), ApiError> {
    app.signing_keys.get(app).await?;
    Ok(signing_keys::find_or_create(app).await?)
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (ring, _) = current(ctx.app).await?;
    json(StatusCode::OK, &redacted(&ring))
}

pub async fn rotate(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: RotateBody = ctx.body()?;
    let configured = ctx.app.config.signing_alg;
    let alg = match body.signing_key_algorithm {
        None => configured,
        Some(SigningKeyAlgorithm::Rsa) => Alg::RS256,
        Some(SigningKeyAlgorithm::Ec) if configured == Alg::ES384 => Alg::ES384,
        Some(SigningKeyAlgorithm::Ec) => Alg::ES256,
    };
    let grace_ms = Millis::from(body.rotation_grace_period.unwrap_or(0)).saturating_mul(1000);
    let new_key = signing_keys::generate(ctx.app, alg, KeyStatus::Current).await?;
    for _ in 0..WRITE_RETRIES {
        let (ring, version) = current(ctx.app).await?;
        let next = if grace_ms == 0 {
            ring.rotated_now(new_key.clone()).map_err(|RotateError::NextPending| {
                oidc_error(StatusCode::UNPROCESSABLE_ENTITY, "oidc.invalid_request", "Request is invalid.")
            })?
        } else {
            ring.staged(new_key.clone(), ctx.now().saturating_add(grace_ms))
        };
        match signing_keys::update(ctx.app, &next, version).await {
            Ok(_) => return json(StatusCode::OK, &redacted(&next)),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::from(crate::error::Internal::Bug("signing key rotation kept losing write races".into())))
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("keyId");
    for _ in 0..WRITE_RETRIES {
        let (ring, version) = current(ctx.app).await?;
        let next = ring.without(&id).map_err(|e| match e {
            DeleteError::KeyRequired => {
                oidc_error(StatusCode::UNPROCESSABLE_ENTITY, "oidc.key_required", "At least one key is required.")
            }
            DeleteError::NotFound => {
                oidc_error(StatusCode::NOT_FOUND, "oidc.key_not_found", format!("Key with ID {id} is not found."))
            }
            DeleteError::NotPrevious => oidc_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "oidc.only_previous_key_can_be_deleted",
                "Only a previous key can be deleted.",
            ),
        })?;
        match signing_keys::update(ctx.app, &next, version).await {
            Ok(_) => return no_content(),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::from(crate::error::Internal::Bug("signing key deletion kept losing write races".into())))
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use bytes::Bytes;
    use serde_json::{Value, json};

    use crate::testing::{self, T0};

    fn admin() -> testing::TestApp {
        let mut config = crate::Config::new(testing::ENDPOINT);
        config.dev_admin = true;
        testing::app_with(config)
    }

    async fn call(app: &crate::App, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = http::Request::builder().method(method).uri(path).header("development-user-id", "admin");
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Bytes::from(body.map(|b| b.to_string()).unwrap_or_default())).unwrap();
        let res = crate::management::handle(app, req).await;
        let status = res.status().as_u16();
        let body = res.into_body();
        (status, if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).unwrap() })
    }

    const KEYS: &str = "/api/configs/oidc/private-keys";
    const ROTATE: &str = "/api/configs/oidc/private-keys/rotate";

    fn statuses(list: &Value) -> Vec<(String, String)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|k| (k["signingKeyAlgorithm"].as_str().unwrap().to_owned(), k["status"].as_str().unwrap().to_owned()))
            .collect()
    }

    fn pair(alg: &str, status: &str) -> (String, String) {
        (alg.to_owned(), status.to_owned())
    }

    #[tokio::test]
    async fn the_first_key_is_listed_without_key_material() {
        let app = admin();
        let (status, list) = call(&app, "GET", KEYS, None).await;
        assert_eq!(status, 200);
        assert_eq!(statuses(&list), [pair("EC", "Current")]);
        let key = list[0].as_object().unwrap();
        assert_eq!(
            key.keys().map(String::as_str).collect::<Vec<_>>(),
            ["createdAt", "id", "signingKeyAlgorithm", "status"]
        );
        assert_eq!(key["createdAt"], T0);
    }

    #[tokio::test]
    async fn immediate_rotation_switches_the_signer_and_keeps_one_previous() {
        let app = admin();
        let (_, first) = call(&app, "GET", KEYS, None).await;
        let (status, rotated) = call(&app, "POST", ROTATE, Some(json!({ "signingKeyAlgorithm": "RSA" }))).await;
        assert_eq!(status, 200, "{rotated}");
        assert_eq!(statuses(&rotated), [pair("RSA", "Current"), pair("EC", "Previous")]);
        assert_eq!(rotated[1]["id"], first[0]["id"]);
        assert_eq!(app.signing_keys.get(&app).await.unwrap().signer.alg, crate::jose::Alg::RS256);
        let (_, again) = call(&app, "POST", ROTATE, Some(json!({}))).await;
        assert_eq!(statuses(&again), [pair("EC", "Current"), pair("RSA", "Previous")]);
        assert_eq!(again[1]["id"], rotated[0]["id"], "the older Previous key is dropped");
        assert_eq!(call(&app, "GET", KEYS, None).await.1, again);
    }

    #[tokio::test]
    async fn staged_rotation_publishes_next_with_its_effective_time() {
        let app = admin();
        let (status, staged) = call(&app, "POST", ROTATE, Some(json!({ "rotationGracePeriod": 60 }))).await;
        assert_eq!(status, 200);
        assert_eq!(statuses(&staged), [pair("EC", "Next"), pair("EC", "Current")]);
        assert_eq!(staged[0]["effectiveAt"], T0 + 60_000);
        assert!(staged[1].get("effectiveAt").is_none());
        // An immediate rotation must wait for the staged key.
        let (status, err) = call(&app, "POST", ROTATE, Some(json!({ "rotationGracePeriod": 0 }))).await;
        assert_eq!((status, err["code"].as_str()), (422, Some("oidc.invalid_request")));
        app.clock.advance_ms(60_000);
        let (_, after) = call(&app, "GET", KEYS, None).await;
        assert_eq!(statuses(&after), [pair("EC", "Current"), pair("EC", "Previous")]);
        assert_eq!(after[0]["id"], staged[0]["id"]);
    }

    #[tokio::test]
    async fn deleting_follows_logtos_rules() {
        let app = admin();
        let (_, only) = call(&app, "GET", KEYS, None).await;
        let current_id = only[0]["id"].as_str().unwrap().to_owned();
        let (status, err) = call(&app, "DELETE", &format!("{KEYS}/{current_id}"), None).await;
        assert_eq!((status, err["code"].as_str()), (422, Some("oidc.key_required")));
        let (_, rotated) = call(&app, "POST", ROTATE, Some(json!({}))).await;
        let (status, err) = call(&app, "DELETE", &format!("{KEYS}/nope"), None).await;
        assert_eq!((status, err["code"].as_str()), (404, Some("oidc.key_not_found")));
        assert_eq!(err["message"], "Key with ID nope is not found.");
        let new_id = rotated[0]["id"].as_str().unwrap();
        let (status, err) = call(&app, "DELETE", &format!("{KEYS}/{new_id}"), None).await;
        assert_eq!((status, err["code"].as_str()), (422, Some("oidc.only_previous_key_can_be_deleted")));
        let (status, body) = call(&app, "DELETE", &format!("{KEYS}/{current_id}"), None).await;
        assert_eq!((status, body), (204, Value::Null));
        assert_eq!(statuses(&call(&app, "GET", KEYS, None).await.1), [pair("EC", "Current")]);
    }

    #[tokio::test]
    async fn bad_rotation_bodies_are_invalid_input() {
        let app = admin();
        for body in [
            json!({ "signingKeyAlgorithm": "DSA" }),
            json!({ "rotationGracePeriod": -1 }),
            json!({ "rotationGracePeriod": 1.5 }),
            json!({ "rotationGracePeriod": "60" }),
        ] {
            let (status, err) = call(&app, "POST", ROTATE, Some(body.clone())).await;
            assert_eq!((status, err["code"].as_str()), (400, Some("guard.invalid_input")), "{body}");
        }
    }

    #[tokio::test]
    async fn the_endpoints_sit_behind_the_management_guard() {
        let app = admin();
        for (method, path) in [("GET", KEYS), ("POST", ROTATE), ("DELETE", "/api/configs/oidc/private-keys/x")] {
            let req = http::Request::builder().method(method).uri(path).body(Bytes::new()).unwrap();
            let res = crate::management::handle(&app, req).await;
            assert_eq!(res.status(), 401, "{method} {path}");
        }
    }
}
