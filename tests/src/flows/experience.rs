//! Experience API journeys across groups, in-process: `/oidc/auth` → the Experience API →
//! `/oidc/auth/<uid>` → consent → code → tokens, for sign-in with a password, registration
//! with an emailed code (read from Logto's mock email connector record, as Logto's integration
//! tests do) and forgot-password; plus the bad input a browser can send.

use std::sync::Arc;

use edgeid_core::domain::connector::{self, ConnectorRecord, ConnectorType};
use edgeid_core::domain::interaction;
use edgeid_core::domain::sign_in_experience::{self, SignInExperience};
use edgeid_core::ports::{MemoryMockMessages, MockMessageKind};
use edgeid_tests::harness::sign_in::{
    self, Authorization, Identifier, exchange_code, finish_authorization, open_authorization, sign_in_with_password,
};
use edgeid_tests::harness::{Client, TestApp};
use serde_json::{Value, json};

const PASSWORD: &str = "Experience-fl0w!";

/// A bootstrapped app whose mock email connector writes into `outlet`.
async fn app_with_mock_email() -> (TestApp, Arc<MemoryMockMessages>) {
    let mut t = TestApp::bootstrapped().await;
    let outlet = Arc::new(MemoryMockMessages::default());
    Arc::get_mut(&mut t.app).expect("no other handle yet").mock_messages = Some(outlet.clone());
    let mut record = ConnectorRecord::new("mock-email".into(), "mock-email-service".into(), ConnectorType::Email, 1);
    // Logto's mock email connector, configured with its own config template.
    let config: Value = serde_json::from_str(include_str!(
        "../../../shared/core/src/connectors/assets/mock-email.config-template.json"
    ))
    .expect("template");
    record.config = config.as_object().cloned().expect("object");
    connector::insert(t.app.store.as_ref(), &record).await.expect("connector");
    (t, outlet)
}

/// Change the stored sign-in experience (top-level fields).
async fn set_sie(t: &TestApp, patch: Value) {
    let current = sign_in_experience::find_versioned(t.app.store.as_ref()).await.expect("read");
    let base = current.as_ref().map(|v| v.value.clone()).unwrap_or_else(SignInExperience::logto_default);
    let mut json = serde_json::to_value(base).expect("json");
    for (k, v) in patch.as_object().expect("object") {
        json[k] = v.clone();
    }
    let next: SignInExperience = serde_json::from_value(json).expect("valid sign-in experience");
    sign_in_experience::update(t.app.store.as_ref(), current.as_ref(), &next).await.expect("update");
}

/// A Management API token from the bootstrap app.
async fn admin_token(client: &Client, t: &TestApp) -> String {
    let form = [
        ("grant_type", "client_credentials"),
        ("resource", edgeid_core::config::MANAGEMENT_API_INDICATOR),
        ("scope", "all"),
    ];
    let response = client.post("/oidc/token").basic_auth(&t.admin.id, &t.admin.secret).form(&form).send().await;
    response.assert_status(200).str_field("access_token")
}

fn last_code(outlet: &MemoryMockMessages, to: &str, template: &str) -> String {
    let record = outlet.last(MockMessageKind::Email).expect("an email was sent");
    assert_eq!(record["address"], to, "{record}");
    assert_eq!(record["type"], template, "{record}");
    record["code"].as_str().expect("code").to_owned()
}

async fn tokens_for(client: &Client, authorization: &Authorization, redirect_to: &str) -> Value {
    let callback = finish_authorization(client, redirect_to, authorization).await;
    assert_eq!(callback.param("state"), Some(authorization.state.as_str()));
    let tokens = exchange_code(client, authorization, &callback.code()).await;
    tokens.assert_status(200);
    tokens.json()
}

async fn userinfo(client: &Client, access_token: &str) -> Value {
    let me = client.get("/oidc/me").bearer(access_token).send().await;
    me.assert_status(200);
    me.json()
}

#[tokio::test]
async fn password_sign_in_from_authorization_request_to_tokens() {
    let t = TestApp::bootstrapped().await;
    let client = t.client();
    let token = admin_token(&client, &t).await;
    let user = sign_in::create_user(&client, &token, "exp-alice").await;
    let username = user["username"].as_str().unwrap();
    let password = user["password"].as_str().unwrap();
    let authorization = Authorization::demo_app(&client);
    open_authorization(&client, &authorization).await;

    // A wrong password is refused without recording anything.
    client.put("/api/experience").json(&json!({"interactionEvent": "SignIn"})).send().await.assert_status(204);
    client
        .post("/api/experience/verification/password")
        .json(&json!({"identifier": {"type": "username", "value": username}, "password": "wrong"}))
        .send()
        .await
        .assert_api_error(422, "session.invalid_credentials");
    let state = client.get("/api/experience/interaction").send().await;
    assert_eq!(state.assert_status(200).json()["verificationRecords"], json!([]));

    let redirect_to = sign_in_with_password(&client, Identifier::Username(username), password).await;
    let tokens = tokens_for(&client, &authorization, &redirect_to).await;
    let me = userinfo(&client, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(me["sub"], user["id"]);

    // The interaction is finished: its id cannot be resumed or used again.
    client.get("/api/experience/interaction").send().await.assert_api_error(400, "session.not_found");
}

#[tokio::test]
async fn register_with_an_emailed_code_then_sign_in_again_by_password() {
    let (t, outlet) = app_with_mock_email().await;
    set_sie(&t, json!({ "signUp": { "identifiers": ["email"], "password": true, "verify": true } })).await;
    let client = t.client();
    let authorization = Authorization::demo_app(&client);
    open_authorization(&client, &authorization).await;
    client.put("/api/experience").json(&json!({"interactionEvent": "Register"})).send().await.assert_status(204);
    let email = "new.user@example.com";
    let sent = client
        .post("/api/experience/verification/verification-code")
        .json(&json!({"identifier": {"type": "email", "value": email}, "interactionEvent": "Register"}))
        .send()
        .await;
    let verification_id = sent.assert_status(200).str_field("verificationId");
    let code = last_code(&outlet, email, "Register");
    client
        .post("/api/experience/verification/verification-code/verify")
        .json(
            &json!({"identifier": {"type": "email", "value": email}, "verificationId": verification_id, "code": code}),
        )
        .send()
        .await
        .assert_status(200);
    let missing =
        client.post("/api/experience/identification").json(&json!({"verificationId": verification_id})).send().await;
    missing.assert_api_error(422, "user.missing_profile");
    assert_eq!(missing.json()["data"], json!({"missingProfile": ["password"]}));
    client
        .post("/api/experience/profile")
        .json(&json!({"type": "password", "value": PASSWORD}))
        .send()
        .await
        .assert_status(204);
    client.post("/api/experience/identification").json(&json!({})).send().await.assert_status(201);
    let redirect_to = client.post("/api/experience/submit").send().await.assert_status(200).str_field("redirectTo");
    let tokens = tokens_for(&client, &authorization, &redirect_to).await;
    let me = userinfo(&client, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(me["email"], email, "{me}");

    // The new account signs in with its email and password in a fresh browser.
    set_sie(&t, json!({ "signIn": { "methods": [{"identifier": "email", "password": true, "verificationCode": false, "isPasswordPrimary": true}] } })).await;
    let browser = client.fresh();
    let again = Authorization::demo_app(&browser);
    open_authorization(&browser, &again).await;
    let redirect_to = sign_in_with_password(&browser, Identifier::Email(email), PASSWORD).await;
    let tokens = tokens_for(&browser, &again, &redirect_to).await;
    assert_eq!(userinfo(&browser, tokens["access_token"].as_str().unwrap()).await["sub"], me["sub"]);
}

#[tokio::test]
async fn forgot_password_with_an_emailed_code_then_sign_in_with_the_new_one() {
    let (t, outlet) = app_with_mock_email().await;
    set_sie(&t, json!({ "forgotPasswordMethods": ["EmailVerificationCode"] })).await;
    let client = t.client();
    let token = admin_token(&client, &t).await;
    let user = sign_in::create_user(&client, &token, "exp-forgetful").await;
    let email = user["primaryEmail"].as_str().unwrap();
    let username = user["username"].as_str().unwrap();

    let authorization = Authorization::demo_app(&client);
    open_authorization(&client, &authorization).await;
    client.put("/api/experience").json(&json!({"interactionEvent": "ForgotPassword"})).send().await.assert_status(204);
    let sent = client
        .post("/api/experience/verification/verification-code")
        .json(&json!({"identifier": {"type": "email", "value": email}, "interactionEvent": "ForgotPassword"}))
        .send()
        .await;
    let verification_id = sent.assert_status(200).str_field("verificationId");
    let code = last_code(&outlet, email, "ForgotPassword");
    client
        .post("/api/experience/verification/verification-code/verify")
        .json(
            &json!({"identifier": {"type": "email", "value": email}, "verificationId": verification_id, "code": code}),
        )
        .send()
        .await
        .assert_status(200);
    client
        .post("/api/experience/identification")
        .json(&json!({"verificationId": verification_id}))
        .send()
        .await
        .assert_status(204);
    client
        .put("/api/experience/profile/password")
        .json(&json!({"password": "short"}))
        .send()
        .await
        .assert_api_error(422, "password.rejected");
    client.put("/api/experience/profile/password").json(&json!({"password": PASSWORD})).send().await.assert_status(204);
    client.post("/api/experience/submit").send().await.assert_status(204);

    // The old password no longer works; the new one does, in the same browser's next attempt.
    client.put("/api/experience").json(&json!({"interactionEvent": "SignIn"})).send().await.assert_status(204);
    client
        .post("/api/experience/verification/password")
        .json(&json!({"identifier": {"type": "username", "value": username}, "password": user["password"]}))
        .send()
        .await
        .assert_api_error(422, "session.invalid_credentials");
    let redirect_to = sign_in_with_password(&client, Identifier::Username(username), PASSWORD).await;
    tokens_for(&client, &authorization, &redirect_to).await;
}

#[tokio::test]
async fn tampered_or_expired_interactions_and_wrong_verification_ids_answer_logto_codes() {
    let t = TestApp::bootstrapped().await;
    let client = t.client();
    let authorization = Authorization::demo_app(&client);
    open_authorization(&client, &authorization).await;
    client.put("/api/experience").json(&json!({"interactionEvent": "SignIn"})).send().await.assert_status(204);

    client
        .post("/api/experience/identification")
        .json(&json!({"verificationId": "x".repeat(21)}))
        .send()
        .await
        .assert_api_error(404, "session.verification_session_not_found");
    client
        .post("/api/experience/verification/password")
        .body("{\"identifier\":", "application/json")
        .send()
        .await
        .assert_api_error(400, "guard.invalid_input");

    // A tampered cookie value (signature no longer matches) is no interaction at all.
    let original = client.cookie(interaction::COOKIE).expect("cookie");
    let tampered = client.fresh();
    tampered.set_cookie(interaction::COOKIE, &original.replace('a', "b"));
    if let Some(sig) = client.cookie("_interaction.sig") {
        tampered.set_cookie("_interaction.sig", &sig);
    }
    tampered.get("/api/experience/interaction").send().await.assert_api_error(400, "session.not_found");

    // After an hour the interaction is gone.
    t.advance_secs(3600);
    client.get("/api/experience/interaction").send().await.assert_api_error(400, "session.not_found");
    client.post("/api/experience/submit").send().await.assert_api_error(400, "session.not_found");
}
