//! The end-user sign-in in-process (memory store, a clock the test moves): the same hops as the
//! black-box journey, plus what needs time travel — codes live 60 s, interactions 1 h, refresh
//! tokens 14 days — and a confidential web app.

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_tests::harness::sign_in::{self, Authorization, Identifier};
use edgeid_tests::harness::{Client, TestApp};
use serde_json::{Value, json};

async fn admin_token(t: &TestApp, client: &Client) -> String {
    let response = client
        .post("/oidc/token")
        .basic_auth(&t.admin.id, &t.admin.secret)
        .form(&[("grant_type", "client_credentials"), ("resource", MANAGEMENT_API_INDICATOR), ("scope", "all")])
        .send()
        .await;
    response.assert_status(200).str_field("access_token")
}

/// A bootstrapped app, an admin token and a user (JSON + `password`).
async fn app_with_user() -> (TestApp, String, Value) {
    let t = TestApp::bootstrapped().await;
    let token = admin_token(&t, &t.client()).await;
    let user = sign_in::create_user(&t.client(), &token, "flow_user").await;
    (t, token, user)
}

fn username(user: &Value) -> Identifier<'_> {
    Identifier::Username(user["username"].as_str().unwrap())
}

fn password(user: &Value) -> &str {
    user["password"].as_str().unwrap()
}

#[tokio::test]
async fn the_demo_app_gets_a_code_that_lives_sixty_seconds() {
    let (t, _, user) = app_with_user().await;
    let browser = t.client();
    let authorization = Authorization::demo_app_at(TestApp::ENDPOINT);
    let callback = sign_in::sign_in(&browser, &authorization, username(&user), password(&user)).await;

    // 61 s later the code is expired (Logto's AuthorizationCode TTL is 60 s).
    t.advance_secs(61);
    sign_in::exchange_code(&t.client(), &authorization, &callback.code())
        .await
        .assert_oauth_error(400, "invalid_grant");

    // A fresh sign-in in the same browser reuses the session (no sign-in page) and its code
    // works within the minute.
    let again = Authorization::demo_app_at(TestApp::ENDPOINT);
    let resumed = browser.get(&again.path()).send().await;
    resumed.assert_status(303);
    let mut to = resumed.header("location").unwrap().to_owned();
    assert!(!to.starts_with("/sign-in"), "a live session skips the sign-in page: {to}");
    for _ in 0..4 {
        if to.starts_with(&again.redirect_uri) {
            break;
        }
        let next = browser.get(&sign_in::local_path(TestApp::ENDPOINT, &to)).send().await;
        assert!(matches!(next.status.as_u16(), 302 | 303), "{}: {}", next.status, next.text());
        to = next.header("location").unwrap().to_owned();
    }
    assert!(to.starts_with(&again.redirect_uri), "{to}");
    let code = serde_urlencoded::from_str::<Vec<(String, String)>>(to.split_once('?').unwrap().1)
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1;
    t.advance_secs(59);
    let tokens = sign_in::exchange_code(&t.client(), &again, &code).await;
    assert_eq!(tokens.assert_status(200).json()["token_type"], "Bearer");
}

#[tokio::test]
async fn an_interaction_left_for_an_hour_is_gone() {
    let (t, _, user) = app_with_user().await;
    let browser = t.client();
    let authorization = Authorization::demo_app_at(TestApp::ENDPOINT);
    sign_in::open_authorization(&browser, &authorization).await;
    browser.put("/api/experience").json(&json!({"interactionEvent": "SignIn"})).send().await.assert_status(204);

    t.advance_secs(3601);
    let late = browser
        .post("/api/experience/verification/password")
        .json(&json!({"identifier": username(&user).json(), "password": password(&user)}))
        .send()
        .await;
    late.assert_api_error(400, "session.not_found");
}

#[tokio::test]
async fn refresh_tokens_work_for_fourteen_days_then_stop() {
    let (t, _, user) = app_with_user().await;
    let browser = t.client();
    let authorization = Authorization::demo_app_at(TestApp::ENDPOINT);
    let callback = sign_in::sign_in(&browser, &authorization, username(&user), password(&user)).await;
    let app = t.client();
    let tokens = sign_in::exchange_code(&app, &authorization, &callback.code()).await.assert_status(200).json();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();

    t.advance_secs(13 * 24 * 3600);
    let refreshed = sign_in::refresh(&app, sign_in::DEMO_APP, &refresh_token).await.assert_status(200).json();
    let rotated = refreshed["refresh_token"].as_str().unwrap().to_owned();

    // A public SPA's rotated token keeps the remaining lifetime (Logto's oidc/defaults.ts
    // refreshTokenTtl: no endless life through rotation): two more days and it is over.
    t.advance_secs(2 * 24 * 3600);
    sign_in::refresh(&app, sign_in::DEMO_APP, &rotated).await.assert_oauth_error(400, "invalid_grant");
}

#[tokio::test]
async fn a_confidential_web_app_signs_a_user_in_with_its_secret() {
    let (t, token, user) = app_with_user().await;
    let admin = t.client();
    let redirect_uri = "https://web.example.com/callback";
    let created = admin
        .post("/api/applications")
        .bearer(&token)
        .json(&json!({"name": "web", "type": "Traditional", "oidcClientMetadata": {"redirectUris": [redirect_uri], "postLogoutRedirectUris": []}}))
        .send()
        .await;
    let created = created.assert_status(200).json();
    let (id, secret) = (created["id"].as_str().unwrap(), created["secret"].as_str().unwrap());

    // Logto's default sign-in experience signs in by username only; allow email + password.
    let password_method = |identifier: &str| json!({"identifier": identifier, "password": true, "verificationCode": false, "isPasswordPrimary": true});
    let methods = json!({"signIn": {"methods": [password_method("username"), password_method("email")]}});
    admin.patch("/api/sign-in-exp").bearer(&token).json(&methods).send().await.assert_status(200);

    let browser = t.client();
    let mut authorization = Authorization::for_client(TestApp::ENDPOINT, id, redirect_uri);
    authorization.pkce = None; // PKCE is optional for confidential clients
    let callback = sign_in::sign_in(
        &browser,
        &authorization,
        Identifier::Email(user["primaryEmail"].as_str().unwrap()),
        password(&user),
    )
    .await;

    let app = t.client();
    let code = callback.code();
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", redirect_uri)];
    // Naming itself without its secret is not enough (node-oidc-provider: the mechanism does
    // not match the registered one); with the secret: tokens.
    let unauthenticated = [form.as_slice(), &[("client_id", id)]].concat();
    app.post("/oidc/token").form(&unauthenticated).send().await.assert_oauth_error(401, "invalid_client");
    let tokens = app.post("/oidc/token").basic_auth(id, secret).form(&form).send().await;
    let tokens = tokens.assert_status(200).json();
    let me = app.get("/oidc/me").bearer(tokens["access_token"].as_str().unwrap()).send().await;
    assert_eq!(me.assert_status(200).json()["sub"], user["id"]);
}
