//! The user grants end to end over the memory store: code → tokens → userinfo → refresh →
//! replays, and every bad input with its RFC error. The grant and code are created through
//! the domain (what `/oidc/auth/:uid` does), then everything goes through `crate::handle`.

use http::StatusCode;
use serde_json::{Value, json};

use crate::domain::auth_context::AuthContext;
use crate::domain::authorization_code::{self, CodeRequest};
use crate::domain::grant::{self, GrantRecord};
use crate::domain::refresh_token::REUSE_GRACE_MS;
use crate::domain::role::{self, RoleRecord, RoleType};
use crate::domain::scope::Scope;
use crate::domain::user::{self, UserRecord};
use crate::jose;
use crate::oidc::token::pkce;
use crate::testing::{self, T0, TestApp, call, post_form, seed::*};

const USER: &str = "user1";
const REDIRECT: &str = "https://spa.example.com/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

type Reply = (StatusCode, http::HeaderMap, Value);

async fn world() -> TestApp {
    let app = testing::app();
    testing::seed(&app).await;
    let store = app.store.as_ref();
    let read = Scope::new("s-read".into(), "api".into(), "read".into(), None, T0);
    role::insert(store, &RoleRecord::new("ur".into(), "reader".into(), "d".into(), RoleType::User, T0), &[read])
        .await
        .unwrap();
    let mut u = UserRecord::new(USER.into(), T0);
    u.username = Some("alice".into());
    u.primary_email = Some("alice@example.com".into());
    u.name = Some("Alice".into());
    u.custom_data = json!({"plan": "pro"}).as_object().cloned().unwrap();
    u.role_ids = vec!["ur".into()];
    user::insert_record(store, &u).await.unwrap();
    app
}

/// A grant for `client` with what `/oidc/auth` would have recorded, and a code for it.
async fn code_for(app: &TestApp, client: &str, scope: &str, challenge: Option<&str>) -> (String, String) {
    code_with(app, client, scope, challenge, &[API]).await
}

async fn code_with(
    app: &TestApp,
    client: &str,
    scope: &str,
    challenge: Option<&str>,
    resources: &[&str],
) -> (String, String) {
    let mut g = GrantRecord::new(app, USER, client);
    g.add_openid_scopes(scope.split(' ').filter(|s| !["read", "write"].contains(s)));
    g.add_resource_scopes(API, ["read", "write"]);
    grant::insert(app, &g).await.unwrap();
    let code = authorization_code::issue(
        app,
        CodeRequest {
            context: AuthContext {
                grant_id: g.id.clone(),
                client_id: client.into(),
                account_id: USER.into(),
                scope: scope.into(),
                resource: resources.iter().map(|r| (*r).to_owned()).collect(),
                nonce: Some("n-0S6_WzA2Mj".into()),
                auth_time: T0 / 1000 - 5,
                sid: Some("sid-1".into()),
                ..Default::default()
            },
            redirect_uri: REDIRECT.into(),
            code_challenge: challenge.map(str::to_owned),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    (code, g.id)
}

async fn spa_code(app: &TestApp, scope: &str) -> (String, String) {
    code_for(app, SPA, scope, Some(&pkce::s256(VERIFIER))).await
}

async fn token(app: &TestApp, basic: Option<(&str, &str)>, body: &str) -> Reply {
    call(app, post_form("/oidc/token", basic, body)).await
}

async fn redeem(app: &TestApp, code: &str) -> Reply {
    token(
        app,
        None,
        &format!(
            "grant_type=authorization_code&client_id={SPA}&code={code}&redirect_uri={}&code_verifier={VERIFIER}",
            urlencode(REDIRECT)
        ),
    )
    .await
}

async fn refresh(app: &TestApp, rt: &str, extra: &str) -> Reply {
    token(app, None, &format!("grant_type=refresh_token&client_id={SPA}&refresh_token={rt}{extra}")).await
}

async fn userinfo(app: &TestApp, at: &str) -> Reply {
    let req = http::Request::get("/oidc/me")
        .header("authorization", format!("Bearer {at}"))
        .body(bytes::Bytes::new())
        .unwrap();
    call(app, req).await
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn claims_of(jwt: &str) -> Value {
    serde_json::from_slice(&jose::decode_unverified(jwt).unwrap().payload).unwrap()
}

#[track_caller]
fn assert_error(got: &Reply, status: u16, error: &str, description: &str) {
    assert_eq!(got.0, status, "{}", got.2);
    assert_eq!((got.2["error"].as_str(), got.2["error_description"].as_str()), (Some(error), Some(description)));
    assert_eq!(got.2["code"], format!("oidc.{error}"));
}

const FULL: &str = "openid offline_access profile email custom_data roles read";

#[tokio::test]
async fn a_code_becomes_tokens_userinfo_and_refreshed_tokens() {
    let app = world().await;
    let (code, _) = spa_code(&app, FULL).await;
    let (status, headers, body) = redeem(&app, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["access_token", "expires_in", "id_token", "refresh_token", "scope", "token_type"]);
    assert_eq!((&body["expires_in"], &body["token_type"]), (&json!(3600), &json!("Bearer")));
    assert_eq!(body["scope"], "openid offline_access profile email custom_data roles");
    let at = body["access_token"].as_str().unwrap();
    assert!(!at.contains('.') && at.len() >= 43, "opaque access token without resource");

    // The ID token: protocol claims, profile/email claims, roles (extended by default), not
    // custom_data (not enabled for ID tokens by default), and a correct at_hash.
    let id_token = body["id_token"].as_str().unwrap();
    let header = jose::decode_unverified(id_token).unwrap().header;
    assert_eq!((header.alg.as_str(), header.typ.as_deref()), ("ES256", Some("JWT")));
    let claims = claims_of(id_token);
    let now = T0 / 1000;
    assert_eq!(claims["iss"], "http://localhost:3001/oidc");
    assert_eq!((claims["sub"].as_str(), claims["aud"].as_str()), (Some(USER), Some(SPA)));
    assert_eq!((claims["iat"].as_i64(), claims["exp"].as_i64()), (Some(now), Some(now + 3600)));
    assert_eq!((claims["auth_time"].as_i64(), claims["nonce"].as_str()), (Some(now - 5), Some("n-0S6_WzA2Mj")));
    assert_eq!(claims["sid"], "sid-1");
    assert_eq!(claims["at_hash"], crate::oidc::token::id_token::at_hash(crate::jose::Alg::ES256, at));
    assert_eq!((claims["name"].as_str(), claims["username"].as_str()), (Some("Alice"), Some("alice")));
    assert_eq!((claims["email"].as_str(), claims["email_verified"].as_bool()), (Some("alice@example.com"), Some(true)));
    assert_eq!(claims["roles"], json!(["reader"]));
    assert!(claims.get("custom_data").is_none() && claims.get("phone_number").is_none());
    assert_eq!(claims["created_at"], T0);

    // Userinfo: every claim of the granted scopes, including custom_data.
    let (status, headers, info) = userinfo(&app, at).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(info["sub"], USER);
    assert_eq!(info["custom_data"], json!({"plan": "pro"}));
    assert_eq!(info["roles"], json!(["reader"]));
    assert_eq!(info["email"], "alice@example.com");
    assert!(info.get("phone_number").is_none(), "phone was not granted");

    // Refresh for the API: a JWT with the user's role scopes, and a rotated refresh token.
    let rt = body["refresh_token"].as_str().unwrap();
    let (status, _, body) = refresh(&app, rt, &format!("&resource={}", urlencode(API))).await;
    assert_eq!(status, 200, "{body}");
    let jwt = body["access_token"].as_str().unwrap();
    let c = claims_of(jwt);
    assert_eq!((c["sub"].as_str(), c["client_id"].as_str(), c["aud"].as_str()), (Some(USER), Some(SPA), Some(API)));
    assert_eq!(c["scope"], "read", "granted `write`, but no role of the user holds it");
    assert_eq!(body["scope"], "read");
    assert!(crate::domain::access_token::verify(&app, jwt).await.is_ok());
    let rotated = body["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, rt, "public clients rotate");
    assert!(body["id_token"].is_string());

    // The rotated token works; narrowing the scope narrows the ID token.
    let (status, _, body) = refresh(&app, rotated, "&scope=openid+email").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "openid email");
    let c = claims_of(body["id_token"].as_str().unwrap());
    assert!(c.get("email").is_some() && c.get("name").is_none());
    let (status, _, info) = userinfo(&app, body["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(info.get("email").is_some() && info.get("name").is_none());
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_everything_issued_from_it() {
    let app = world().await;
    let (code, grant_id) = spa_code(&app, FULL).await;
    let (_, _, first) = redeem(&app, &code).await;
    let at = first["access_token"].as_str().unwrap();
    let rt = first["refresh_token"].as_str().unwrap();
    let (_, _, jwt_body) = refresh(&app, rt, &format!("&resource={}", urlencode(API))).await;
    let jwt = jwt_body["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&app, at).await.0, 200);

    let replay = redeem(&app, &code).await;
    assert_error(&replay, 400, "invalid_grant", "authorization code already consumed");
    assert_eq!(replay.2["error_uri"], "https://openid.sh/debug/invalid_grant");
    assert!(grant::find(&app, &grant_id).await.unwrap().is_none());
    assert_error(&userinfo(&app, at).await, 401, "invalid_token", "access token not found");
    let rotated = jwt_body["refresh_token"].as_str().unwrap();
    assert_error(&refresh(&app, rotated, "").await, 400, "invalid_grant", "refresh token not found");
    assert_eq!(
        crate::domain::access_token::verify(&app, jwt).await,
        Err(crate::domain::access_token::TokenError::Revoked),
        "JWTs of the grant are on the deny list"
    );
}

#[tokio::test]
async fn only_one_of_two_concurrent_redemptions_wins() {
    let app = world().await;
    let (code, _) = spa_code(&app, "openid").await;
    let (a, b) = tokio::join!(redeem(&app, &code), redeem(&app, &code));
    let mut statuses = [a.0.as_u16(), b.0.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400]);
}

#[tokio::test]
async fn bad_codes_verifiers_and_redirects_get_rfc_errors_and_leave_the_code_usable() {
    let app = world().await;
    let (code, _) = spa_code(&app, "openid offline_access").await;
    let base = format!("grant_type=authorization_code&client_id={SPA}");
    let redirect = urlencode(REDIRECT);
    let other_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
    let cases: Vec<(String, u16, &str, &str)> = vec![
        (format!("{base}&redirect_uri={redirect}"), 400, "invalid_request", "missing required parameter 'code'"),
        (format!("{base}&code={code}"), 400, "invalid_request", "missing required parameter 'redirect_uri'"),
        (base.clone(), 400, "invalid_request", "missing required parameters 'code' and 'redirect_uri'"),
        (
            format!("{base}&code=tampered{}&redirect_uri={redirect}&code_verifier={VERIFIER}", &code[8..]),
            400,
            "invalid_grant",
            "authorization code not found",
        ),
        (format!("{base}&code={code}&redirect_uri={redirect}"), 400, "invalid_grant", "grant request is invalid"),
        (
            format!("{base}&code={code}&redirect_uri={redirect}&code_verifier={other_verifier}"),
            400,
            "invalid_grant",
            "grant request is invalid",
        ),
        (
            format!("{base}&code={code}&redirect_uri={redirect}&code_verifier=short"),
            400,
            "invalid_request",
            "code_verifier must be a string with a minimum length of 43 characters",
        ),
        (
            format!(
                "{base}&code={code}&redirect_uri={}&code_verifier={VERIFIER}",
                urlencode("https://evil.example.com/cb")
            ),
            400,
            "invalid_grant",
            "authorization code redirect_uri mismatch",
        ),
        (
            format!("{base}&code={code}&code={code}&redirect_uri={redirect}"),
            400,
            "invalid_request",
            "'code' parameter must not be provided twice",
        ),
    ];
    for (body, status, error, description) in cases {
        assert_error(&token(&app, None, &body).await, status, error, description);
    }
    // Another client may not redeem it, even with the right verifier.
    let got = token(
        &app,
        Some((WEB, WEB_SECRET)),
        &format!("grant_type=authorization_code&code={code}&redirect_uri={redirect}&code_verifier={VERIFIER}"),
    )
    .await;
    assert_error(&got, 400, "invalid_grant", "client mismatch");
    // An M2M app may not use the grant at all.
    let got = token(&app, Some((M2M, M2M_SECRET)), &format!("grant_type=authorization_code&code={code}")).await;
    assert_error(&got, 400, "invalid_request", "requested grant type is not allowed for this client");
    // None of that burnt the code: its owner still redeems it, once.
    assert_eq!(redeem(&app, &code).await.0, 200);

    // A target the code was not issued for (checked after the claim, as upstream does).
    let (code, _) = spa_code(&app, "openid").await;
    let got = token(
        &app,
        None,
        &format!("{base}&code={code}&redirect_uri={redirect}&code_verifier={VERIFIER}&resource=https%3A%2F%2Fother.example.com"),
    )
    .await;
    assert_error(&got, 400, "invalid_target", "resource indicator is missing, or unknown");
}

#[tokio::test]
async fn pkce_cannot_be_downgraded_and_codes_expire() {
    let app = world().await;
    // A code issued without a challenge refuses a verifier (and vice versa, above).
    let (code, _) = code_for(&app, WEB, "openid", None).await;
    let redirect = urlencode(REDIRECT);
    let with_verifier =
        format!("grant_type=authorization_code&code={code}&redirect_uri={redirect}&code_verifier={VERIFIER}");
    assert_error(
        &token(&app, Some((WEB, WEB_SECRET)), &with_verifier).await,
        400,
        "invalid_grant",
        "grant request is invalid",
    );
    // A confidential client without PKCE redeems with its secret; no offline_access, no RT.
    let plain = format!("grant_type=authorization_code&code={code}&redirect_uri={redirect}");
    let (status, _, body) = token(&app, Some((WEB, WEB_SECRET)), &plain).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["scope"], "openid");

    let (code, _) = spa_code(&app, "openid").await;
    app.clock.advance_ms(60_000);
    assert_error(&redeem(&app, &code).await, 400, "invalid_grant", "authorization code not found");
}

#[tokio::test]
async fn without_openid_the_token_is_a_jwt_for_the_codes_resource() {
    let app = world().await;
    let (code, _) = spa_code(&app, "read write").await;
    let (status, _, body) = redeem(&app, &code).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let c = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!((c["aud"].as_str(), c["scope"].as_str()), (Some(API), Some("read")));
    // An API token is not a userinfo token.
    assert_error(
        &userinfo(&app, body["access_token"].as_str().unwrap()).await,
        401,
        "invalid_token",
        "access token not found",
    );
}

#[tokio::test]
async fn refresh_token_reuse_is_graced_for_three_seconds_then_revokes_the_grant() {
    let app = world().await;
    let (code, grant_id) = spa_code(&app, "openid offline_access").await;
    let (_, _, body) = redeem(&app, &code).await;
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    let (status, _, first) = refresh(&app, &rt, "").await;
    assert_eq!(status, 200, "{first}");
    // A parallel refresh with the same token inside the grace also succeeds.
    app.clock.advance_ms(REUSE_GRACE_MS);
    let (status, _, second) = refresh(&app, &rt, "").await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(first["refresh_token"], second["refresh_token"]);
    // After it, reuse is a replay: the grant and every token of it are gone.
    app.clock.advance_ms(1);
    assert_error(&refresh(&app, &rt, "").await, 400, "invalid_grant", "refresh token already used");
    assert!(grant::find(&app, &grant_id).await.unwrap().is_none());
    let newest = second["refresh_token"].as_str().unwrap();
    assert_error(&refresh(&app, newest, "").await, 400, "invalid_grant", "refresh token not found");
    assert_error(
        &userinfo(&app, first["access_token"].as_str().unwrap()).await,
        401,
        "invalid_token",
        "access token not found",
    );
}

#[tokio::test]
async fn spa_refresh_tokens_keep_their_absolute_lifetime() {
    let app = world().await;
    let (code, _) = spa_code(&app, "openid offline_access").await;
    let (_, _, body) = redeem(&app, &code).await;
    let mut rt = body["refresh_token"].as_str().unwrap().to_owned();
    // Rotating every 5 days does not extend the 14-day lifetime.
    for _ in 0..2 {
        app.clock.advance_ms(5 * 86_400_000);
        let (status, _, body) = refresh(&app, &rt, "").await;
        assert_eq!(status, 200, "{body}");
        rt = body["refresh_token"].as_str().unwrap().to_owned();
    }
    app.clock.advance_ms(4 * 86_400_000);
    assert_error(&refresh(&app, &rt, "").await, 400, "invalid_grant", "refresh token is expired");
}

#[tokio::test]
async fn refresh_errors_follow_logto() {
    let app = world().await;
    let (code, _) = spa_code(&app, "openid offline_access profile").await;
    let (_, _, body) = redeem(&app, &code).await;
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    assert_error(&refresh(&app, "nope", "").await, 400, "invalid_grant", "refresh token not found");
    assert_error(
        &token(&app, None, &format!("grant_type=refresh_token&client_id={SPA}")).await,
        400,
        "invalid_request",
        "missing required parameter 'refresh_token'",
    );
    assert_error(
        &refresh(&app, &rt, "&scope=openid+email").await,
        400,
        "invalid_scope",
        "refresh token missing requested scope",
    );
    assert_error(
        &refresh(&app, &rt, "&scope=email+phone").await,
        400,
        "invalid_scope",
        "refresh token missing requested scopes",
    );
    let got = token(&app, Some((WEB, WEB_SECRET)), &format!("grant_type=refresh_token&refresh_token={rt}")).await;
    assert_error(&got, 400, "invalid_grant", "client mismatch");
    let got = refresh(&app, &rt, "&organization_id=org1").await;
    assert_error(&got, 403, "access_denied", "user is not a member of the organization");
    // None of that used the token up.
    assert_eq!(refresh(&app, &rt, "").await.0, 200);
}

#[tokio::test]
async fn a_suspended_or_deleted_user_gets_nothing() {
    let app = world().await;
    let (code, _) = spa_code(&app, "openid offline_access").await;
    let (_, _, body) = redeem(&app, &code).await;
    let at = body["access_token"].as_str().unwrap().to_owned();
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    let current = user::find(app.store.as_ref(), USER).await.unwrap().unwrap();
    let mut u = current.value.clone();
    u.is_suspended = true;
    user::update(app.store.as_ref(), &current, &u).await.unwrap();
    assert_error(&refresh(&app, &rt, "").await, 400, "invalid_grant", "user is suspended");
    assert_error(&userinfo(&app, &at).await, 400, "invalid_grant", "user is suspended");
    let (code, _) = spa_code(&app, "openid").await;
    assert_error(&redeem(&app, &code).await, 400, "invalid_grant", "user is suspended");
    let current = user::find(app.store.as_ref(), USER).await.unwrap().unwrap();
    user::delete(app.store.as_ref(), &current).await.unwrap();
    assert_error(&userinfo(&app, &at).await, 400, "invalid_grant", "user not found");
}

#[tokio::test]
async fn userinfo_token_presentation_follows_oidc_provider() {
    let app = world().await;
    let (code, _) = spa_code(&app, "openid profile").await;
    let (_, _, body) = redeem(&app, &code).await;
    let at = body["access_token"].as_str().unwrap().to_owned();
    let realm = r#"Bearer realm="http://localhost:3001/oidc""#;

    let get = |auth: Option<String>, query: &str| {
        let mut b = http::Request::get(format!("/oidc/me{query}"));
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(bytes::Bytes::new()).unwrap()
    };
    let got = call(&app, get(None, "")).await;
    assert_error(&got, 401, "invalid_token", "no access token provided");
    assert_eq!(got.1["www-authenticate"], realm);
    let got = call(&app, get(Some("Bearer nope".into()), "")).await;
    assert_error(&got, 401, "invalid_token", "access token not found");
    assert_eq!(
        got.1["www-authenticate"],
        format!(r#"{realm}, error="invalid_token", error_description="access token not found""#).as_str()
    );
    let got = call(&app, get(None, &format!("?access_token={at}"))).await;
    assert_error(&got, 400, "invalid_request", "access tokens must not be provided via query parameter");
    let got = call(&app, get(Some(format!("Bearer {at}")), &format!("?access_token={at}"))).await;
    assert_error(&got, 400, "invalid_request", "access token must only be provided using one mechanism");
    let got = call(&app, get(Some(format!("Basic {at}")), "")).await;
    assert_error(&got, 400, "invalid_request", "authorization header scheme must be `Bearer`");
    let got = call(&app, get(Some(format!("Bearer {at} x")), "")).await;
    assert_error(&got, 400, "invalid_request", "invalid authorization header value format");
    let got = call(&app, get(Some(format!("Bearer {at}")), "?scope=email")).await;
    assert_error(&got, 403, "insufficient_scope", "access token missing requested scope");
    assert!(got.1["www-authenticate"].to_str().unwrap().ends_with(r#", scope="email""#));

    // POST with the token in the form body, narrowed by `scope`.
    let (status, _, info) = call(&app, post_form("/oidc/me", None, &format!("access_token={at}&scope=openid"))).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info, json!({"sub": USER}));
    // Expired.
    app.clock.advance_ms(3_600_000);
    assert_error(
        &call(&app, get(Some(format!("Bearer {at}")), "")).await,
        401,
        "invalid_token",
        "access token not found",
    );
}

#[tokio::test]
async fn an_opaque_token_without_openid_is_refused_at_userinfo() {
    let app = world().await;
    // Without a resource, a refresh narrowed to `offline_access` gives an opaque token
    // without `openid` (and no ID token).
    let (code, _) = code_with(&app, SPA, "openid offline_access", Some(&pkce::s256(VERIFIER)), &[]).await;
    let (_, _, body) = redeem(&app, &code).await;
    let rt = body["refresh_token"].as_str().unwrap();
    let (status, _, body) = refresh(&app, rt, "&scope=offline_access").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("id_token").is_none());
    let got = userinfo(&app, body["access_token"].as_str().unwrap()).await;
    assert_error(&got, 403, "insufficient_scope", "access token missing openid scope");
}

async fn introspect(app: &TestApp, who: Option<(&str, &str)>, body: &str) -> Value {
    let (status, _, json) = call(app, post_form("/oidc/token/introspection", who, body)).await;
    assert_eq!(status, 200, "{json}");
    json
}

#[tokio::test]
async fn opaque_and_refresh_tokens_introspect_while_alive() {
    let app = world().await;
    let (code, _) = spa_code(&app, "openid offline_access profile").await;
    let (_, _, body) = redeem(&app, &code).await;
    let at = body["access_token"].as_str().unwrap();
    let rt = body["refresh_token"].as_str().unwrap();
    let now = T0 / 1000;
    let got = introspect(&app, None, &format!("client_id={SPA}&token={at}")).await;
    assert_eq!(
        got,
        json!({
            "active": true, "sub": USER, "client_id": SPA, "exp": now + 3600, "iat": now, "sid": "sid-1",
            "iss": "http://localhost:3001/oidc", "scope": "openid offline_access profile", "token_type": "Bearer"
        })
    );
    let got = introspect(&app, Some((WEB, WEB_SECRET)), &format!("token={rt}&token_type_hint=refresh_token")).await;
    assert_eq!((got["active"].as_bool(), got["exp"].as_i64()), (Some(true), Some(now + 14 * 86_400)));
    assert!(got.get("token_type").is_none(), "no token_type for refresh tokens");
    // Another public client sees nothing; unknown values are inactive.
    let inactive = json!({"active": false});
    let mut other = crate::domain::application::ApplicationRecord::new(
        "spa2".into(),
        "spa2".into(),
        crate::domain::application::ApplicationType::Spa,
        T0,
    );
    other.app.oidc_client_metadata.redirect_uris = vec![REDIRECT.into()];
    crate::domain::application::insert(app.store.as_ref(), &other).await.unwrap();
    assert_eq!(introspect(&app, None, &format!("client_id=spa2&token={at}")).await, inactive);
    assert_eq!(introspect(&app, None, &format!("client_id={SPA}&token={}", "A".repeat(43))).await, inactive);
    // A rotated-away refresh token turns inactive after the grace.
    refresh(&app, rt, "").await;
    app.clock.advance_ms(REUSE_GRACE_MS + 1);
    assert_eq!(introspect(&app, None, &format!("client_id={SPA}&token={rt}")).await, inactive);
}

#[tokio::test]
async fn revoking_an_access_token_revokes_the_grants_tokens_and_a_refresh_token_the_grant() {
    let app = world().await;
    let revoke = |who: Option<(&'static str, &'static str)>, body: String| {
        let app = &app;
        async move { call(app, post_form("/oidc/token/revocation", who, &body)).await }
    };
    let (code, grant_id) = spa_code(&app, "openid offline_access").await;
    let (_, _, body) = redeem(&app, &code).await;
    let at = body["access_token"].as_str().unwrap();
    let rt = body["refresh_token"].as_str().unwrap();
    // A confidential client may not revoke the SPA's token; a public one is ignored.
    let got = revoke(Some((WEB, WEB_SECRET)), format!("token={at}")).await;
    assert_error(&got, 400, "invalid_request", "client is not authorized to revoke the presented token");
    assert_eq!(userinfo(&app, at).await.0, 200);
    let (status, _, empty) = revoke(None, format!("client_id={SPA}&token={at}")).await;
    assert_eq!((status.as_u16(), empty), (200, Value::Null));
    assert_error(&userinfo(&app, at).await, 401, "invalid_token", "access token not found");
    assert_error(&refresh(&app, rt, "").await, 400, "invalid_grant", "refresh token not found");
    assert!(grant::find(&app, &grant_id).await.unwrap().is_some(), "the consent stays");

    let (code, grant_id) = spa_code(&app, "openid offline_access").await;
    let (_, _, body) = redeem(&app, &code).await;
    let rt = body["refresh_token"].as_str().unwrap();
    let (status, _, _) = revoke(None, format!("client_id={SPA}&token={rt}&token_type_hint=refresh_token")).await;
    assert_eq!(status, 200);
    assert!(grant::find(&app, &grant_id).await.unwrap().is_none());
    assert_error(
        &userinfo(&app, body["access_token"].as_str().unwrap()).await,
        401,
        "invalid_token",
        "access token not found",
    );
    // Unknown tokens: 200, nothing happens.
    assert_eq!(revoke(None, format!("client_id={SPA}&token={}", "B".repeat(43))).await.0, 200);
}
