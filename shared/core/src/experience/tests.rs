//! The Experience API's rules, route by route, over the memory store and a fixed clock: each
//! test drives `crate::handle` with the signed `_interaction` cookie a browser would carry.

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::domain::interaction;
use crate::domain::sign_in_experience;
use crate::domain::user::{self, NewPassword, NewUser};
use crate::testing;
use crate::{App, Request};

const PASSWORD: &str = "Correct-h0rse";

/// A browser with an interaction started by `/oidc/auth`.
struct Browser {
    cookie: String,
    uid: String,
}

async fn browser(app: &App) -> Browser {
    let started = super::testing::start_interaction(app).await;
    Browser { cookie: started.cookie, uid: started.uid }
}

fn request(method: Method, path: &str, cookie: Option<&str>, body: Option<Value>) -> Request {
    let mut builder = http::Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    let body = match body {
        Some(v) => {
            builder = builder.header("content-type", "application/json");
            Bytes::from(v.to_string())
        }
        None => Bytes::new(),
    };
    builder.body(body).unwrap()
}

impl Browser {
    async fn call(&self, app: &App, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (status, _, json) = testing::call(app, request(method, path, Some(&self.cookie), body)).await;
        (status, json)
    }

    async fn put(&self, app: &App, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(app, Method::PUT, path, Some(body)).await
    }

    async fn post(&self, app: &App, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(app, Method::POST, path, Some(body)).await
    }

    async fn start(&self, app: &App, event: &str) {
        let (status, body) = self.put(app, "/api/experience", json!({ "interactionEvent": event })).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }

    async fn verify_password(&self, app: &App, kind: &str, value: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            app,
            "/api/experience/verification/password",
            json!({ "identifier": { "type": kind, "value": value }, "password": password }),
        )
        .await
    }

    async fn interaction(&self, app: &App) -> Value {
        let (status, body) = self.call(app, Method::GET, "/api/experience/interaction", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

#[track_caller]
fn expect_error(got: (StatusCode, Value), status: u16, code: &str) {
    assert_eq!((got.0.as_u16(), got.1["code"].as_str().unwrap_or_default()), (status, code), "{}", got.1);
}

async fn user_with_password(app: &App, username: &str) -> user::UserRecord {
    user::insert(
        app,
        NewUser {
            username: Some(username.into()),
            password: Some(NewPassword::Plain(PASSWORD.into())),
            ..NewUser::default()
        },
    )
    .await
    .unwrap()
}

/// Merge `patch` into the stored sign-in experience (top-level fields, as Logto's PATCH).
async fn set_sie(app: &App, patch: Value) {
    let current = sign_in_experience::find_versioned(app.store.as_ref()).await.unwrap();
    let base =
        current.as_ref().map(|v| v.value.clone()).unwrap_or_else(sign_in_experience::SignInExperience::logto_default);
    let mut json = serde_json::to_value(base).unwrap();
    for (k, v) in patch.as_object().unwrap() {
        json[k] = v.clone();
    }
    let next = serde_json::from_value(json).unwrap();
    sign_in_experience::update(app.store.as_ref(), current.as_ref(), &next).await.unwrap();
}

#[tokio::test]
async fn a_fresh_interaction_reads_as_logto_shows_it() {
    let app = testing::app();
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    assert_eq!(
        b.interaction(&app).await,
        json!({
            "interactionEvent": "SignIn", "profile": {}, "mfa": {}, "verificationRecords": [],
            "captcha": { "verified": false, "skipped": false }
        })
    );
}

#[tokio::test]
async fn no_tampered_or_expired_cookie_means_session_not_found_and_no_storage_means_interaction_not_found() {
    let app = testing::app();
    let b = browser(&app).await;
    let path = "/api/experience/interaction";
    let (status, _, body) = testing::call(&app, request(Method::GET, path, None, None)).await;
    expect_error((status, body), 400, "session.not_found");
    let tampered = b.cookie.replace(&b.uid, "x23456789012345678901");
    let (status, _, body) = testing::call(&app, request(Method::GET, path, Some(&tampered), None)).await;
    expect_error((status, body), 400, "session.not_found");
    // The interaction exists, but `PUT /api/experience` never started an experience in it.
    expect_error(b.call(&app, Method::GET, path, None).await, 404, "session.interaction_not_found");
    b.start(&app, "SignIn").await;
    app.clock.advance_ms(interaction::TTL_MS);
    expect_error(b.call(&app, Method::GET, path, None).await, 400, "session.not_found");
}

#[tokio::test]
async fn malformed_bodies_are_guard_errors_and_unknown_routes_404() {
    let app = testing::app();
    let b = browser(&app).await;
    expect_error(
        b.put(&app, "/api/experience", json!({ "interactionEvent": "Nope" })).await,
        400,
        "guard.invalid_input",
    );
    b.start(&app, "SignIn").await;
    let raw = http::Request::put("/api/experience/interaction-event")
        .header("cookie", &b.cookie)
        .header("content-type", "application/json")
        .body(Bytes::from_static(b"{not json"))
        .unwrap();
    let (status, _, body) = testing::call(&app, raw).await;
    expect_error((status, body), 400, "guard.invalid_input");
    expect_error(
        b.post(&app, "/api/experience/verification/password", json!({ "password": 1 })).await,
        400,
        "guard.invalid_input",
    );
    expect_error(b.post(&app, "/api/experience/nope", json!({})).await, 404, "entity.not_found");
    // Nothing was written by the failures: the storage is still the fresh one.
    assert_eq!(b.interaction(&app).await["verificationRecords"], json!([]));
}

#[tokio::test]
async fn sign_in_with_username_and_password_returns_the_resume_url() {
    let app = testing::app();
    let alice = user_with_password(&app, "alice").await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (status, body) = b.verify_password(&app, "username", "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verification_id = body["verificationId"].as_str().unwrap().to_owned();
    assert_eq!(verification_id.len(), 21);

    let shown = b.interaction(&app).await;
    assert_eq!(
        shown["verificationRecords"],
        json!([{ "id": verification_id, "type": "Password", "identifier": { "type": "username", "value": "alice" }, "verified": true }])
    );

    let (status, body) =
        b.post(&app, "/api/experience/identification", json!({ "verificationId": verification_id })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "redirectTo": format!("http://localhost:3001/oidc/auth/{}", b.uid) }));

    let (stored, _) = interaction::find(&app, &b.uid).await.unwrap().unwrap();
    assert_eq!(stored.result.unwrap().login.unwrap().account_id, alice.id);
    let user = user::find(app.store.as_ref(), &alice.id).await.unwrap().unwrap();
    assert_eq!(user.value.last_sign_in_at, Some(testing::T0));
}

#[tokio::test]
async fn wrong_password_unknown_user_and_suspended_user() {
    let app = testing::app();
    let alice = user_with_password(&app, "alice").await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    expect_error(b.verify_password(&app, "username", "alice", "wrong").await, 422, "session.invalid_credentials");
    expect_error(b.verify_password(&app, "username", "nobody", PASSWORD).await, 422, "session.invalid_credentials");
    expect_error(b.verify_password(&app, "email", "nobody@x.com", PASSWORD).await, 422, "session.invalid_credentials");
    assert_eq!(b.interaction(&app).await["verificationRecords"], json!([]), "failures record nothing");

    let current = user::find(app.store.as_ref(), &alice.id).await.unwrap().unwrap();
    let mut next = current.value.clone();
    next.is_suspended = true;
    user::update(app.store.as_ref(), &current, &next).await.unwrap();
    expect_error(b.verify_password(&app, "username", "alice", PASSWORD).await, 401, "user.suspended");
    expect_error(b.verify_password(&app, "username", "alice", "wrong").await, 422, "session.invalid_credentials");
}

#[tokio::test]
async fn the_sentinel_blocks_an_identifier_after_max_failures_even_with_the_right_password() {
    let app = testing::app();
    set_sie(&app, json!({ "sentinelPolicy": { "maxAttempts": 3, "lockoutDuration": 10 } })).await;
    user_with_password(&app, "alice").await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    for _ in 0..2 {
        expect_error(b.verify_password(&app, "username", "alice", "wrong").await, 422, "session.invalid_credentials");
    }
    let blocked = b.verify_password(&app, "username", "alice", "wrong").await;
    expect_error(blocked.clone(), 400, "session.verification_blocked_too_many_attempts");
    assert_eq!(blocked.1["message"], "Too many attempts in a short time. Please try again in 10 minutes.");
    expect_error(
        b.verify_password(&app, "username", "alice", PASSWORD).await,
        400,
        "session.verification_blocked_too_many_attempts",
    );
    // Unknown identifiers are counted the same way (nothing tells them apart).
    for _ in 0..2 {
        b.verify_password(&app, "username", "ghost", "x").await;
    }
    expect_error(
        b.verify_password(&app, "username", "ghost", "x").await,
        400,
        "session.verification_blocked_too_many_attempts",
    );
    app.clock.advance_ms(10 * 60_000);
    assert_eq!(b.verify_password(&app, "username", "alice", PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test]
async fn identification_rules() {
    let app = testing::app();
    user_with_password(&app, "alice").await;
    user_with_password(&app, "bob").await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    expect_error(b.post(&app, "/api/experience/identification", json!({})).await, 400, "guard.invalid_input");
    expect_error(
        b.post(&app, "/api/experience/identification", json!({ "verificationId": "nope" })).await,
        404,
        "session.verification_session_not_found",
    );
    expect_error(b.call(&app, Method::POST, "/api/experience/submit", None).await, 404, "session.identifier_not_found");

    let (_, body) = b.verify_password(&app, "username", "alice", PASSWORD).await;
    let alice_record = body["verificationId"].as_str().unwrap().to_owned();
    let (status, _) = b.post(&app, "/api/experience/identification", json!({ "verificationId": alice_record })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, body) = b.verify_password(&app, "username", "bob", PASSWORD).await;
    let bob_record = body["verificationId"].as_str().unwrap();
    expect_error(
        b.post(&app, "/api/experience/identification", json!({ "verificationId": bob_record })).await,
        409,
        "session.identity_conflict",
    );
    // Only one record per type is kept: alice's password record was replaced by bob's.
    expect_error(
        b.post(&app, "/api/experience/identification", json!({ "verificationId": alice_record })).await,
        404,
        "session.verification_session_not_found",
    );

    // A sign-in method the sign-in experience does not enable.
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    set_sie(&app, json!({ "signIn": { "methods": [{ "identifier": "email", "password": true, "verificationCode": false, "isPasswordPrimary": true }] } })).await;
    let (_, body) = b.verify_password(&app, "username", "alice", PASSWORD).await;
    expect_error(
        b.post(&app, "/api/experience/identification", json!({ "verificationId": body["verificationId"] })).await,
        422,
        "user.sign_in_method_not_enabled",
    );
}

#[tokio::test]
async fn sign_in_mode_forbids_events_at_identification_and_switching() {
    let app = testing::app();
    user_with_password(&app, "alice").await;
    set_sie(&app, json!({ "signInMode": "Register" })).await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (_, body) = b.verify_password(&app, "username", "alice", PASSWORD).await;
    expect_error(
        b.post(&app, "/api/experience/identification", json!({ "verificationId": body["verificationId"] })).await,
        403,
        "auth.forbidden",
    );
    set_sie(&app, json!({ "signInMode": "SignIn" })).await;
    expect_error(
        b.put(&app, "/api/experience/interaction-event", json!({ "interactionEvent": "Register" })).await,
        403,
        "auth.forbidden",
    );
    expect_error(
        b.put(&app, "/api/experience/interaction-event", json!({ "interactionEvent": "ForgotPassword" })).await,
        400,
        "session.not_supported_for_forgot_password",
    );
}

#[tokio::test]
async fn register_with_a_new_username_and_password() {
    let app = testing::app();
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    let path = "/api/experience/verification/new-password-identity";
    let weak = b
        .post(&app, path, json!({ "identifier": { "type": "username", "value": "carol" }, "password": "12345678" }))
        .await;
    expect_error(weak.clone(), 422, "password.rejected");
    assert_eq!(weak.1["data"], json!([{ "code": "password_rejected.restricted.sequence" }]));
    expect_error(
        b.post(&app, path, json!({ "identifier": { "type": "username", "value": "1carol" }, "password": PASSWORD }))
            .await,
        400,
        "guard.invalid_input",
    );
    let (status, body) = b
        .post(&app, path, json!({ "identifier": { "type": "username", "value": "carol" }, "password": PASSWORD }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!b.interaction(&app).await.to_string().contains("argon2"), "no digest is shown");

    let (status, body) =
        b.post(&app, "/api/experience/identification", json!({ "verificationId": body["verificationId"] })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let carol = user::find_by_username(app.store.as_ref(), "carol").await.unwrap().unwrap();
    assert_eq!(carol.value.application_id.as_deref(), Some("spa"));
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The username is now taken.
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    expect_error(
        b.post(&app, path, json!({ "identifier": { "type": "username", "value": "carol" }, "password": PASSWORD }))
            .await,
        422,
        "user.username_already_in_use",
    );
}

#[tokio::test]
async fn register_asks_for_missing_profile_then_completes_without_a_record() {
    let app = testing::app();
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    // Username + password is mandatory: identification without anything staged names both.
    let (status, body) = b.post(&app, "/api/experience/identification", json!({})).await;
    expect_error((status, body.clone()), 422, "user.missing_profile");
    assert_eq!(body["data"], json!({ "missingProfile": ["username", "password"] }));

    let (status, _) = b.post(&app, "/api/experience/profile", json!({ "type": "username", "value": "dave" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, body) = b.post(&app, "/api/experience/identification", json!({})).await;
    assert_eq!(body["data"], json!({ "missingProfile": ["password"] }));
    expect_error(
        b.post(&app, "/api/experience/profile", json!({ "type": "password", "value": "dave1234" })).await,
        422,
        "password.rejected",
    );
    let (status, _) = b.post(&app, "/api/experience/profile", json!({ "type": "password", "value": PASSWORD })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = b.post(&app, "/api/experience/identification", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK);
    let dave = user::find_by_username(app.store.as_ref(), "dave").await.unwrap().unwrap();
    assert!(crate::domain::password::verify(dave.value.password().as_ref(), PASSWORD).is_valid());
}

#[tokio::test]
async fn sign_in_submit_checks_the_mandatory_profile_of_existing_users() {
    let app = testing::app();
    // A user created without a password, by an admin.
    user::insert(&app, NewUser { username: Some("erin".into()), ..NewUser::default() }).await.unwrap();
    set_sie(&app, json!({ "signUp": { "identifiers": ["username"], "password": false, "verify": false, "secondaryIdentifiers": [{ "identifier": "email", "verify": true }] } })).await;
    let frank = user_with_password(&app, "frank").await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (_, body) = b.verify_password(&app, "username", "frank", PASSWORD).await;
    b.post(&app, "/api/experience/identification", json!({ "verificationId": body["verificationId"] })).await;
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    expect_error((status, body.clone()), 422, "user.missing_profile");
    assert_eq!(body["data"], json!({ "missingProfile": ["email"] }));
    expect_error(
        b.post(&app, "/api/experience/profile", json!({ "type": "username", "value": "frank2" })).await,
        422,
        "user.username_exists_in_profile",
    );
    let (stored, _) = interaction::find(&app, &b.uid).await.unwrap().unwrap();
    assert!(stored.result.is_none(), "no login was recorded");
    assert_eq!(user::find(app.store.as_ref(), &frank.id).await.unwrap().unwrap().value.last_sign_in_at, None);
}

#[tokio::test]
async fn concurrent_writes_to_one_interaction_one_wins_the_other_retries() {
    let app = testing::app();
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (found, version) = interaction::find(&app, &b.uid).await.unwrap().unwrap();
    // Another request writes first...
    b.put(&app, "/api/experience/interaction-event", json!({ "interactionEvent": "Register" })).await;
    // ...so a write based on the old version loses, whole.
    let err = interaction::save(&app, &found, version).await.unwrap_err();
    assert_eq!(err, interaction::InteractionError::Stale);
    let api: crate::error::ApiError = err.into();
    assert_eq!(api.status, StatusCode::CONFLICT);
    assert_eq!(b.interaction(&app).await["interactionEvent"], "Register");
}

#[tokio::test]
async fn forgot_password_cannot_stage_profile_or_switch() {
    let app = testing::app();
    let b = browser(&app).await;
    b.start(&app, "ForgotPassword").await;
    expect_error(
        b.post(&app, "/api/experience/profile", json!({ "type": "username", "value": "x" })).await,
        400,
        "session.not_supported_for_forgot_password",
    );
    expect_error(
        b.put(&app, "/api/experience/interaction-event", json!({ "interactionEvent": "SignIn" })).await,
        400,
        "session.not_supported_for_forgot_password",
    );
    expect_error(
        b.put(&app, "/api/experience/profile/password", json!({ "password": PASSWORD })).await,
        404,
        "session.identifier_not_found",
    );
    let b2 = browser(&app).await;
    b2.start(&app, "SignIn").await;
    expect_error(
        b2.put(&app, "/api/experience/profile/password", json!({ "password": PASSWORD })).await,
        400,
        "session.invalid_interaction_type",
    );
}

// ---- verification codes through Logto's mock email connector ---------------------------------

use std::sync::Arc;

use crate::domain::connector::{self, ConnectorRecord, ConnectorType};
use crate::ports::{MemoryMockMessages, MockMessageKind};

/// An app with the mock email connector configured and its outlet to read codes from.
async fn app_with_mock_email() -> (testing::TestApp, Arc<MemoryMockMessages>) {
    let mut t = testing::app();
    let outlet = Arc::new(MemoryMockMessages::default());
    t.app.mock_messages = Some(outlet.clone());
    let mut record = ConnectorRecord::new("mock-email".into(), "mock-email-service".into(), ConnectorType::Email, 1);
    let config: Value =
        serde_json::from_str(include_str!("../connectors/assets/mock-email.config-template.json")).unwrap();
    record.config = config.as_object().unwrap().clone();
    connector::insert(t.app.store.as_ref(), &record).await.unwrap();
    (t, outlet)
}

impl Browser {
    async fn send_code(&self, app: &App, email: &str, event: &str) -> (StatusCode, Value) {
        self.post(
            app,
            "/api/experience/verification/verification-code",
            json!({ "identifier": { "type": "email", "value": email }, "interactionEvent": event }),
        )
        .await
    }

    async fn verify_code(&self, app: &App, email: &str, id: &Value, code: &str) -> (StatusCode, Value) {
        self.post(
            app,
            "/api/experience/verification/verification-code/verify",
            json!({ "identifier": { "type": "email", "value": email }, "verificationId": id, "code": code }),
        )
        .await
    }
}

fn last_code(outlet: &MemoryMockMessages, to: &str) -> String {
    let record = outlet.last(MockMessageKind::Email).expect("an email was sent");
    assert_eq!(record["address"], to);
    record["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn register_with_an_email_code_then_fill_the_password() {
    let (app, outlet) = app_with_mock_email().await;
    set_sie(&app, json!({ "signUp": { "identifiers": ["email"], "password": true, "verify": true } })).await;
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    let (status, body) = b.send_code(&app, "new@example.com", "Register").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["verificationId"].clone();
    let record = outlet.last(MockMessageKind::Email).unwrap();
    assert_eq!(record["type"], "Register");
    let code = last_code(&outlet, "new@example.com");
    let shown = b.interaction(&app).await;
    assert!(!shown.to_string().contains(&code), "the code is never shown");
    assert_eq!(shown["verificationRecords"][0]["templateType"], "Register");

    let wrong = if code == "000000" { "111111" } else { "000000" };
    expect_error(b.verify_code(&app, "new@example.com", &id, wrong).await, 400, "verification_code.code_mismatch");
    expect_error(b.verify_code(&app, "other@example.com", &id, &code).await, 400, "verification_code.email_mismatch");
    expect_error(
        b.verify_code(&app, "new@example.com", &json!("nope"), &code).await,
        404,
        "session.verification_session_not_found",
    );
    let (status, _) = b.verify_code(&app, "new@example.com", &id, &code).await;
    assert_eq!(status, StatusCode::OK);
    // A code works once.
    expect_error(b.verify_code(&app, "new@example.com", &id, &code).await, 400, "verification_code.not_found");

    let (_, body) = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    assert_eq!(body["data"], json!({ "missingProfile": ["password"] }));
    b.post(&app, "/api/experience/profile", json!({ "type": "password", "value": PASSWORD })).await;
    let (status, body) = b.post(&app, "/api/experience/identification", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(user::find_by_email(app.store.as_ref(), "new@example.com").await.unwrap().is_some());
}

#[tokio::test]
async fn sign_in_with_an_email_code() {
    let (app, outlet) = app_with_mock_email().await;
    set_sie(&app, json!({ "signIn": { "methods": [{ "identifier": "email", "password": false, "verificationCode": true, "isPasswordPrimary": false }] } })).await;
    let grace = user::insert(&app, NewUser { primary_email: Some("grace@example.com".into()), ..NewUser::default() })
        .await
        .unwrap();
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (_, body) = b.send_code(&app, "grace@example.com", "SignIn").await;
    let id = body["verificationId"].clone();
    let code = last_code(&outlet, "grace@example.com");
    // Identification needs a verified record.
    expect_error(
        b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await,
        400,
        "session.verification_failed",
    );
    b.verify_code(&app, "grace@example.com", &id, &code).await;
    let (status, _) = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Default sign-up asks for username + password; grace has neither.
    let (_, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(body["data"], json!({ "missingProfile": ["username", "password"] }));
    b.post(&app, "/api/experience/profile", json!({ "type": "username", "value": "grace" })).await;
    b.post(&app, "/api/experience/profile", json!({ "type": "password", "value": PASSWORD })).await;
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stored = user::find(app.store.as_ref(), &grace.id).await.unwrap().unwrap().value;
    assert_eq!(stored.username.as_deref(), Some("grace"));
    assert!(stored.has_password());

    // An unknown email is 404 user_not_exist at identification.
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (_, body) = b.send_code(&app, "nobody@example.com", "SignIn").await;
    let id = body["verificationId"].clone();
    b.verify_code(&app, "nobody@example.com", &id, &last_code(&outlet, "nobody@example.com")).await;
    let got = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    expect_error(got.clone(), 404, "user.user_not_exist");
    assert_eq!(got.1["data"], json!({ "identifier": "nobody@example.com" }));
}

#[tokio::test]
async fn forgot_password_resets_with_an_emailed_code() {
    let (app, outlet) = app_with_mock_email().await;
    let heidi = user::insert(
        &app,
        NewUser {
            username: Some("heidi".into()),
            primary_email: Some("heidi@example.com".into()),
            password: Some(NewPassword::Plain(PASSWORD.into())),
            ..NewUser::default()
        },
    )
    .await
    .unwrap();
    let b = browser(&app).await;
    b.start(&app, "ForgotPassword").await;
    let (_, body) = b.send_code(&app, "heidi@example.com", "ForgotPassword").await;
    let id = body["verificationId"].clone();
    assert_eq!(outlet.last(MockMessageKind::Email).unwrap()["type"], "ForgotPassword");
    b.verify_code(&app, "heidi@example.com", &id, &last_code(&outlet, "heidi@example.com")).await;
    expect_error(b.call(&app, Method::POST, "/api/experience/submit", None).await, 404, "session.identifier_not_found");
    // Logto's default `forgotPasswordMethods` is `[]`: no method until the admin enables one.
    expect_error(
        b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await,
        422,
        "session.not_supported_for_forgot_password",
    );
    set_sie(&app, json!({ "forgotPasswordMethods": ["EmailVerificationCode"] })).await;
    let (status, _) = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    expect_error(
        b.call(&app, Method::POST, "/api/experience/submit", None).await,
        422,
        "user.new_password_required_in_profile",
    );
    expect_error(
        b.put(&app, "/api/experience/profile/password", json!({ "password": PASSWORD })).await,
        422,
        "user.same_password",
    );
    expect_error(
        b.put(&app, "/api/experience/profile/password", json!({ "password": "heidi123" })).await,
        422,
        "password.rejected",
    );
    let (status, body) = b.put(&app, "/api/experience/profile/password", json!({ "password": "N3w-Secret!" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let stored = user::find(app.store.as_ref(), &heidi.id).await.unwrap().unwrap().value;
    assert!(crate::domain::password::verify(stored.password().as_ref(), "N3w-Secret!").is_valid());
    // The storage is cleared: the same interaction cannot submit again.
    expect_error(
        b.call(&app, Method::POST, "/api/experience/submit", None).await,
        404,
        "session.interaction_not_found",
    );
}

/// Logto's admin-issued magic link for a password reset: the one-time token identifies the
/// user without any forgot-password method enabled, is consumed at verification, and a token
/// for another email, another event, or already spent identifies nobody.
#[tokio::test]
async fn forgot_password_with_an_admin_issued_one_time_token() {
    use crate::domain::one_time_token::{self, Status};
    let app = testing::app();
    let ivan = user::insert(
        &app,
        NewUser {
            primary_email: Some("ivan@example.com".into()),
            password: Some(NewPassword::Plain(PASSWORD.into())),
            ..NewUser::default()
        },
    )
    .await
    .unwrap();
    let scoped = |event: &str| json!({ "interactionEvent": event }).as_object().unwrap().clone();
    let (record, token) =
        one_time_token::insert(&app, "ivan@example.com", scoped("ForgotPassword"), 600).await.unwrap();
    let (_, sign_in_only) = one_time_token::insert(&app, "ivan@example.com", scoped("SignIn"), 600).await.unwrap();
    let verify = "/api/experience/verification/one-time-token/verify";
    let body = |email: &str, token: &str| json!({ "identifier": { "type": "email", "value": email }, "token": token });

    let b = browser(&app).await;
    b.start(&app, "ForgotPassword").await;
    expect_error(b.post(&app, verify, body("mallory@example.com", &token)).await, 400, "one_time_token.email_mismatch");
    expect_error(
        b.post(&app, verify, body("ivan@example.com", &sign_in_only)).await,
        400,
        "one_time_token.interaction_event_mismatch",
    );
    expect_error(
        b.post(&app, verify, body("ivan@example.com", "invalid_token")).await,
        404,
        "one_time_token.token_not_found",
    );
    expect_error(
        b.post(&app, verify, json!({ "identifier": { "type": "username", "value": "ivan" }, "token": token })).await,
        400,
        "guard.invalid_input",
    );
    let current = one_time_token::find(app.store.as_ref(), &record.id).await.unwrap().unwrap().value;
    assert_eq!(current.status, Status::Active, "a refused verification spends nothing");
    expect_error(
        b.put(&app, "/api/experience/profile/password", json!({ "password": "N3w-Secret!" })).await,
        404,
        "session.identifier_not_found",
    );

    let (status, verified) = b.post(&app, verify, body("ivan@example.com", &token)).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    let current = one_time_token::find(app.store.as_ref(), &record.id).await.unwrap().unwrap().value;
    assert_eq!(current.status, Status::Consumed);
    let (status, body_) =
        b.post(&app, "/api/experience/identification", json!({ "verificationId": verified["verificationId"] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body_}");
    let (status, body_) = b.put(&app, "/api/experience/profile/password", json!({ "password": "N3w-Secret!" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body_}");
    let (status, _) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let stored = user::find(app.store.as_ref(), &ivan.id).await.unwrap().unwrap().value;
    assert!(crate::domain::password::verify(stored.password().as_ref(), "N3w-Secret!").is_valid());

    // Spent: a second interaction cannot use it.
    let b = browser(&app).await;
    b.start(&app, "ForgotPassword").await;
    expect_error(b.post(&app, verify, body("ivan@example.com", &token)).await, 400, "one_time_token.token_consumed");
}

/// Logto: a verified one-time token registers its email even when the sign-in mode is
/// SignIn only (an invitation), after sign-in found nobody.
#[tokio::test]
async fn a_one_time_token_registers_even_when_registration_is_off() {
    let app = testing::app();
    set_sie(
        &app,
        json!({ "signInMode": "SignIn", "signUp": { "identifiers": ["email"], "password": false, "verify": true } }),
    )
    .await;
    let (_, token) =
        crate::domain::one_time_token::insert(&app, "judy@example.com", serde_json::Map::new(), 600).await.unwrap();
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (status, verified) = b
        .post(
            &app,
            "/api/experience/verification/one-time-token/verify",
            json!({ "identifier": { "type": "email", "value": "judy@example.com" }, "token": token }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    let identify = json!({ "verificationId": verified["verificationId"] });
    expect_error(b.post(&app, "/api/experience/identification", identify.clone()).await, 404, "user.user_not_exist");
    let (status, body) =
        b.put(&app, "/api/experience/interaction-event", json!({ "interactionEvent": "Register" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = b.post(&app, "/api/experience/identification", identify).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let judy = user::find_by_email(app.store.as_ref(), "judy@example.com").await.unwrap();
    assert!(judy.is_some(), "the invited user exists");

    // Without a token, registration stays off.
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    expect_error(
        b.put(&app, "/api/experience/interaction-event", json!({ "interactionEvent": "Register" })).await,
        403,
        "auth.forbidden",
    );
}

/// Logto's `buildVerificationCodeContext`: an email code sent in an interaction carries the
/// application the person signs in to (`{{application.name}}` in templates); an SMS does not.
#[tokio::test]
async fn email_codes_carry_the_application_in_their_payload() {
    use crate::domain::application::{self, ApplicationRecord, ApplicationType};
    let (app, outlet) = app_with_mock_email().await;
    let spa = ApplicationRecord::new("spa".into(), "Acme Web".into(), ApplicationType::Spa, testing::T0);
    application::insert(app.store.as_ref(), &spa).await.unwrap();
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    let (status, body) = b.send_code(&app, "new@example.com", "Register").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let record = outlet.last(MockMessageKind::Email).unwrap();
    assert_eq!(record["payload"]["application"], json!({ "id": "spa", "name": "Acme Web" }));
    assert_eq!(record["payload"]["code"], last_code(&outlet, "new@example.com"));
}

#[tokio::test]
async fn codes_to_unknown_recipients_are_not_delivered_where_logto_suppresses_them() {
    let (app, outlet) = app_with_mock_email().await;
    let b = browser(&app).await;
    b.start(&app, "ForgotPassword").await;
    let (status, body) = b.send_code(&app, "ghost@example.com", "ForgotPassword").await;
    assert_eq!(status, StatusCode::OK, "a record is created all the same");
    assert!(outlet.last(MockMessageKind::Email).is_none(), "but nothing is sent");
    expect_error(
        b.verify_code(&app, "ghost@example.com", &body["verificationId"], "123456").await,
        400,
        "verification_code.code_mismatch",
    );
    set_sie(&app, json!({ "signInMode": "SignIn" })).await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    b.send_code(&app, "ghost@example.com", "SignIn").await;
    assert!(outlet.last(MockMessageKind::Email).is_none());
}

#[tokio::test]
async fn sending_is_rate_limited_per_recipient_and_needs_a_connector() {
    let (app, _outlet) = app_with_mock_email().await;
    for i in 0..10 {
        let b = browser(&app).await;
        b.start(&app, "Register").await;
        assert_eq!(b.send_code(&app, "Spam@Example.com", "Register").await.0, StatusCode::OK, "send {i}");
    }
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    // Re-casing the address does not get a fresh bucket.
    expect_error(b.send_code(&app, "spam@example.com", "Register").await, 429, "request.message_rate_limited");
    app.clock.advance_ms(600_001);
    assert_eq!(b.send_code(&app, "spam@example.com", "Register").await.0, StatusCode::OK);

    let bare = testing::app();
    let b = browser(&bare).await;
    b.start(&bare, "Register").await;
    expect_error(b.send_code(&bare, "a@example.com", "Register").await, 501, "connector.not_found");
    assert_eq!(b.interaction(&bare).await["verificationRecords"], json!([]));
}

#[tokio::test]
async fn the_sentinel_counts_wrong_codes() {
    let (app, outlet) = app_with_mock_email().await;
    set_sie(&app, json!({ "sentinelPolicy": { "maxAttempts": 3, "lockoutDuration": 60 } })).await;
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    let (_, body) = b.send_code(&app, "ivan@example.com", "Register").await;
    let id = body["verificationId"].clone();
    let code = last_code(&outlet, "ivan@example.com");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..2 {
        expect_error(b.verify_code(&app, "ivan@example.com", &id, wrong).await, 400, "verification_code.code_mismatch");
    }
    let blocked = b.verify_code(&app, "ivan@example.com", &id, wrong).await;
    expect_error(blocked.clone(), 400, "session.verification_blocked_too_many_attempts");
    assert_eq!(blocked.1["message"], "Too many attempts in a short time. Please try again in 60 minutes.");
    // Password attempts on the same identifier share the pool.
    expect_error(
        b.verify_password(&app, "email", "ivan@example.com", "x").await,
        400,
        "session.verification_blocked_too_many_attempts",
    );
}

#[tokio::test]
async fn the_email_blocklist_guards_registration_and_profile_emails() {
    let (app, outlet) = app_with_mock_email().await;
    set_sie(
        &app,
        json!({ "emailBlocklistPolicy": { "blockSubaddressing": true, "customBlocklist": ["@blocked.com"] } }),
    )
    .await;
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    let refused = b.send_code(&app, "x@blocked.com", "Register").await;
    expect_error(refused.clone(), 422, "session.email_blocklist.email_not_allowed");
    assert_eq!(
        refused.1["message"],
        "The email address \"x@blocked.com\" is restricted. Please choose a different one."
    );
    expect_error(
        b.send_code(&app, "x+tag@fine.com", "Register").await,
        422,
        "session.email_blocklist.email_subaddressing_not_allowed",
    );
    assert!(outlet.last(MockMessageKind::Email).is_none(), "nothing was sent");

    // Signing in, a blocked email cannot be added to the profile either.
    user_with_password(&app, "judy").await;
    set_sie(&app, json!({ "signUp": { "identifiers": ["username"], "password": true, "verify": true, "secondaryIdentifiers": [{ "identifier": "email", "verify": true }] } })).await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (_, body) = b.verify_password(&app, "username", "judy", PASSWORD).await;
    b.post(&app, "/api/experience/identification", json!({ "verificationId": body["verificationId"] })).await;
    let (_, body) = b.send_code(&app, "judy@blocked.com", "SignIn").await;
    let id = body["verificationId"].clone();
    b.verify_code(&app, "judy@blocked.com", &id, &last_code(&outlet, "judy@blocked.com")).await;
    expect_error(
        b.post(&app, "/api/experience/profile", json!({ "type": "email", "verificationId": id })).await,
        422,
        "session.email_blocklist.email_not_allowed",
    );
}

#[tokio::test]
async fn an_expired_password_is_refused_after_it_is_verified_and_does_not_count_as_a_failure() {
    let app = testing::app();
    set_sie(&app, json!({ "passwordExpiration": { "enabled": true, "validPeriodDays": 30 }, "sentinelPolicy": { "maxAttempts": 2 } })).await;
    user_with_password(&app, "kim").await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    assert_eq!(b.verify_password(&app, "username", "kim", PASSWORD).await.0, StatusCode::OK);
    app.clock.advance_ms(30 * 86_400_000);
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    for _ in 0..3 {
        expect_error(b.verify_password(&app, "username", "kim", PASSWORD).await, 422, "password.expired");
    }
    // A wrong password is still just wrong.
    expect_error(b.verify_password(&app, "username", "kim", "nope").await, 422, "session.invalid_credentials");
}

#[tokio::test]
async fn the_username_policy_and_case_insensitive_usernames() {
    let app = testing::app();
    set_sie(
        &app,
        json!({ "usernamePolicy": { "caseSensitive": false, "minLength": 3, "maxLength": 20,
            "allowedChars": { "lowercase": true, "uppercase": false, "numbers": true, "underscore": true } } }),
    )
    .await;
    user_with_password(&app, "mallory").await;
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    let profile = "/api/experience/profile";
    expect_error(
        b.post(&app, profile, json!({ "type": "username", "value": "Upper" })).await,
        422,
        "user.username_uppercase_not_allowed",
    );
    expect_error(
        b.post(&app, profile, json!({ "type": "username", "value": "ab" })).await,
        422,
        "user.username_too_short",
    );
    expect_error(
        b.post(&app, profile, json!({ "type": "username", "value": "9lives" })).await,
        400,
        "guard.invalid_input",
    );
    // Case-insensitive: `MALLORY` is taken by `mallory` (the policy check comes first, so use
    // a policy-clean spelling that folds to an existing name).
    set_sie(
        &app,
        json!({ "usernamePolicy": { "caseSensitive": false, "minLength": 1, "maxLength": 128,
        "allowedChars": { "lowercase": true, "uppercase": true, "numbers": true, "underscore": true } } }),
    )
    .await;
    expect_error(
        b.post(&app, profile, json!({ "type": "username", "value": "MALLORY" })).await,
        422,
        "user.username_already_in_use",
    );
    // ...and signs in with any case.
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    assert_eq!(b.verify_password(&app, "username", "MaLLoRy", PASSWORD).await.0, StatusCode::OK);
}

/// Logto's `validateAndParseCustomProfile`: an `extraProfile` naming a reserved key is refused
/// (built-in property first, then sign-in identifiers, then Logto's own custom-data keys) and
/// nothing is staged.
#[tokio::test]
async fn extra_profile_refuses_reserved_keys_in_logtos_order() {
    let app = testing::app();
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    let extra = |values: Value| json!({ "type": "extraProfile", "values": values });
    let cases = [
        (
            json!({ "username": "johndoe", "fullName": "John Doe", "email": "a@b.c" }),
            "custom_profile_fields.name_conflict_sign_in_identifier",
            "Invalid field name. Reserved sign-in identifier key(s): username, email.",
        ),
        (
            json!({ "givenName": "John", "onboarding": "x" }),
            "custom_profile_fields.name_conflict_custom_data",
            "Invalid field name. Reserved custom data key(s): onboarding.",
        ),
        (
            // Checked before the identifiers, as Logto does.
            json!({ "primaryPhone": "1", "preferredUsername": "john" }),
            "custom_profile_fields.name_conflict_built_in_prop",
            "Invalid field name. Reserved built-in user profile property name(s): preferredUsername.",
        ),
    ];
    for (values, code, message) in cases {
        let got = b.post(&app, "/api/experience/profile", extra(values)).await;
        assert_eq!(got.1["message"], message);
        expect_error(got, 400, code);
    }
    assert_eq!(b.interaction(&app).await["profile"], json!({}), "nothing was staged");
    let (status, body) = b.post(&app, "/api/experience/profile", extra(json!({ "givenName": "John" }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

/// Social sign-in, registration and linking (the social stream).
mod social;
