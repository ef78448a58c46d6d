//! The `client_credentials` grant (Logto's fork, `packages/core/src/oidc/grants/client-credentials.ts`;
//! logto-api.md §1.7.3). Parameters: `scope`, `resource` (one), `organization_id`.
//!
//! The token is a JWT for exactly one resource: `aud` = its indicator, `sub` = `client_id`,
//! TTL = the resource's `accessTokenTtl`, scope = requested ∩ what the app's M2M roles grant
//! for that resource. Like Logto, scopes the roles do not grant are dropped silently (not
//! `invalid_scope`); when nothing is left (or nothing was asked) the token has no `scope` claim
//! and the response no `scope` key.
//!
//! Hot path: no store write; reads are the application (client auth), the resource, and —
//! only if scopes were requested — one prefix listing per M2M role. The signing key comes
//! parsed from the per-isolate cache.

use serde::Serialize;

use super::{no_store_json, single};
use crate::domain::access_token::{self, AccessTokenClaims};
use crate::domain::resource::{self, ResourceRecord};
use crate::domain::role_scope;
use crate::error::{OAuthError, OAuthErrorCode};
use crate::http::FormParams;
use crate::oidc::client_auth::Client;
use crate::{App, Response};

#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: &'a str,
    expires_in: i64,
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

fn invalid_target(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidTarget, description)
}

pub async fn exchange(app: &App, client: &Client, params: &FormParams) -> Result<Response, OAuthError> {
    let scope = single(params, "scope")?;
    if single(params, "organization_id")?.is_some() {
        // Organizations are not implemented yet, so no application is a member of one:
        // exactly what Logto answers for an organization the app is not associated with.
        return Err(OAuthError::new(OAuthErrorCode::AccessDenied, "app has not associated with the organization")
            .with_status(http::StatusCode::FORBIDDEN));
    }
    let resource = target(app, params).await?;

    let requested = scope.map(dedup_scopes).unwrap_or_default();
    let granted = if requested.is_empty() {
        String::new()
    } else {
        let held = role_scope::names_for_application(app.store.as_ref(), &client.record, &resource.resource.id).await?;
        let mut granted = String::new();
        for wanted in requested.iter().filter(|s| held.iter().any(|h| h == *s)) {
            if !granted.is_empty() {
                granted.push(' ');
            }
            granted.push_str(wanted);
        }
        granted
    };
    let scope = (!granted.is_empty()).then_some(granted);

    let iat = app.clock.now_secs();
    let ttl = resource.resource.access_token_ttl;
    let claims = AccessTokenClaims {
        jti: app.rng.token(32),
        sub: client.id().to_owned(),
        iat,
        exp: iat.saturating_add(ttl),
        nbf: None,
        scope,
        client_id: client.id().to_owned(),
        iss: app.config.issuer(),
        aud: resource.resource.indicator,
        organization_id: None,
    };
    let token = access_token::sign(app, &claims).await?;
    Ok(no_store_json(&TokenResponse {
        access_token: &token,
        expires_in: ttl,
        token_type: "Bearer",
        scope: claims.scope.as_deref(),
    }))
}

/// Requested scopes in request order, without repeats (oidc-provider: `new Set(scope.split(' '))`).
fn dedup_scopes(scope: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in scope.split(' ') {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The one resource the token is for: the `resource` parameter(s) (each an absolute URI
/// without fragment, each known; repeats of one value count once), or the default resource.
async fn target(app: &App, params: &FormParams) -> Result<ResourceRecord, OAuthError> {
    let mut indicators: Vec<&str> = Vec::new();
    for indicator in params.all("resource").filter(|r| !r.is_empty()) {
        if !indicators.contains(&indicator) {
            indicators.push(indicator);
        }
    }
    if indicators.is_empty() {
        return resource::find_default(app.store.as_ref())
            .await?
            .ok_or_else(|| invalid_target("both `resource` and `organization_id` are not provided"));
    }
    let mut found = None;
    for indicator in &indicators {
        let url =
            url::Url::parse(indicator).map_err(|_| invalid_target("resource indicator must be an absolute URI"))?;
        if url.fragment().is_some() {
            return Err(invalid_target("resource indicator must not contain a fragment component"));
        }
        let record = resource::find_by_indicator(app.store.as_ref(), indicator)
            .await?
            .ok_or_else(|| invalid_target("resource indicator is missing, or unknown"))?;
        found.get_or_insert(record);
    }
    match (found, indicators.len()) {
        (Some(record), 1) => Ok(record),
        _ => Err(invalid_target("only a single resource indicator value is supported for this grant type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_scopes_keep_order_and_drop_repeats() {
        assert_eq!(dedup_scopes("b a b c a"), ["b", "a", "c"]);
        assert_eq!(dedup_scopes("all"), ["all"]);
    }
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod http_tests {
    use http::StatusCode;
    use serde_json::{Value, json};

    use crate::domain::access_token;
    use crate::jose;
    use crate::store::Store as _;
    use crate::testing::{self, T0, call, post_form, seed::*};

    async fn token(app: &crate::App, body: &str) -> (StatusCode, http::HeaderMap, Value) {
        call(app, post_form("/oidc/token", Some((M2M, M2M_SECRET)), body)).await
    }

    #[track_caller]
    fn assert_error(got: &(StatusCode, http::HeaderMap, Value), status: u16, error: &str, description: &str) {
        assert_eq!(got.0, status, "{}", got.2);
        assert_eq!((got.2["error"].as_str(), got.2["error_description"].as_str()), (Some(error), Some(description)));
        assert_eq!(got.2["code"], format!("oidc.{error}"));
        assert_eq!(got.1["cache-control"], "no-store");
    }

    fn claims_of(token: &str) -> Value {
        let decoded = jose::decode_unverified(token).unwrap();
        serde_json::from_slice(&decoded.payload).unwrap()
    }

    #[tokio::test]
    async fn issues_a_jwt_with_the_granted_scopes() {
        let app = testing::app();
        testing::seed(&app).await;
        let (status, headers, body) = token(
            &app,
            "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=write+read+admin+write",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["content-type"], "application/json; charset=utf-8");
        let object = body.as_object().unwrap();
        assert_eq!(
            object.keys().map(String::as_str).collect::<Vec<_>>(),
            ["access_token", "expires_in", "scope", "token_type"]
        );
        assert_eq!((&body["expires_in"], &body["token_type"]), (&json!(3600), &json!("Bearer")));
        // `admin` exists but no role grants it: dropped silently, as Logto does.
        assert_eq!(body["scope"], "write read");

        let at = body["access_token"].as_str().unwrap();
        let header = jose::decode_unverified(at).unwrap().header;
        assert_eq!((header.alg.as_str(), header.typ.as_deref()), ("ES256", Some("at+jwt")));
        let claims = claims_of(at);
        let now = T0 / 1000;
        assert_eq!(claims["sub"], M2M);
        assert_eq!(claims["client_id"], M2M);
        assert_eq!(claims["aud"], API);
        assert_eq!(claims["iss"], "http://localhost:3001/oidc");
        assert_eq!(claims["scope"], "write read");
        assert_eq!((claims["iat"].as_i64(), claims["exp"].as_i64()), (Some(now), Some(now + 3600)));
        assert_eq!(claims["jti"].as_str().map(str::len), Some(43));
        // And edgeid itself accepts it.
        let verified = access_token::verify(&app, at).await.unwrap();
        assert_eq!(verified.aud, API);
    }

    #[tokio::test]
    async fn no_scope_means_no_scope_claim_and_no_scope_key() {
        let app = testing::app();
        testing::seed(&app).await;
        for body in [
            "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com",
            "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=admin",
            "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=",
        ] {
            let (status, _, json) = token(&app, body).await;
            assert_eq!(status, 200, "{json}");
            assert!(json.get("scope").is_none(), "{body}: {json}");
            assert!(claims_of(json["access_token"].as_str().unwrap()).get("scope").is_none());
        }
        // An app without roles gets tokens, never scopes.
        let (status, _, json) = call(
            &app,
            post_form(
                "/oidc/token",
                Some((M2M_BARE, M2M_BARE_SECRET)),
                "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=read",
            ),
        )
        .await;
        assert_eq!(status, 200);
        assert!(json.get("scope").is_none());
    }

    #[tokio::test]
    async fn the_ttl_and_scopes_come_from_the_named_resource() {
        let app = testing::app();
        testing::seed(&app).await;
        let (status, _, json) =
            token(&app, "grant_type=client_credentials&resource=https%3A%2F%2Fother.example.com&scope=x+read").await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["expires_in"], 600);
        assert_eq!(json["scope"], "x", "`read` belongs to another resource");
        assert_eq!(claims_of(json["access_token"].as_str().unwrap())["aud"], OTHER_API);
        // JSON bodies work as well (Logto accepts them on every provider endpoint).
        let req = http::Request::post("/oidc/token")
            .header("content-type", "application/json")
            .body(bytes::Bytes::from(
                json!({"grant_type":"client_credentials","resource":API,"client_id":M2M,"client_secret":M2M_SECRET})
                    .to_string(),
            ))
            .unwrap();
        assert_eq!(call(&app, req).await.0, 200);
    }

    #[tokio::test]
    async fn the_default_resource_is_used_when_none_is_named() {
        let app = testing::app();
        testing::seed(&app).await;
        let got = token(&app, "grant_type=client_credentials&scope=read").await;
        assert_error(&got, 400, "invalid_target", "both `resource` and `organization_id` are not provided");
        let api = crate::domain::resource::find(app.store.as_ref(), "api").await.unwrap().unwrap();
        crate::domain::resource::set_default(app.store.as_ref(), &api, true).await.unwrap();
        let (status, _, json) = token(&app, "grant_type=client_credentials&scope=read").await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(claims_of(json["access_token"].as_str().unwrap())["aud"], API);
        assert_eq!(json["scope"], "read");
    }

    #[tokio::test]
    async fn every_request_error_has_logtos_answer() {
        let app = testing::app();
        testing::seed(&app).await;
        let cc = "grant_type=client_credentials";
        let cases: Vec<(String, u16, &str, &str)> = vec![
            (
                format!("{cc}&resource=https%3A%2F%2Fnope.example.com"),
                400,
                "invalid_target",
                "resource indicator is missing, or unknown",
            ),
            (format!("{cc}&resource=not-a-uri"), 400, "invalid_target", "resource indicator must be an absolute URI"),
            (
                format!("{cc}&resource=https%3A%2F%2Fapi.example.com%23frag"),
                400,
                "invalid_target",
                "resource indicator must not contain a fragment component",
            ),
            (
                format!("{cc}&resource=https%3A%2F%2Fapi.example.com&resource=https%3A%2F%2Fother.example.com"),
                400,
                "invalid_target",
                "only a single resource indicator value is supported for this grant type",
            ),
            (
                format!("{cc}&resource=https%3A%2F%2Fapi.example.com&scope=a%22b"),
                400,
                "invalid_scope",
                "scope contains invalid characters",
            ),
            (
                format!("{cc}&resource=https%3A%2F%2Fapi.example.com&scope=read+read+"),
                400,
                "invalid_scope",
                "scope contains invalid characters",
            ),
            (
                format!("{cc}&resource=https%3A%2F%2Fapi.example.com&scope=a&scope=b"),
                400,
                "invalid_request",
                "'scope' parameter must not be provided twice",
            ),
            (
                format!("{cc}&grant_type=client_credentials"),
                400,
                "invalid_request",
                "'grant_type' parameter must not be provided twice",
            ),
            ("resource=x".into(), 400, "invalid_request", "missing required parameter 'grant_type'"),
            ("grant_type=password".into(), 400, "unsupported_grant_type", "unsupported grant_type requested"),
            ("grant_type=device_code".into(), 400, "unsupported_grant_type", "unsupported grant_type requested"),
            (
                "grant_type=authorization_code".into(),
                400,
                "invalid_request",
                "requested grant type is not allowed for this client",
            ),
            (
                format!("{cc}&organization_id=org1"),
                403,
                "access_denied",
                "app has not associated with the organization",
            ),
            (
                format!("{cc}&resource=https%3A%2F%2Fapi.example.com&scope=a%00b"),
                400,
                "invalid_request",
                "request parameters must not contain NUL characters",
            ),
        ];
        for (body, status, error, description) in cases {
            let got = token(&app, &body).await;
            assert_error(&got, status, error, description);
        }
        // Duplicated identical resources count once (oidc-provider keys them by value).
        let (status, _, _) =
            token(&app, &format!("{cc}&resource=https%3A%2F%2Fapi.example.com&resource=https%3A%2F%2Fapi.example.com"))
                .await;
        assert_eq!(status, 200);
    }

    #[tokio::test]
    async fn clients_of_other_types_may_not_use_the_grant() {
        let app = testing::app();
        testing::seed(&app).await;
        let body = "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com";
        let got = call(&app, post_form("/oidc/token", Some((WEB, WEB_SECRET)), body)).await;
        assert_error(&got, 400, "invalid_request", "requested grant type is not allowed for this client");
        let got = call(&app, post_form("/oidc/token", None, &format!("{body}&client_id={SPA}"))).await;
        assert_error(&got, 400, "invalid_request", "requested grant type is not allowed for this client");
    }

    #[tokio::test]
    async fn malformed_bodies_are_invalid_requests() {
        let app = testing::app();
        testing::seed(&app).await;
        let auth = format!(
            "Basic {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{M2M}:{M2M_SECRET}"))
        );
        let send = |ct: &'static str, body: &'static [u8]| {
            http::Request::post("/oidc/token")
                .header("content-type", ct)
                .header("authorization", auth.clone())
                .body(bytes::Bytes::from_static(body))
                .unwrap()
        };
        for (ct, body, description) in [
            (
                "text/plain",
                &b"grant_type=client_credentials"[..],
                Some("only application/x-www-form-urlencoded content-type bodies are supported on POST /token"),
            ),
            (
                "application/x-www-form-urlencoded",
                &b"grant_type=client_credentials\0"[..],
                Some("null bytes are not allowed in the request body"),
            ),
            ("application/x-www-form-urlencoded", &b"grant_type=\xff\xfe"[..], None),
            // Logto reads a malformed JSON body as no body: what is missing is reported.
            ("application/json", &b"{not json"[..], Some("missing required parameter 'grant_type'")),
            ("application/json", &b"{\"grant_type\":{\"a\":1}}"[..], None),
        ] {
            let got = call(&app, send(ct, body)).await;
            assert_eq!(got.0, 400, "{ct} {body:?}: {}", got.2);
            assert_eq!(got.2["error"], "invalid_request");
            if let Some(description) = description {
                assert_eq!(got.2["error_description"], description);
            }
        }
    }

    #[tokio::test]
    async fn issuing_writes_nothing_to_the_store() {
        let app = testing::app();
        testing::seed(&app).await;
        token(&app, "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=read").await;
        let before = app.store.list(&crate::store::Key::new(["token"]), None, 100).await.unwrap().items.len();
        let ring = crate::domain::signing_keys::find(&app).await.unwrap().unwrap().1;
        for _ in 0..5 {
            token(&app, "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=read").await;
        }
        assert_eq!(app.store.list(&crate::store::Key::new(["token"]), None, 100).await.unwrap().items.len(), before);
        assert_eq!(crate::domain::signing_keys::find(&app).await.unwrap().unwrap().1, ring);
    }
}
