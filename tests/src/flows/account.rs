//! The Account API across groups, as an app built for Logto uses it: an admin turns the account
//! center on (Management API); the user signs in through `/oidc/auth` and the Experience API;
//! the app exchanges the code for an opaque access token (no resource) and the user manages
//! their account with it — a password verification record, a username change, a new password —
//! then signs in again with what they changed. Revoking the token ends its access.

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_tests::harness::sign_in::{self, Authorization, Identifier};
use edgeid_tests::harness::{Client, TestApp};
use serde_json::json;

async fn admin_token(t: &TestApp, client: &Client) -> String {
    let response = client
        .post("/oidc/token")
        .basic_auth(&t.admin.id, &t.admin.secret)
        .form(&[("grant_type", "client_credentials"), ("resource", MANAGEMENT_API_INDICATOR), ("scope", "all")])
        .send()
        .await;
    response.assert_status(200).str_field("access_token")
}

/// Sign in as the demo app with `scope` and return the token response's access token.
async fn access_token(t: &TestApp, username: &str, password: &str, scope: &str) -> String {
    let browser = t.client();
    let mut authorization = Authorization::demo_app_at(TestApp::ENDPOINT);
    authorization.scope = scope.to_owned();
    let callback = sign_in::sign_in(&browser, &authorization, Identifier::Username(username), password).await;
    let tokens = sign_in::exchange_code(&t.client(), &authorization, &callback.code()).await;
    let token = tokens.assert_status(200).str_field("access_token");
    assert!(!token.contains('.'), "without a resource the access token is opaque: {token}");
    token
}

#[tokio::test]
async fn a_signed_in_user_manages_their_account_with_the_opaque_token() {
    let t = TestApp::bootstrapped().await;
    let api = t.client();
    let admin = admin_token(&t, &api).await;
    let user = sign_in::create_user(&api, &admin, "account_user").await;
    let (username, password) = (user["username"].as_str().unwrap(), user["password"].as_str().unwrap());
    let token = access_token(&t, username, password, "openid offline_access profile email custom_data").await;

    // Off by default, as in Logto's user tenants.
    api.get("/api/my-account").bearer(&token).send().await.assert_api_error(400, "account_center.not_enabled");
    let fields =
        json!({"name": "Edit", "username": "Edit", "email": "ReadOnly", "password": "Edit", "customData": "Edit"});
    let settings =
        api.patch("/api/account-center").bearer(&admin).json(&json!({"enabled": true, "fields": fields})).send().await;
    settings.assert_status(200);

    let me = api.get("/api/my-account").bearer(&token).send().await;
    let me = me.assert_status(200).json();
    assert_eq!((me["id"].as_str(), me["username"].as_str()), (user["id"].as_str(), Some(username)));
    assert_eq!(me["primaryEmail"], user["primaryEmail"]);
    assert_eq!((me["hasPassword"].as_bool(), me["hasSecurityVerificationMethod"].as_bool()), (Some(true), Some(true)));
    assert!(me.get("identities").is_none(), "no identities scope, no identities: {me}");

    // Email is read-only here: shown, not changeable.
    let patch =
        api.patch("/api/my-account").bearer(&token).json(&json!({"name": "Renamed", "customData": {"plan": "pro"}}));
    let changed = patch.send().await.assert_status(200).json();
    assert_eq!((changed["name"].as_str(), &changed["customData"]), (Some("Renamed"), &json!({"plan": "pro"})));

    // A username change needs a fresh proof of identity.
    let new_username = format!("{username}_2");
    let rename = || api.patch("/api/my-account").bearer(&token).json(&json!({"username": new_username}));
    rename().send().await.assert_api_error(401, "verification_record.permission_denied");
    let record =
        api.post("/api/verifications/password").bearer(&token).json(&json!({"password": password})).send().await;
    let record = record.assert_status(201).json();
    let record_id = record["verificationRecordId"].as_str().unwrap().to_owned();
    assert!(record["expiresAt"].as_str().unwrap().ends_with('Z'), "{record}");
    let renamed = rename().header("logto-verification-id", &record_id).send().await.assert_status(200).json();
    assert_eq!(renamed["username"], new_username.as_str());

    let new_password = "A-brand-new-passphrase-7";
    let change = api.post("/api/my-account/password").bearer(&token).header("logto-verification-id", &record_id);
    change.json(&json!({"password": new_password})).send().await.assert_status(204);

    // The old name and password are gone; the new ones sign in.
    let browser = t.client();
    sign_in::open_authorization(&browser, &Authorization::demo_app_at(TestApp::ENDPOINT)).await;
    browser.put("/api/experience").json(&json!({"interactionEvent": "SignIn"})).send().await.assert_status(204);
    let old = browser
        .post("/api/experience/verification/password")
        .json(&json!({"identifier": {"type": "username", "value": username}, "password": password}))
        .send()
        .await;
    old.assert_api_error(422, "session.invalid_credentials");
    let fresh = access_token(&t, &new_username, new_password, "openid profile").await;
    let me = api.get("/api/my-account").bearer(&fresh).send().await.assert_status(200).json();
    assert_eq!((me["username"].as_str(), me["name"].as_str()), (Some(new_username.as_str()), Some("Renamed")));
    assert!(me.get("primaryEmail").is_none(), "no email scope on this token: {me}");

    // A revoked token is refused at once.
    api.post("/oidc/token/revocation")
        .form(&[("token", token.as_str()), ("client_id", "demo-app")])
        .send()
        .await
        .assert_status(200);
    api.get("/api/my-account").bearer(&token).send().await.assert_api_error(401, "auth.unauthorized");
}
