//! `/api/configs/oidc/cookie-keys` (Logto's `routes/logto-config/index.ts` with keyType
//! `cookie-keys`): list, rotate and delete the provider's cookie signing keys.
//!
//! - `GET` → `[{id, createdAt}]`, newest first; the key values never leave the store.
//! - `POST .../rotate` → a new key in front, the previous newest kept (two in all); a
//!   `rotationGracePeriod` is only for private keys (422 `oidc.invalid_request`).
//! - `DELETE .../:keyId` → 422 `oidc.key_required` for the last key, 404 `oidc.key_not_found`.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::Response;
use crate::domain::cookie_keys::{self, CookieKey};
use crate::error::ApiError;
use crate::management::{Ctx, WRITE_RETRIES, json, no_content};
use crate::ports::Millis;
use crate::store::StoreError;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyResponse<'a> {
    id: &'a str,
    created_at: Millis,
}

/// Logto's rotate body; `signingKeyAlgorithm` means nothing for cookie keys and is ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RotateBody {
    rotation_grace_period: Option<u32>,
}

fn redacted(keys: &[CookieKey]) -> Vec<KeyResponse<'_>> {
    keys.iter().map(|k| KeyResponse { id: &k.id, created_at: k.created_at }).collect()
}

fn lost_races() -> ApiError {
    ApiError::from(crate::error::Internal::Bug("cookie key write kept losing races".into()))
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (keys, _) = cookie_keys::find_or_create(ctx.app).await?;
    json(StatusCode::OK, &redacted(&keys))
}

pub async fn rotate(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: RotateBody = ctx.body()?;
    if body.rotation_grace_period.is_some() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "oidc.invalid_request", "Request is invalid."));
    }
    let new_key = cookie_keys::generate(ctx.app);
    for _ in 0..WRITE_RETRIES {
        let (keys, version) = cookie_keys::find_or_create(ctx.app).await?;
        let next = cookie_keys::rotated(new_key.clone(), keys);
        match cookie_keys::update(ctx.app, &next, version).await {
            Ok(_) => return json(StatusCode::OK, &redacted(&next)),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(lost_races())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("keyId");
    for _ in 0..WRITE_RETRIES {
        let (keys, version) = cookie_keys::find_or_create(ctx.app).await?;
        if keys.len() <= 1 {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "oidc.key_required",
                "At least one key is required.",
            ));
        }
        if !keys.iter().any(|k| k.id == id) {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "oidc.key_not_found",
                format!("Key with ID {id} is not found."),
            ));
        }
        let next: Vec<CookieKey> = keys.into_iter().filter(|k| k.id != id).collect();
        match cookie_keys::update(ctx.app, &next, version).await {
            Ok(_) => return no_content(),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(lost_races())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::management::testing::TestApp;

    const KEYS: &str = "/api/configs/oidc/cookie-keys";

    fn ids(list: &Value) -> Vec<String> {
        list.as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap().to_owned()).collect()
    }

    /// Logto's cookie-key lifecycle: one key from the start, rotation keeps two (newest
    /// first), the last key cannot go, values are never shown.
    #[tokio::test]
    async fn list_rotate_delete_like_logto() {
        let t = TestApp::new(true);
        let first = t.call("GET", KEYS, Value::Null).await;
        TestApp::ok(&first, 200);
        let first_id = ids(&first.json).remove(0);
        assert_eq!(first.json.as_array().unwrap().len(), 1);
        assert!(first.json[0]["createdAt"].is_i64());
        assert!(first.json[0].get("value").is_none(), "key material stays in the store");
        assert_eq!(
            t.call("DELETE", &format!("{KEYS}/{first_id}"), Value::Null).await.error(),
            (422, "oidc.key_required")
        );

        let rotated = t.call("POST", &format!("{KEYS}/rotate"), json!({})).await;
        TestApp::ok(&rotated, 200);
        let rotated_ids = ids(&rotated.json);
        assert_eq!(rotated_ids.len(), 2);
        assert_eq!(rotated_ids[1], first_id);
        let again = ids(&t.call("POST", &format!("{KEYS}/rotate"), json!({"signingKeyAlgorithm": "EC"})).await.json);
        assert_eq!((again.len(), &again[1]), (2, &rotated_ids[0]), "the oldest key is dropped");
        assert_eq!(ids(&t.call("GET", KEYS, Value::Null).await.json), again);

        assert_eq!(
            t.call("POST", &format!("{KEYS}/rotate"), json!({"rotationGracePeriod": 60})).await.error(),
            (422, "oidc.invalid_request")
        );
        assert_eq!(t.call("DELETE", &format!("{KEYS}/nope"), Value::Null).await.error(), (404, "oidc.key_not_found"));
        TestApp::ok(&t.call("DELETE", &format!("{KEYS}/{}", again[1]), Value::Null).await, 204);
        assert_eq!(ids(&t.call("GET", KEYS, Value::Null).await.json), [again[0].clone()]);
    }
}
