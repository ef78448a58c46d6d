//! `GET /oidc/jwks`: the public keys (Current, Next, Previous), pre-serialised in the key
//! cache. Logto sets `Cache-Control: no-cache, max-age=0, must-revalidate` so that clients
//! notice rotations at once (`koa-jwks-cache-control.ts`).

use http::{HeaderValue, StatusCode, header};

use crate::error::OAuthError;
use crate::{App, Response};

pub async fn get(app: &App) -> Result<Response, OAuthError> {
    let keys = app.signing_keys.get(app).await?;
    let mut response = crate::http::json_bytes_response(StatusCode::OK, keys.jwks.clone());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/jwk-set+json; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, max-age=0, must-revalidate"));
    Ok(response)
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use bytes::Bytes;

    use crate::domain::signing_keys::{self, KeyStatus};
    use crate::jose::{Alg, Jwks, thumbprint};
    use crate::testing;

    async fn jwks(app: &crate::App) -> (http::response::Parts, Jwks) {
        let req = http::Request::get("/oidc/jwks").body(Bytes::new()).unwrap();
        let (parts, body) = crate::oidc::handle(app, req).await.into_parts();
        (parts, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn jwks_publishes_the_ring_with_thumbprint_kids() {
        let app = testing::app();
        let (parts, set) = jwks(&app).await;
        assert_eq!(parts.status, 200);
        assert_eq!(parts.headers["cache-control"], "no-cache, max-age=0, must-revalidate");
        assert_eq!(parts.headers["content-type"], "application/jwk-set+json; charset=utf-8");
        assert_eq!(set.keys.len(), 1);
        let key = &set.keys[0];
        assert_eq!((key.kty.as_str(), key.crv.as_deref(), key.alg.as_deref()), ("EC", Some("P-256"), Some("ES256")));
        assert_eq!(key.use_.as_deref(), Some("sig"));
        assert_eq!(key.kid, thumbprint(key));
        assert!(key.n.is_none(), "no private or foreign members");
        let raw = serde_json::to_string(&set).unwrap();
        assert!(!raw.contains("\"d\""));
    }

    #[tokio::test]
    async fn rotation_keeps_previous_keys_published_in_provider_order() {
        let app = testing::app();
        let (_, before) = jwks(&app).await;
        let (ring, version) = signing_keys::find(&app).await.unwrap().unwrap();
        let next = signing_keys::generate(&app, Alg::RS256, KeyStatus::Next).await.unwrap();
        let staged = ring.staged(next.clone(), testing::T0 + 60_000);
        let version = signing_keys::update(&app, &staged, version).await.unwrap();
        let (_, during) = jwks(&app).await;
        let kids: Vec<_> = during.keys.iter().map(|k| k.kid.clone().unwrap()).collect();
        assert_eq!(kids, [before.keys[0].kid.clone().unwrap(), next.kid.clone()], "Current, then Next");
        assert_eq!(during.keys[1].kty, "RSA");
        assert_eq!(during.keys[1].kid, thumbprint(&during.keys[1]));

        // When the grace period ends the Next key signs and the old one stays as Previous.
        app.clock.advance_ms(60_000);
        let (_, after) = jwks(&app).await;
        let kids: Vec<_> = after.keys.iter().map(|k| k.kid.clone().unwrap()).collect();
        assert_eq!(kids, [next.kid.clone(), before.keys[0].kid.clone().unwrap()]);
        let (ring, promoted_version) = signing_keys::find(&app).await.unwrap().unwrap();
        assert!(promoted_version > version, "the promotion was persisted");
        assert_eq!(ring.current().unwrap().id, next.id);
    }
}
