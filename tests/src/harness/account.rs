//! The Account API as an app and its user reach it: an opaque access token from the code grant
//! (no `resource`, the token the SDKs use for userinfo), verification records from
//! `/api/verifications/*` passed in `logto-verification-id`. Mirrors Logto's integration-test
//! helpers (`api/my-account.ts`, `api/verification-record.ts`, `helpers/profile.ts`
//! `signInAndGetUserApi`).

use serde_json::{Value, json};

use super::client::{Client, TestResponse};
use super::sign_in::{self, Authorization, Identifier};
use super::target::Target;

/// The header that marks a request as identity-verified.
pub const VERIFICATION_ID: &str = "logto-verification-id";

/// The account-center settings the black-box suite uses, every test the same (they run in
/// parallel against one host, and the settings are global): enabled, every field editable except
/// `avatar`, which is ReadOnly so that the refusal of a write to it can be observed.
pub fn account_center_settings() -> Value {
    json!({
        "enabled": true,
        "fields": {
            "name": "Edit", "avatar": "ReadOnly", "profile": "Edit", "username": "Edit",
            "email": "Edit", "phone": "Edit", "password": "Edit", "social": "Edit",
            "customData": "Edit", "mfa": "Edit"
        }
    })
}

/// `PATCH /api/account-center` with [`account_center_settings`]; returns what the server stored.
pub async fn enable_account_center(client: &Client, admin_token: &str) -> Value {
    let response =
        client.patch("/api/account-center").bearer(admin_token).json(&account_center_settings()).send().await;
    response.assert_status(200).json()
}

/// Signs `identifier` in through the Experience API as `demo-app` asking for `scope`, exchanges
/// the code and returns the token response (its `access_token` is the opaque one).
pub async fn sign_in_for_tokens(t: &Target, identifier: Identifier<'_>, password: &str, scope: &str) -> Value {
    let browser = t.client.fresh();
    let mut authorization = Authorization::demo_app_at(&t.endpoint().await);
    authorization.scope = scope.to_owned();
    let callback = sign_in::sign_in(&browser, &authorization, identifier, password).await;
    let tokens = sign_in::exchange_code(&t.client.fresh(), &authorization, &callback.code()).await;
    tokens.assert_status(200).json()
}

/// The opaque access token of a fresh sign-in (see [`sign_in_for_tokens`]).
pub async fn user_access_token(t: &Target, identifier: Identifier<'_>, password: &str, scope: &str) -> String {
    let tokens = sign_in_for_tokens(t, identifier, password, scope).await;
    let token = tokens["access_token"].as_str().expect("access_token").to_owned();
    assert!(token.split('.').count() != 3, "a token issued without a resource is opaque, not a JWT: {token}");
    token
}

/// `POST /api/verifications/password`.
pub async fn verify_password(client: &Client, token: &str, password: &str) -> TestResponse {
    client.post("/api/verifications/password").bearer(token).json(&json!({"password": password})).send().await
}

/// A verified password record's id (201 `{verificationRecordId, expiresAt}`), or panics.
#[track_caller]
pub fn verification_record_id(response: &TestResponse) -> String {
    let body = response.assert_status(201).json();
    assert!(body["expiresAt"].is_string(), "a record says when it expires: {body}");
    body["verificationRecordId"].as_str().unwrap_or_else(|| panic!("no verificationRecordId: {body}")).to_owned()
}
