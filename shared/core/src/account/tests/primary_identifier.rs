//! `POST/DELETE /api/my-account/primary-email` and `/primary-phone`.

use http::StatusCode;
use serde_json::json;

use super::super::testing::{self as t, world};
use super::error_of;
use crate::domain::account_center::{Control, Fields};
use crate::domain::user::{self, NewUser};

#[tokio::test]
async fn a_new_email_proven_by_a_code_replaces_the_old_one() {
    let w = world().await;
    let app = &w.app;
    let permission = w.password_record().await;
    let proof = w.code_record("email", "new@example.com").await;
    let post = |id: Option<&str>, email: &str, proof: &str| {
        t::request(
            "POST",
            "/api/my-account/primary-email",
            &w.token,
            id,
            Some(json!({"email": email, "newIdentifierVerificationRecordId": proof})),
        )
    };
    assert_eq!(
        error_of(app, post(None, "new@example.com", &proof)).await,
        (401, "verification_record.permission_denied".into())
    );
    assert_eq!(
        error_of(app, post(Some(&permission), "other@example.com", &proof)).await,
        (400, "verification_record.not_found".into()),
        "the proof is for another address"
    );
    assert_eq!(
        error_of(app, post(Some(&permission), "new@example.com", "nope")).await,
        (400, "verification_record.not_found".into())
    );
    assert_eq!(
        error_of(app, post(Some(&permission), "not-an-email", &proof)).await,
        (400, "guard.invalid_input".into())
    );
    assert_eq!(t::stored_user(app, &w.user.id).await.primary_email.as_deref(), Some("alice@example.com"));

    assert_eq!(t::call(app, post(Some(&permission), "new@example.com", &proof)).await.0, StatusCode::NO_CONTENT);
    let store = app.store.as_ref();
    assert_eq!(t::stored_user(app, &w.user.id).await.primary_email.as_deref(), Some("new@example.com"));
    assert!(user::find_by_email(store, "alice@example.com").await.unwrap().is_none(), "old address released");
    assert_eq!(user::find_by_email(store, "NEW@example.com").await.unwrap().unwrap().value.id, w.user.id);
}

#[tokio::test]
async fn a_taken_email_or_a_read_only_field_changes_nothing() {
    let w = world().await;
    let app = &w.app;
    user::insert(app, NewUser { primary_email: Some("Taken@example.com".into()), ..NewUser::default() }).await.unwrap();
    let permission = w.password_record().await;
    let proof = w.code_record("email", "taken@example.com").await;
    let post = t::request(
        "POST",
        "/api/my-account/primary-email",
        &w.token,
        Some(&permission),
        Some(json!({"email": "taken@example.com", "newIdentifierVerificationRecordId": proof})),
    );
    assert_eq!(error_of(app, post).await, (422, "user.email_already_in_use".into()));

    let proof = w.code_record("email", "free@example.com").await;
    t::set_fields(app, Fields { email: Some(Control::ReadOnly), ..Fields::default() }).await;
    let post = t::request(
        "POST",
        "/api/my-account/primary-email",
        &w.token,
        Some(&permission),
        Some(json!({"email": "free@example.com", "newIdentifierVerificationRecordId": proof})),
    );
    assert_eq!(error_of(app, post).await, (400, "account_center.field_not_editable".into()));
    let delete = t::request("DELETE", "/api/my-account/primary-email", &w.token, Some(&permission), None);
    assert_eq!(error_of(app, delete).await, (400, "account_center.field_not_editable".into()));
    assert_eq!(t::stored_user(app, &w.user.id).await.primary_email.as_deref(), Some("alice@example.com"));
}

#[tokio::test]
async fn the_blocklist_applies_to_a_new_email() {
    let w = world().await;
    let app = &w.app;
    t::set_sie(app, json!({"emailBlocklistPolicy": {"customBlocklist": ["@blocked.example"]}})).await;
    let send = t::request(
        "POST",
        "/api/verifications/verification-code",
        &w.token,
        None,
        Some(json!({"identifier": {"type": "email", "value": "x@blocked.example"}})),
    );
    assert_eq!(error_of(app, send).await, (422, "session.email_blocklist.email_not_allowed".into()));
}

#[tokio::test]
async fn phone_add_then_remove_and_the_last_identifier_stays() {
    let w = world().await;
    let app = &w.app;
    let permission = w.password_record().await;
    let proof = w.code_record("phone", "15551234567").await;
    let post = t::request(
        "POST",
        "/api/my-account/primary-phone",
        &w.token,
        Some(&permission),
        Some(json!({"phone": "15551234567", "newIdentifierVerificationRecordId": proof})),
    );
    assert_eq!(t::call(app, post).await.0, StatusCode::NO_CONTENT);
    assert_eq!(t::stored_user(app, &w.user.id).await.primary_phone.as_deref(), Some("15551234567"));
    let (_, me) = t::call(app, t::request("GET", "/api/my-account", &w.token, None, None)).await;
    assert_eq!(me["primaryPhone"], "15551234567");

    for path in ["/api/my-account/primary-phone", "/api/my-account/primary-email"] {
        let delete = t::request("DELETE", path, &w.token, Some(&permission), None);
        assert_eq!(t::call(app, delete).await.0, StatusCode::NO_CONTENT, "{path}");
    }
    // Only the username is left now.
    let record = w.password_record().await;
    let req = t::request("PATCH", "/api/my-account", &w.token, Some(&record), Some(json!({"username": null})));
    assert_eq!(error_of(app, req).await, (400, "user.last_sign_in_method_required".into()));
    let stored = t::stored_user(app, &w.user.id).await;
    assert_eq!((stored.username.as_deref(), stored.primary_email, stored.primary_phone), (Some("alice"), None, None));
}

#[tokio::test]
async fn logto_configs_read_and_merge() {
    let w = world().await;
    let app = &w.app;
    let (status, body) = t::call(app, t::request("GET", "/api/my-account/logto-configs", &w.token, None, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"mfa": {"skipped": false, "skipMfaOnSignIn": false}, "passkeySignIn": {"skipped": false}}));
    let patch = json!({"mfa": {"skipped": true}});
    let req = t::request("PATCH", "/api/my-account/logto-configs", &w.token, None, Some(patch.clone()));
    assert_eq!(error_of(app, req).await, (401, "verification_record.permission_denied".into()));
    let record = w.password_record().await;
    let req = t::request("PATCH", "/api/my-account/logto-configs", &w.token, Some(&record), Some(patch));
    let (status, body) = t::call(app, req).await;
    assert_eq!((status, &body["mfa"]["skipped"]), (StatusCode::OK, &json!(true)));
    let no_identities = t::token_for(app, &w.user.id, t::SPA, "openid profile").await;
    let req = t::request("GET", "/api/my-account/logto-configs", &no_identities, None, None);
    assert_eq!(error_of(app, req).await, (401, "auth.unauthorized".into()));
}
