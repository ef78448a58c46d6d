//! MFA across groups, in-process: an admin enables TOTP + backup codes in the sign-in
//! experience and gives a user an authenticator through the Management API; the user signs in
//! with a password, is stopped by `session.mfa.require_mfa_verification`, enters the code an
//! authenticator app shows (computed by the harness's own RFC 6238, not the server's) and
//! gets tokens. The same code is refused in the next sign-in; wrong codes lock the MFA pool
//! only, never password sign-in.

use edgeid_tests::harness::sign_in::{self, Authorization, exchange_code, finish_authorization, open_authorization};
use edgeid_tests::harness::totp;
use edgeid_tests::harness::{Client, TestApp, TestResponse};
use serde_json::{Value, json};

async fn admin_token(client: &Client, t: &TestApp) -> String {
    let form = [
        ("grant_type", "client_credentials"),
        ("resource", edgeid_core::config::MANAGEMENT_API_INDICATOR),
        ("scope", "all"),
    ];
    let response = client.post("/oidc/token").basic_auth(&t.admin.id, &t.admin.secret).form(&form).send().await;
    response.assert_status(200).str_field("access_token")
}

/// Password verification + identification; answers the submit response.
async fn password_then_submit(client: &Client, username: &str, password: &str) -> TestResponse {
    client.put("/api/experience").json(&json!({"interactionEvent": "SignIn"})).send().await.assert_status(204);
    let verification = client
        .post("/api/experience/verification/password")
        .json(&json!({"identifier": {"type": "username", "value": username}, "password": password}))
        .send()
        .await;
    let verification_id = verification.assert_status(200).str_field("verificationId");
    client
        .post("/api/experience/identification")
        .json(&json!({"verificationId": verification_id}))
        .send()
        .await
        .assert_status(204);
    client.post("/api/experience/submit").send().await
}

fn code(t: &TestApp, secret: &str) -> String {
    use edgeid_core::ports::Clock as _;
    totp::code_at(secret, u64::try_from(t.clock.now_ms() / 1000).unwrap())
}

#[tokio::test]
async fn password_then_totp_then_tokens_and_the_code_is_single_use() {
    let t = TestApp::bootstrapped().await;
    let admin = t.client();
    let token = admin_token(&admin, &t).await;
    admin
        .patch("/api/sign-in-exp")
        .bearer(&token)
        .json(&json!({"mfa": {"factors": ["Totp", "BackupCode"], "policy": "UserControlled"},
                      "sentinelPolicy": {"maxAttempts": 3, "lockoutDuration": 10}}))
        .send()
        .await
        .assert_status(200);
    let user = sign_in::create_user(&admin, &token, "mfa-alice").await;
    let (username, password) = (user["username"].as_str().unwrap(), user["password"].as_str().unwrap());
    let factors = format!("/api/users/{}/mfa-verifications", user["id"].as_str().unwrap());
    let added = admin.post(&factors).bearer(&token).json(&json!({"type": "Totp"})).send().await;
    let secret = added.assert_status(200).str_field("secret");
    assert!(added.json()["secretQrCode"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
    // The policy lists backup codes too, so the user needs a set (shown once, stored hashed).
    let codes = admin.post(&factors).bearer(&token).json(&json!({"type": "BackupCode"})).send().await;
    assert_eq!(codes.assert_status(200).json()["codes"].as_array().unwrap().len(), 10);

    // Password alone: 403 with what the user can verify with.
    let browser = t.client();
    let authorization = Authorization::demo_app(&browser);
    open_authorization(&browser, &authorization).await;
    let submit = password_then_submit(&browser, username, password).await;
    submit.assert_api_error(403, "session.mfa.require_mfa_verification");
    assert_eq!(submit.json()["data"], json!({"availableFactors": ["Totp", "BackupCode"], "maskedIdentifiers": {}}));

    let now = code(&t, &secret);
    browser
        .post("/api/experience/verification/totp/verify")
        .json(&json!({"code": now}))
        .send()
        .await
        .assert_status(200);
    let submit = browser.post("/api/experience/submit").send().await;
    let redirect_to = submit.assert_status(200).str_field("redirectTo");
    let callback = finish_authorization(&browser, &redirect_to, &authorization).await;
    let tokens = exchange_code(&browser, &authorization, &callback.code()).await;
    let access_token = tokens.assert_status(200).str_field("access_token");
    let me = browser.get("/oidc/me").bearer(&access_token).send().await;
    assert_eq!(me.assert_status(200).json()["sub"], user["id"]);

    // Another sign-in within the same 30 s: the code is spent.
    let again = t.client();
    open_authorization(&again, &Authorization::demo_app(&again)).await;
    password_then_submit(&again, username, password)
        .await
        .assert_api_error(403, "session.mfa.require_mfa_verification");
    let replay = again.post("/api/experience/verification/totp/verify").json(&json!({"code": now})).send().await;
    replay.assert_api_error(400, "session.mfa.invalid_totp_code");

    // Failures lock the MFA pool (3 here: the replay, a wrong code, and the third failure
    // blocks) …
    let verify =
        |code: String| again.post("/api/experience/verification/totp/verify").json(&json!({"code": code})).send();
    verify("000000".into()).await.assert_api_error(400, "session.mfa.invalid_totp_code");
    verify("000000".into()).await.assert_api_error(400, "session.verification_blocked_too_many_attempts");
    // … even the right code, later, while the block lasts …
    t.advance_secs(30);
    let locked =
        again.post("/api/experience/verification/totp/verify").json(&json!({"code": code(&t, &secret)})).send().await;
    locked.assert_api_error(400, "session.verification_blocked_too_many_attempts");
    // … but not password sign-in: the password still verifies in a fresh interaction.
    let fresh = t.client();
    open_authorization(&fresh, &Authorization::demo_app(&fresh)).await;
    password_then_submit(&fresh, username, password)
        .await
        .assert_api_error(403, "session.mfa.require_mfa_verification");

    // The admin sees the factor without its secret.
    let listed: Value = admin.get(&factors).bearer(&token).send().await.assert_status(200).json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!((listed[0]["type"].as_str(), listed[1]["remainCodes"].as_u64()), (Some("Totp"), Some(10)));
    assert!(!listed.to_string().contains(&secret));
}
