//! The tokens of a signed-in user, across groups: an admin sets up an API, a role, a user and
//! an SPA through the Management API; the grant and code are what `/oidc/auth/<uid>` records
//! (created through the domain here, so this journey does not depend on the sign-in hops);
//! then the app does what an SDK does — code → tokens → userinfo → refresh for the API →
//! refresh again — and the attacks fail: a replayed code revokes everything issued from it, a
//! replayed refresh token after the 3 s grace revokes the grant, suspension revokes it all.

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_core::domain::auth_context::AuthContext;
use edgeid_core::domain::authorization_code::{self, CodeRequest};
use edgeid_core::domain::grant::{self, GrantRecord};
use edgeid_core::store::Store as _;
use edgeid_tests::harness::sign_in::Pkce;
use edgeid_tests::harness::{Client, TestApp, jwt};
use serde_json::{Value, json};

const API: &str = "https://api.example.com";
const REDIRECT: &str = "https://spa.example.com/callback";

struct World {
    t: TestApp,
    client: Client,
    admin_token: String,
    app_id: String,
    user_id: String,
}

async fn admin_token(t: &TestApp, client: &Client) -> String {
    client
        .post("/oidc/token")
        .basic_auth(&t.admin.id, &t.admin.secret)
        .form(&[("grant_type", "client_credentials"), ("resource", MANAGEMENT_API_INDICATOR), ("scope", "all")])
        .send()
        .await
        .assert_status(200)
        .str_field("access_token")
}

async fn world() -> World {
    let t = TestApp::bootstrapped().await;
    let client = t.client();
    let token = admin_token(&t, &client).await;
    let post = |path: &'static str, body: Value| {
        let (client, token) = (&client, &token);
        async move { client.post(path).bearer(token).json(&body).send().await }
    };

    let resource = post("/api/resources", json!({"name": "API", "indicator": API})).await;
    let resource_id = resource.assert_status(201).str_field("id");
    let mut scope_ids = Vec::new();
    for name in ["read", "write"] {
        let scope = client
            .post(&format!("/api/resources/{resource_id}/scopes"))
            .bearer(&token)
            .json(&json!({"name": name}))
            .send()
            .await;
        scope_ids.push(scope.assert_status(201).str_field("id"));
    }
    // The role holds `read` only: `write` may be granted to the app but the user lacks it.
    let role = post("/api/roles", json!({"name": "reader", "description": "reads", "type": "User"})).await;
    let role_id = role.assert_status(200).str_field("id");
    client
        .post(&format!("/api/roles/{role_id}/scopes"))
        .bearer(&token)
        .json(&json!({"scopeIds": [scope_ids[0]]}))
        .send()
        .await
        .assert_status(201);

    let user = post(
        "/api/users",
        json!({"username": "alice", "primaryEmail": "alice@example.com", "name": "Alice", "password": "Correct-Horse-42"}),
    )
    .await;
    let user_id = user.assert_status(200).str_field("id");
    client
        .post(&format!("/api/users/{user_id}/roles"))
        .bearer(&token)
        .json(&json!({"roleIds": [role_id]}))
        .send()
        .await
        .assert_status(201);

    let app = post(
        "/api/applications",
        json!({"name": "SPA", "type": "SPA", "oidcClientMetadata": {"redirectUris": [REDIRECT], "postLogoutRedirectUris": []}}),
    )
    .await;
    let app_id = app.assert_status(200).str_field("id");
    World { t, client, admin_token: token, app_id, user_id }
}

impl World {
    /// What `/oidc/auth/<uid>` records after sign-in and consent: a grant and a code.
    async fn authorize(&self, scope: &str, pkce: &Pkce) -> (String, String) {
        let app = &self.t.app;
        let mut g = GrantRecord::new(app, &self.user_id, &self.app_id);
        g.add_openid_scopes(scope.split(' ').filter(|s| !["read", "write"].contains(s)));
        g.add_resource_scopes(API, ["read", "write"]);
        grant::insert(app, &g).await.unwrap();
        let code = authorization_code::issue(
            app,
            CodeRequest {
                context: AuthContext {
                    grant_id: g.id.clone(),
                    client_id: self.app_id.clone(),
                    account_id: self.user_id.clone(),
                    scope: scope.into(),
                    resource: vec![API.into()],
                    nonce: Some("nonce-1".into()),
                    auth_time: app.clock.now_secs(),
                    ..Default::default()
                },
                redirect_uri: REDIRECT.into(),
                code_challenge: Some(pkce.challenge.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        (code, g.id)
    }

    async fn redeem(&self, code: &str, pkce: &Pkce) -> edgeid_tests::harness::TestResponse {
        self.client
            .post("/oidc/token")
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", &self.app_id),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", &pkce.verifier),
            ])
            .send()
            .await
    }

    async fn refresh(&self, rt: &str, resource: Option<&str>) -> edgeid_tests::harness::TestResponse {
        let mut form =
            vec![("grant_type", "refresh_token"), ("client_id", self.app_id.as_str()), ("refresh_token", rt)];
        if let Some(r) = resource {
            form.push(("resource", r));
        }
        self.client.post("/oidc/token").form(&form).send().await
    }

    async fn userinfo(&self, at: &str) -> edgeid_tests::harness::TestResponse {
        self.client.get("/oidc/me").bearer(at).send().await
    }
}

/// The payload of a JWT that verifies against the published JWKS.
async fn verified(client: &Client, token: &str) -> Value {
    let jwks = client.get("/oidc/jwks").send().await.assert_status(200).json();
    jwt::verify(token, &jwks).unwrap_or_else(|e| panic!("{e}: {token}")).1
}

#[tokio::test]
async fn an_sdk_session_code_tokens_userinfo_refresh_and_replays() {
    let w = world().await;
    let pkce = Pkce::new();
    let (code, _) = w.authorize("openid offline_access profile email roles read write", &pkce).await;

    let tokens = w.redeem(&code, &pkce).await;
    let body = tokens.assert_status(200).json();
    assert_eq!(tokens.header("cache-control"), Some("no-store"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "openid offline_access profile email roles");
    let at = body["access_token"].as_str().unwrap().to_owned();
    assert!(!at.contains('.') && at.len() >= 43, "opaque: {at}");

    // The ID token verifies against the JWKS and carries the user's claims.
    let id = verified(&w.client, body["id_token"].as_str().unwrap()).await;
    assert_eq!((id["sub"].as_str(), id["aud"].as_str()), (Some(w.user_id.as_str()), Some(w.app_id.as_str())));
    assert_eq!((id["nonce"].as_str(), id["username"].as_str()), (Some("nonce-1"), Some("alice")));
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["roles"], json!(["reader"]));
    assert!(id["at_hash"].is_string());

    let info = w.userinfo(&at).await.assert_status(200).json();
    assert_eq!(info["sub"], w.user_id.as_str());
    assert_eq!((info["name"].as_str(), info["email_verified"].as_bool()), (Some("Alice"), Some(true)));

    // What @logto/browser does next: a JWT for the API through the refresh grant.
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    let api = w.refresh(&rt, Some(API)).await.assert_status(200).json();
    let access = verified(&w.client, api["access_token"].as_str().unwrap()).await;
    assert_eq!((access["aud"].as_str(), access["scope"].as_str()), (Some(API), Some("read")));
    assert_eq!(access["sub"], w.user_id.as_str());
    assert_eq!(access["client_id"], w.app_id.as_str());
    let rotated = api["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, rt);
    // The API JWT is introspectable by the admin's confidential app; the opaque token too.
    let introspected = w
        .client
        .post("/oidc/token/introspection")
        .basic_auth(&w.t.admin.id, &w.t.admin.secret)
        .form(&[("token", at.as_str())])
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        (introspected["active"].as_bool(), introspected["sub"].as_str()),
        (Some(true), Some(w.user_id.as_str()))
    );

    // Two refreshes racing with the same token inside the 3 s grace both succeed...
    let again = w.refresh(&rotated, None).await.assert_status(200).json();
    w.t.advance_secs(2);
    w.refresh(&rotated, None).await.assert_status(200);
    // ...but a reuse after it is a replay: the grant and everything issued from it die.
    w.t.advance_secs(2);
    w.refresh(&rotated, None).await.assert_oauth_error(400, "invalid_grant");
    w.refresh(again["refresh_token"].as_str().unwrap(), None).await.assert_oauth_error(400, "invalid_grant");
    w.userinfo(again["access_token"].as_str().unwrap()).await.assert_oauth_error(401, "invalid_token");
    let revoked = w
        .client
        .post("/oidc/token/introspection")
        .basic_auth(&w.t.admin.id, &w.t.admin.secret)
        .form(&[("token", api["access_token"].as_str().unwrap())])
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(revoked, json!({"active": false}), "the API JWT is on the deny list");
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_what_it_gave() {
    let w = world().await;
    let pkce = Pkce::new();
    let (code, grant_id) = w.authorize("openid offline_access", &pkce).await;
    // A wrong verifier or redirect does not burn the code.
    w.redeem(&code, &Pkce::new()).await.assert_oauth_error(400, "invalid_grant");
    let first = w.redeem(&code, &pkce).await.assert_status(200).json();
    let replay = w.redeem(&code, &pkce).await;
    replay.assert_oauth_error(400, "invalid_grant");
    assert_eq!(replay.json()["error_description"], "authorization code already consumed");
    assert!(grant::find(&w.t.app, &grant_id).await.unwrap().is_none());
    w.userinfo(first["access_token"].as_str().unwrap()).await.assert_oauth_error(401, "invalid_token");
    w.refresh(first["refresh_token"].as_str().unwrap(), None).await.assert_oauth_error(400, "invalid_grant");
    // Tampered and expired codes.
    let (code, _) = w.authorize("openid", &pkce).await;
    let mut tampered = code.clone();
    tampered.replace_range(0..1, if code.starts_with('A') { "B" } else { "A" });
    w.redeem(&tampered, &pkce).await.assert_oauth_error(400, "invalid_grant");
    w.t.advance_secs(60);
    w.redeem(&code, &pkce).await.assert_oauth_error(400, "invalid_grant");
}

#[tokio::test]
async fn suspending_the_user_revokes_their_tokens() {
    let w = world().await;
    let pkce = Pkce::new();
    let (code, _) = w.authorize("openid offline_access", &pkce).await;
    let body = w.redeem(&code, &pkce).await.assert_status(200).json();
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    let api = w.refresh(&rt, Some(API)).await.assert_status(200).json();
    let jwt_at = api["access_token"].as_str().unwrap().to_owned();

    w.client
        .patch(&format!("/api/users/{}/is-suspended", w.user_id))
        .bearer(&w.admin_token)
        .json(&json!({"isSuspended": true}))
        .send()
        .await
        .assert_status(200);
    let grants = w.t.store.list(&edgeid_core::store::keys::account_grants(&w.user_id), None, 10).await.unwrap();
    assert!(grants.items.is_empty(), "the user's grants are gone");
    w.refresh(api["refresh_token"].as_str().unwrap(), None).await.assert_oauth_error(400, "invalid_grant");
    w.userinfo(body["access_token"].as_str().unwrap()).await.assert_oauth_error(401, "invalid_token");
    let introspected = w
        .client
        .post("/oidc/token/introspection")
        .basic_auth(&w.t.admin.id, &w.t.admin.secret)
        .form(&[("token", jwt_at.as_str())])
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(introspected, json!({"active": false}));
}
