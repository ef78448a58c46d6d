//! An end user manages their own account through the Account API, over the wire, on whatever
//! host `EDGEID_BLACKBOX_URL` names: an admin enables the account center (Management API), the
//! user signs in through the Experience API and the code grant, and the app calls
//! `/api/my-account*` and `/api/verifications/*` with the opaque access token. On Lambda (and on
//! Workers with one Worker per group) the settings, the sign-in, the token and the account
//! calls are four different functions sharing only the store.

use edgeid_tests::harness::account::{self, VERIFICATION_ID};
use edgeid_tests::harness::sign_in::{self, Authorization, Identifier};
use edgeid_tests::harness::{Client, Target, TestResponse};
use serde_json::{Value, json};

const SCOPE: &str = "openid offline_access profile email";

/// A user with a password (created through the Management API) and their opaque access token.
struct SignedIn {
    user: Value,
    password: String,
    token: String,
}

async fn signed_in_user(t: &Target, admin_token: &str, prefix: &str) -> SignedIn {
    let user = sign_in::create_user(&t.client, admin_token, &t.unique(prefix)).await;
    let password = user["password"].as_str().unwrap().to_owned();
    let username = user["username"].as_str().unwrap();
    let token = account::user_access_token(t, Identifier::Username(username), &password, SCOPE).await;
    SignedIn { user, password, token }
}

async fn my_account(t: &Target, token: &str) -> Value {
    t.client.get("/api/my-account").bearer(token).send().await.assert_status(200).json()
}

async fn patch_my_account(t: &Target, token: &str, body: Value, verification: Option<&str>) -> TestResponse {
    let mut request = t.client.patch("/api/my-account").bearer(token).json(&body);
    if let Some(id) = verification {
        request = request.header(VERIFICATION_ID, id);
    }
    request.send().await
}

async fn change_password(t: &Target, token: &str, password: &str, verification: Option<&str>) -> TestResponse {
    let mut request = t.client.post("/api/my-account/password").bearer(token).json(&json!({"password": password}));
    if let Some(id) = verification {
        request = request.header(VERIFICATION_ID, id);
    }
    request.send().await
}

#[tokio::test]
async fn a_user_reads_and_updates_their_account_with_the_opaque_access_token() {
    let t = Target::from_env();
    let admin_token = t.admin_token().await;
    let settings = account::enable_account_center(&t.client, &admin_token).await;
    assert_eq!(settings["enabled"], true, "{settings}");
    assert_eq!(settings["fields"]["name"], "Edit", "{settings}");
    assert_eq!(settings["fields"]["avatar"], "ReadOnly", "{settings}");
    let public = t.client.get("/api/.well-known/account-center").send().await.assert_status(200).json();
    assert_eq!(public["enabled"], true, "the sign-in UI reads the settings without a token: {public}");

    let me = signed_in_user(&t, &admin_token, "account").await;
    let user_id = me.user["id"].as_str().unwrap();

    // Read: the fields the token's scopes and the account center allow; any origin may call.
    // (Logto's koaCors: `*` without an Origin header, else that origin.)
    let response = t.client.get("/api/my-account").bearer(&me.token).send().await;
    assert_eq!(response.header("access-control-allow-origin"), Some("*"), "the Account API allows any origin");
    let origin = "https://app.example.com";
    let response = t.client.get("/api/my-account").bearer(&me.token).header("origin", origin).send().await;
    let allowed = response.header("access-control-allow-origin");
    assert!(allowed == Some(origin) || allowed == Some("*"), "an app on any origin may call it, got {allowed:?}");
    let profile = response.assert_status(200).json();
    assert_eq!(profile["id"], user_id, "{profile}");
    assert_eq!(profile["username"], me.user["username"], "{profile}");
    assert_eq!(profile["name"], me.user["name"], "{profile}");
    assert_eq!(profile["primaryEmail"], me.user["primaryEmail"], "email scope: {profile}");
    assert!(profile.get("passwordDigest").is_none(), "{profile}");
    assert!(profile.get("customData").is_none(), "no custom_data scope, no customData: {profile}");

    // The name needs no verification.
    let name = format!("Renamed {}", t.unique("n"));
    let updated = patch_my_account(&t, &me.token, json!({"name": name}), None).await;
    assert_eq!(updated.assert_status(200).json()["name"], name.as_str());
    assert_eq!(my_account(&t, &me.token).await["name"], name.as_str());

    // The username does: a password verification record, passed in `logto-verification-id`.
    let new_username = t.unique("renamed").replace('-', "_");
    patch_my_account(&t, &me.token, json!({"username": new_username}), None)
        .await
        .assert_api_error(401, "verification_record.permission_denied");
    account::verify_password(&t.client, &me.token, "not-the-password-1")
        .await
        .assert_api_error(422, "session.invalid_credentials");
    let record = account::verification_record_id(&account::verify_password(&t.client, &me.token, &me.password).await);
    let updated = patch_my_account(&t, &me.token, json!({"username": new_username}), Some(&record)).await;
    assert_eq!(updated.assert_status(200).json()["username"], new_username.as_str());

    // The password too; afterwards only the new one verifies.
    let new_password = format!("{}-new", me.password);
    change_password(&t, &me.token, &new_password, None)
        .await
        .assert_api_error(401, "verification_record.permission_denied");
    change_password(&t, &me.token, &new_password, Some(&record)).await.assert_status(204);
    account::verify_password(&t.client, &me.token, &me.password)
        .await
        .assert_api_error(422, "session.invalid_credentials");
    account::verification_record_id(&account::verify_password(&t.client, &me.token, &new_password).await);

    // The Management API sees the same user, and the next sign-in uses the new credentials.
    let admin_view =
        t.client.get(&format!("/api/users/{user_id}")).bearer(&admin_token).send().await.assert_status(200).json();
    assert_eq!(admin_view["username"], new_username.as_str(), "{admin_view}");
    assert_eq!(admin_view["name"], name.as_str(), "{admin_view}");
    let token = account::user_access_token(&t, Identifier::Username(&new_username), &new_password, SCOPE).await;
    assert_eq!(my_account(&t, &token).await["username"], new_username.as_str());
}

#[tokio::test]
async fn read_only_fields_and_missing_or_foreign_verifications_are_refused_and_change_nothing() {
    let t = Target::from_env();
    let admin_token = t.admin_token().await;
    account::enable_account_center(&t.client, &admin_token).await;
    let me = signed_in_user(&t, &admin_token, "guarded").await;
    let other = signed_in_user(&t, &admin_token, "stranger").await;
    let before = my_account(&t, &me.token).await;

    // `avatar` is ReadOnly: readable, not writable.
    assert!(before.get("avatar").is_some(), "a ReadOnly field is returned: {before}");
    patch_my_account(&t, &me.token, json!({"avatar": "https://example.com/me.png"}), None)
        .await
        .assert_api_error(400, "account_center.field_not_editable");

    // No record, an unknown record, or another user's record: 401, nothing written.
    let theirs =
        account::verification_record_id(&account::verify_password(&t.client, &other.token, &other.password).await);
    let new_username = t.unique("takeover").replace('-', "_");
    for verification in [None, Some("no-such-verification-record"), Some(theirs.as_str())] {
        patch_my_account(&t, &me.token, json!({"username": new_username}), verification)
            .await
            .assert_api_error(401, "verification_record.permission_denied");
        change_password(&t, &me.token, "Another-password-1", verification)
            .await
            .assert_api_error(401, "verification_record.permission_denied");
    }
    assert_eq!(my_account(&t, &me.token).await, before, "refused writes change nothing");
    account::verification_record_id(&account::verify_password(&t.client, &me.token, &me.password).await);
    // The other user's record still works for its owner.
    let updated = patch_my_account(&t, &other.token, json!({"username": new_username}), Some(&theirs)).await;
    assert_eq!(updated.assert_status(200).json()["username"], new_username.as_str());

    // Tokens: none, a Management API JWT, a made-up string — all 401, never the account.
    t.client.get("/api/my-account").send().await.assert_api_error(401, "auth.authorization_header_missing");
    t.client.get("/api/my-account").bearer(&admin_token).send().await.assert_api_error(401, "auth.unauthorized");
    t.client.get("/api/my-account").bearer("not-a-token").send().await.assert_api_error(401, "auth.unauthorized");
}

/// Password sign-in up to the submit that MFA stops: returns the browser and its authorization.
async fn sign_in_until_mfa(t: &Target, username: &str, password: &str) -> (Client, Authorization) {
    let browser = t.client.fresh();
    let authorization = Authorization::demo_app_at(&t.endpoint().await);
    sign_in::open_authorization(&browser, &authorization).await;
    browser.put("/api/experience").json(&json!({"interactionEvent": "SignIn"})).send().await.assert_status(204);
    let verification = browser
        .post("/api/experience/verification/password")
        .json(&json!({"identifier": Identifier::Username(username).json(), "password": password}))
        .send()
        .await;
    let verification_id = verification.assert_status(200).str_field("verificationId");
    browser
        .post("/api/experience/identification")
        .json(&json!({"verificationId": verification_id}))
        .send()
        .await
        .assert_status(204);
    browser.post("/api/experience/submit").send().await.assert_api_error(403, "session.mfa.require_mfa_verification");
    (browser, authorization)
}

async fn verify_totp(browser: &Client, code: &str) -> TestResponse {
    browser.post("/api/experience/verification/totp/verify").json(&json!({"code": code})).send().await
}

#[tokio::test]
async fn a_user_binds_an_authenticator_app_through_the_account_api_and_needs_it_to_sign_in() {
    let t = Target::from_env();
    let admin_token = t.admin_token().await;
    account::enable_account_center(&t.client, &admin_token).await;
    // TOTP enabled in the sign-in experience, no prompt for users without a factor (Logto's
    // `enableAllUserControlledMfaFactors` shape), so the rest of the suite is unaffected.
    let sie = t
        .client
        .patch("/api/sign-in-exp")
        .bearer(&admin_token)
        .json(&json!({"mfa": {"factors": ["Totp"], "policy": "NoPrompt"}}))
        .send()
        .await;
    assert_eq!(sie.assert_status(200).json()["mfa"]["factors"], json!(["Totp"]));

    let user = sign_in::create_user(&t.client, &admin_token, &t.unique("mfa")).await;
    let (user_id, username, password) =
        (user["id"].as_str().unwrap(), user["username"].as_str().unwrap(), user["password"].as_str().unwrap());
    let token =
        account::user_access_token(&t, Identifier::Username(username), password, "openid profile identities").await;
    let mfa = |path: &str| format!("/api/my-account/mfa-verifications{path}");
    let listed = t.client.get(&mfa("")).bearer(&token).send().await.assert_status(200).json();
    assert_eq!(listed, json!([]), "no factor yet");

    // The app asks for a secret, the user's authenticator computes codes from it.
    let generated = t.client.post(&mfa("/totp-secret/generate")).bearer(&token).send().await;
    let secret = generated.assert_status(200).str_field("secret");
    let record = account::verification_record_id(&account::verify_password(&t.client, &token, password).await);
    let bind = |body: Value, verification: Option<String>| {
        let mut request = t.client.post(&mfa("")).bearer(&token).json(&body);
        if let Some(id) = verification {
            request = request.header(VERIFICATION_ID, &id);
        }
        request.send()
    };
    let now = edgeid_tests::harness::totp::now();
    let code = edgeid_tests::harness::totp::code_at(&secret, now);
    bind(json!({"type": "Totp", "secret": secret, "code": code}), None)
        .await
        .assert_api_error(401, "verification_record.permission_denied");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    bind(json!({"type": "Totp", "secret": secret, "code": wrong}), Some(record.clone()))
        .await
        .assert_api_error(400, "session.mfa.invalid_totp_code");
    assert_eq!(t.client.get(&mfa("")).bearer(&token).send().await.json(), json!([]), "a refused bind binds nothing");
    bind(json!({"type": "Totp", "secret": secret, "code": code}), Some(record.clone())).await.assert_status(204);
    bind(json!({"type": "Totp", "secret": secret}), Some(record.clone()))
        .await
        .assert_api_error(422, "user.totp_already_in_use");
    let listed = t.client.get(&mfa("")).bearer(&token).send().await.assert_status(200).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["type"], "Totp", "{listed}");
    assert!(
        listed[0].get("key").is_none() && !listed.to_string().contains(&secret),
        "the secret is never listed: {listed}"
    );
    let factor_id = listed[0]["id"].as_str().unwrap().to_owned();
    let admin_view = t.client.get(&format!("/api/users/{user_id}/mfa-verifications")).bearer(&admin_token).send().await;
    assert_eq!(admin_view.assert_status(200).json()[0]["id"], factor_id.as_str(), "the Management API sees it");

    // The next sign-in stops at submit until the authenticator's code is given; the next
    // step's code (valid ±1 step) is used so the bind's code cannot make it a replay.
    let (browser, authorization) = sign_in_until_mfa(&t, username, password).await;
    verify_totp(&browser, wrong).await.assert_api_error(400, "session.mfa.invalid_totp_code");
    let next = edgeid_tests::harness::totp::code_at(&secret, now + 30);
    verify_totp(&browser, &next).await.assert_status(200);
    let submit = browser.post("/api/experience/submit").send().await;
    let redirect_to = submit.assert_status(200).str_field("redirectTo");
    let callback = sign_in::finish_authorization(&browser, &redirect_to, &authorization).await;
    sign_in::exchange_code(&t.client.fresh(), &authorization, &callback.code()).await.assert_status(200);

    // The same code again, in another sign-in: a replay, refused.
    let (browser, _) = sign_in_until_mfa(&t, username, password).await;
    verify_totp(&browser, &next).await.assert_api_error(400, "session.mfa.invalid_totp_code");

    // Removing the factor needs a verification too; afterwards the password alone signs in.
    let remove = t.client.delete(&mfa(&format!("/{factor_id}"))).bearer(&token);
    remove.send().await.assert_api_error(401, "verification_record.permission_denied");
    let remove = t.client.delete(&mfa(&format!("/{factor_id}"))).bearer(&token).header(VERIFICATION_ID, &record);
    remove.send().await.assert_status(204);
    assert_eq!(t.client.get(&mfa("")).bearer(&token).send().await.json(), json!([]));
    account::user_access_token(&t, Identifier::Username(username), password, SCOPE).await;
}
