//! `POST /api/my-account/password`.

use http::StatusCode;
use serde_json::json;

use super::super::testing::{self as t, world};
use super::error_of;
use crate::domain::password;
use crate::domain::user::{self, Identity, NewUser};

const NEW: &str = "an0ther Long passphrase!";

#[tokio::test]
async fn a_password_change_needs_verification_and_a_new_good_password() {
    let w = world().await;
    let app = &w.app;
    let post = |id: Option<&str>, password: &str| {
        t::request("POST", "/api/my-account/password", &w.token, id, Some(json!({ "password": password })))
    };
    assert_eq!(error_of(app, post(None, NEW)).await, (401, "verification_record.permission_denied".into()));
    let record = w.password_record().await;
    assert_eq!(error_of(app, post(Some(&record), t::PASSWORD)).await, (422, "user.same_password".into()));
    assert_eq!(error_of(app, post(Some(&record), "short")).await, (422, "password.rejected".into()));
    assert_eq!(error_of(app, post(Some(&record), "")).await, (400, "guard.invalid_input".into()));
    let stored = t::stored_user(app, &w.user.id).await;
    assert!(password::verify(stored.password().as_ref(), t::PASSWORD).is_valid(), "unchanged so far");

    let (status, _) = t::call(app, post(Some(&record), NEW)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let stored = t::stored_user(app, &w.user.id).await;
    assert!(password::verify(stored.password().as_ref(), NEW).is_valid());
    assert!(!password::verify(stored.password().as_ref(), t::PASSWORD).is_valid());
}

#[tokio::test]
async fn a_social_only_user_sets_a_first_password_without_verification() {
    let w = world().await;
    let app = &w.app;
    let mut identities = std::collections::BTreeMap::new();
    identities.insert("github".to_owned(), Identity { user_id: "gh-1".into(), details: None });
    let social = user::insert(app, NewUser { identities, ..NewUser::default() }).await.unwrap();
    let token = t::token_for(app, &social.id, t::SPA, t::ALL_SCOPES).await;
    let (_, out) = t::call(app, t::request("GET", "/api/my-account", &token, None, None)).await;
    assert_eq!(
        (out["hasPassword"].as_bool(), out["hasSecurityVerificationMethod"].as_bool()),
        (Some(false), Some(false))
    );
    let req = t::request("POST", "/api/my-account/password", &token, None, Some(json!({ "password": NEW })));
    assert_eq!(t::call(app, req).await.0, StatusCode::NO_CONTENT);
    let (_, out) = t::call(app, t::request("GET", "/api/my-account", &token, None, None)).await;
    assert_eq!(out["hasPassword"], true);
    // Now that there is one, changing it needs a verification record.
    let req = t::request(
        "POST",
        "/api/my-account/password",
        &token,
        None,
        Some(json!({ "password": "yet An0ther passphrase" })),
    );
    assert_eq!(error_of(app, req).await, (401, "verification_record.permission_denied".into()));
}
