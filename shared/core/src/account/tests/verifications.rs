//! `/api/verifications/*` and how `logto-verification-id` is judged.

use http::StatusCode;
use serde_json::json;

use super::super::testing::{self as t, world};
use super::error_of;
use crate::domain::user::{self, NewPassword, NewUser};
use crate::ports::MockMessageKind;

#[tokio::test]
async fn a_password_record_is_created_for_ten_minutes() {
    let w = world().await;
    let app = &w.app;
    let req = t::request("POST", "/api/verifications/password", &w.token, None, Some(json!({"password": t::PASSWORD})));
    let (status, body) = t::call(app, req).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["expiresAt"], "2026-01-01T00:10:00.000Z");
    assert_eq!(body["verificationRecordId"].as_str().map(str::len), Some(21));

    let req = t::request("POST", "/api/verifications/password", &w.token, None, Some(json!({"password": "wrong"})));
    assert_eq!(error_of(app, req).await, (422, "session.invalid_credentials".into()));
    let third = t::token_for(app, &w.user.id, t::THIRD_PARTY, t::ALL_SCOPES).await;
    let req = t::request("POST", "/api/verifications/password", &third, None, Some(json!({"password": t::PASSWORD})));
    assert_eq!(error_of(app, req).await, (403, "auth.third_party_application_forbidden".into()));
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_user_out_of_verification() {
    let w = world().await;
    let app = &w.app;
    t::set_sie(app, json!({"sentinelPolicy": {"maxAttempts": 3, "lockoutDuration": 10}})).await;
    let attempt = |password: &str| {
        t::request("POST", "/api/verifications/password", &w.token, None, Some(json!({ "password": password })))
    };
    let mut last = (0, String::new());
    for _ in 0..3 {
        last = error_of(app, attempt("wrong")).await;
    }
    assert_eq!(last, (400, "session.verification_blocked_too_many_attempts".into()));
    // Even the right password is refused while locked.
    assert_eq!(
        error_of(app, attempt(t::PASSWORD)).await,
        (400, "session.verification_blocked_too_many_attempts".into())
    );
}

#[tokio::test]
async fn expired_foreign_and_made_up_records_do_not_verify() {
    let w = world().await;
    let app = &w.app;
    let bob = user::insert(
        app,
        NewUser {
            username: Some("bob".into()),
            password: Some(NewPassword::Plain(t::PASSWORD.into())),
            ..NewUser::default()
        },
    )
    .await
    .unwrap();
    let bob_token = t::token_for(app, &bob.id, t::SPA, t::ALL_SCOPES).await;
    let req =
        t::request("POST", "/api/verifications/password", &bob_token, None, Some(json!({"password": t::PASSWORD})));
    let (_, body) = t::call(app, req).await;
    let bobs = body["verificationRecordId"].as_str().unwrap().to_owned();

    let change =
        |id: &str| t::request("PATCH", "/api/my-account", &w.token, Some(id), Some(json!({"username": "alice9"})));
    assert_eq!(error_of(app, change(&bobs)).await, (401, "verification_record.permission_denied".into()), "foreign");
    let mine = w.password_record().await;
    app.clock.advance_ms(10 * 60 * 1000);
    // The access token outlives the record.
    assert_eq!(error_of(app, change(&mine)).await, (401, "verification_record.permission_denied".into()), "expired");
    assert_eq!(t::stored_user(app, &w.user.id).await.username.as_deref(), Some("alice"));
}

#[tokio::test]
async fn a_code_to_the_users_own_email_verifies_them_and_a_new_one_does_not() {
    let w = world().await;
    let app = &w.app;
    let own = w.code_record("email", "alice@example.com").await;
    let change =
        |id: &str| t::request("PATCH", "/api/my-account", &w.token, Some(id), Some(json!({"username": "alice3"})));
    assert_eq!(t::call(app, change(&own)).await.0, StatusCode::OK);

    let new = w.code_record("email", "new@example.com").await;
    let change = t::request("PATCH", "/api/my-account", &w.token, Some(&new), Some(json!({"username": "alice4"})));
    assert_eq!(error_of(app, change).await, (401, "verification_record.permission_denied".into()));
}

#[tokio::test]
async fn a_wrong_code_or_a_mismatched_record_is_refused() {
    let w = world().await;
    let app = &w.app;
    let identifier = json!({"type": "email", "value": "alice@example.com"});
    let req = t::request(
        "POST",
        "/api/verifications/verification-code",
        &w.token,
        None,
        Some(json!({ "identifier": identifier })),
    );
    let (status, body) = t::call(app, req).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["verificationRecordId"].as_str().unwrap().to_owned();
    let code = w.last_code(MockMessageKind::Email, "alice@example.com");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let verify = |identifier: serde_json::Value, id: &str, code: &str| {
        t::request(
            "POST",
            "/api/verifications/verification-code/verify",
            &w.token,
            None,
            Some(json!({"identifier": identifier, "verificationId": id, "code": code})),
        )
    };
    assert_eq!(
        error_of(app, verify(identifier.clone(), &id, wrong)).await,
        (400, "verification_code.code_mismatch".into())
    );
    let phone = json!({"type": "phone", "value": "15551234567"});
    assert_eq!(error_of(app, verify(phone, &id, &code)).await, (400, "verification_record.not_found".into()));
    assert_eq!(
        error_of(app, verify(identifier.clone(), "nope", &code)).await,
        (400, "verification_record.not_found".into())
    );
    // Not verified yet: it proves nothing.
    let change = t::request("PATCH", "/api/my-account", &w.token, Some(&id), Some(json!({"username": "alice5"})));
    assert_eq!(error_of(app, change).await, (401, "verification_record.permission_denied".into()));
    let (status, body) = t::call(app, verify(identifier, &id, &code)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"verificationRecordId": id})));
}

#[tokio::test]
async fn code_sends_are_rate_limited_per_recipient() {
    let w = world().await;
    let send = || {
        t::request(
            "POST",
            "/api/verifications/verification-code",
            &w.token,
            None,
            Some(json!({"identifier": {"type": "email", "value": "someone@example.com"}})),
        )
    };
    for _ in 0..crate::domain::message_rate::PER_RECIPIENT.max_sends {
        assert_eq!(t::call(&w.app, send()).await.0, StatusCode::CREATED);
    }
    assert_eq!(error_of(&w.app, send()).await, (429, "request.message_rate_limited".into()));
}
