//! `GET/PATCH /api/my-account` and `PATCH /api/my-account/profile`.

use http::StatusCode;
use serde_json::json;

use super::super::testing::{self as t, world};
use super::error_of;
use crate::domain::account_center::{Control, Fields};
use crate::domain::user::{self, NewPassword, NewUser};

#[tokio::test]
async fn name_avatar_and_custom_data_change_and_the_answer_is_filtered() {
    let w = world().await;
    let body = json!({"name": "Alice A.", "avatar": "https://example.com/a.png", "customData": {"theme": "dark"}});
    let (status, out) = t::call(&w.app, t::request("PATCH", "/api/my-account", &w.token, None, Some(body))).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!((out["name"].as_str(), out["avatar"].as_str()), (Some("Alice A."), Some("https://example.com/a.png")));
    assert_eq!(out["customData"], json!({"theme": "dark"}));
    let stored = t::stored_user(&w.app, &w.user.id).await;
    assert_eq!(stored.name.as_deref(), Some("Alice A."));
    assert_eq!(serde_json::Value::Object(stored.custom_data), json!({"theme": "dark"}));

    let (status, out) =
        t::call(&w.app, t::request("PATCH", "/api/my-account", &w.token, None, Some(json!({"name": null})))).await;
    assert_eq!((status, &out["name"]), (StatusCode::OK, &json!(null)));
}

#[tokio::test]
async fn a_field_not_editable_or_a_missing_scope_changes_nothing() {
    let w = world().await;
    t::set_fields(&w.app, Fields { name: Some(Control::ReadOnly), avatar: Some(Control::Edit), ..Fields::default() })
        .await;
    let before = t::stored_user(&w.app, &w.user.id).await;
    let both = json!({"name": "X", "avatar": "https://example.com/x.png"});
    let req = t::request("PATCH", "/api/my-account", &w.token, None, Some(both));
    assert_eq!(error_of(&w.app, req).await, (400, "account_center.field_not_editable".into()));
    let req = t::request("PATCH", "/api/my-account", &w.token, None, Some(json!({"customData": {}})));
    assert_eq!(error_of(&w.app, req).await, (400, "account_center.field_not_editable".into()));

    t::set_fields(&w.app, Fields::all(Control::Edit)).await;
    let openid_only = t::token_for(&w.app, &w.user.id, t::SPA, "openid").await;
    let req = t::request("PATCH", "/api/my-account", &openid_only, None, Some(json!({"name": "X"})));
    assert_eq!(error_of(&w.app, req).await, (400, "auth.unauthorized".into()));
    let no_custom = t::token_for(&w.app, &w.user.id, t::SPA, "openid profile").await;
    let req = t::request("PATCH", "/api/my-account", &no_custom, None, Some(json!({"customData": {"a": 1}})));
    assert_eq!(error_of(&w.app, req).await, (400, "auth.unauthorized".into()));
    let third = t::token_for(&w.app, &w.user.id, t::THIRD_PARTY, t::ALL_SCOPES).await;
    let req = t::request("PATCH", "/api/my-account", &third, None, Some(json!({"name": "X"})));
    assert_eq!(error_of(&w.app, req).await, (403, "auth.third_party_application_forbidden".into()));
    let req = t::request("PATCH", "/api/my-account", &w.token, None, Some(json!({"avatar": "not a url"})));
    assert_eq!(error_of(&w.app, req).await, (400, "guard.invalid_input".into()));
    assert_eq!(t::stored_user(&w.app, &w.user.id).await, before);

    // Read-only fields are still shown; Off fields are not.
    t::set_fields(&w.app, Fields { name: Some(Control::ReadOnly), ..Fields::default() }).await;
    let (_, out) = t::call(&w.app, t::request("GET", "/api/my-account", &w.token, None, None)).await;
    assert!(out.get("name").is_some() && out.get("username").is_none() && out.get("primaryEmail").is_none(), "{out}");
}

#[tokio::test]
async fn a_username_change_needs_a_verification_record_the_policy_and_uniqueness() {
    let w = world().await;
    let app = &w.app;
    let patch = |id: Option<&str>, username: serde_json::Value| {
        t::request("PATCH", "/api/my-account", &w.token, id, Some(json!({ "username": username })))
    };
    assert_eq!(
        error_of(app, patch(None, json!("alice2"))).await,
        (401, "verification_record.permission_denied".into())
    );
    assert_eq!(
        error_of(app, patch(Some("made-up"), json!("alice2"))).await,
        (401, "verification_record.permission_denied".into())
    );

    user::insert(app, NewUser { username: Some("bob".into()), ..NewUser::default() }).await.unwrap();
    let record = w.password_record().await;
    assert_eq!(error_of(app, patch(Some(&record), json!("bob"))).await, (422, "user.username_already_in_use".into()));
    assert_eq!(error_of(app, patch(Some(&record), json!("1bob"))).await, (400, "guard.invalid_input".into()));
    assert_eq!(t::stored_user(app, &w.user.id).await.username.as_deref(), Some("alice"));

    let (status, out) = t::call(app, patch(Some(&record), json!("alice2"))).await;
    assert_eq!((status, out["username"].as_str()), (StatusCode::OK, Some("alice2")));
    // The old name is free again, the new one is claimed.
    assert!(user::find_by_username(app.store.as_ref(), "alice").await.unwrap().is_none());
    assert_eq!(user::find_by_username(app.store.as_ref(), "alice2").await.unwrap().unwrap().value.id, w.user.id);
}

#[tokio::test]
async fn the_last_sign_in_identifier_cannot_be_removed() {
    let w = world().await;
    let app = &w.app;
    let only_username = user::insert(
        app,
        NewUser {
            username: Some("carol".into()),
            password: Some(NewPassword::Plain(t::PASSWORD.into())),
            ..NewUser::default()
        },
    )
    .await
    .unwrap();
    let token = t::token_for(app, &only_username.id, t::SPA, t::ALL_SCOPES).await;
    let req = t::request("POST", "/api/verifications/password", &token, None, Some(json!({"password": t::PASSWORD})));
    let (_, body) = t::call(app, req).await;
    let record = body["verificationRecordId"].as_str().unwrap().to_owned();
    let req = t::request("PATCH", "/api/my-account", &token, Some(&record), Some(json!({"username": null})));
    assert_eq!(error_of(app, req).await, (400, "user.last_sign_in_method_required".into()));
    assert_eq!(t::stored_user(app, &only_username.id).await.username.as_deref(), Some("carol"));

    // alice also has an email, so her username can go.
    let record = w.password_record().await;
    let req = t::request("PATCH", "/api/my-account", &w.token, Some(&record), Some(json!({"username": null})));
    let (status, out) = t::call(app, req).await;
    assert_eq!((status, &out["username"]), (StatusCode::OK, &json!(null)));
}

#[tokio::test]
async fn profile_claims_merge_and_the_address_needs_its_scope() {
    let w = world().await;
    let app = &w.app;
    let req = t::request("PATCH", "/api/my-account/profile", &w.token, None, Some(json!({"nickname": "al", "x": 1})));
    let (status, out) = t::call(app, req).await;
    assert_eq!((status, out), (StatusCode::OK, json!({"nickname": "al"})));
    let req = t::request("PATCH", "/api/my-account/profile", &w.token, None, Some(json!({"givenName": "Alice"})));
    let (_, out) = t::call(app, req).await;
    assert_eq!(out, json!({"nickname": "al", "givenName": "Alice"}));

    let no_address = t::token_for(app, &w.user.id, t::SPA, "openid profile").await;
    let req =
        t::request("PATCH", "/api/my-account/profile", &no_address, None, Some(json!({"address": {"country": "NZ"}})));
    assert_eq!(error_of(app, req).await, (400, "auth.unauthorized".into()));
    let req = t::request("PATCH", "/api/my-account/profile", &w.token, None, Some(json!({"nickname": 3})));
    assert_eq!(error_of(app, req).await, (400, "guard.invalid_input".into()));
    t::set_fields(app, Fields { profile: Some(Control::ReadOnly), ..Fields::default() }).await;
    let req = t::request("PATCH", "/api/my-account/profile", &w.token, None, Some(json!({"nickname": "z"})));
    assert_eq!(error_of(app, req).await, (400, "account_center.field_not_editable".into()));
    assert_eq!(t::stored_user(app, &w.user.id).await.profile.get("nickname"), Some(&json!("al")));
}
