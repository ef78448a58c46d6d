//! Linking and unlinking social identities: `/api/verifications/social` + `/api/my-account/identities`.

use http::StatusCode;
use serde_json::{Value, json};

use super::super::testing::{self as t, World, world};
use super::error_of;
use crate::domain::account_center::{Control, Fields};
use crate::domain::connector::{self, ConnectorRecord, ConnectorType};
use crate::domain::user::{self, NewUser};

async fn with_mock_social() -> World {
    let w = world().await;
    let mut record = ConnectorRecord::new("social1".into(), "mock-social-connector".into(), ConnectorType::Social, 1);
    record.config = json!({ "clientId": "c", "clientSecret": "s" }).as_object().unwrap().clone();
    record.social_key = Some(("mock-social".into(), "Universal".into()));
    connector::insert(w.app.store.as_ref(), &record).await.unwrap();
    w
}

/// A verified social record of `token`'s user for the mock identity `sub`.
async fn social_record(w: &World, token: &str, sub: &str) -> String {
    let body = json!({ "connectorId": "social1", "state": "st", "redirectUri": "https://app.example/cb" });
    let (status, created) =
        t::call(&w.app, t::request("POST", "/api/verifications/social", token, None, Some(body))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["expiresAt"], "2026-01-01T00:10:00.000Z");
    assert!(created["authorizationUri"].as_str().unwrap().starts_with("http://mock-social/?state=st&"));
    let id = created["verificationRecordId"].as_str().unwrap().to_owned();
    let body = json!({ "verificationRecordId": id, "connectorData": { "code": "c", "userId": sub, "name": "Sub" } });
    let (status, verified) =
        t::call(&w.app, t::request("POST", "/api/verifications/social/verify", token, None, Some(body.clone()))).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!(verified["verificationRecordId"], id.as_str());
    // The callback is spent.
    let again = t::request("POST", "/api/verifications/social/verify", token, None, Some(body));
    assert_eq!(error_of(&w.app, again).await, (400, "session.connector_validation_session_not_found".into()));
    id
}

fn link(method: &str, token: &str, verification: Option<&str>, record: &str) -> crate::Request {
    let body = json!({ "newIdentifierVerificationRecordId": record });
    t::request(method, "/api/my-account/identities", token, verification, Some(body))
}

#[tokio::test]
async fn link_replace_and_unlink_a_social_identity() {
    let w = with_mock_social().await;
    let app = &w.app;
    let record = social_record(&w, &w.token, "sub-1").await;

    // Alice has a password: linking needs a fresh identity verification.
    assert_eq!(
        error_of(app, link("POST", &w.token, None, &record)).await,
        (401, "verification_record.permission_denied".into())
    );
    let proof = w.password_record().await;
    let (status, body) = t::call(app, link("POST", &w.token, Some(&proof), &record)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let alice = t::stored_user(app, &w.user.id).await;
    assert_eq!(alice.identities["mock-social"].user_id, "sub-1");
    assert_eq!(alice.identities["mock-social"].details.as_ref().unwrap()["name"], "Sub");
    let (_, me) = t::call(app, t::request("GET", "/api/my-account", &w.token, None, None)).await;
    assert_eq!(me["identities"]["mock-social"]["userId"], "sub-1");

    // POST again for the same target: already linked; PUT replaces.
    let second = social_record(&w, &w.token, "sub-2").await;
    assert_eq!(
        error_of(app, link("POST", &w.token, Some(&proof), &second)).await,
        (400, "user.identity_already_in_use".into())
    );
    let (status, body) = t::call(app, link("PUT", &w.token, Some(&proof), &second)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(t::stored_user(app, &w.user.id).await.identities["mock-social"].user_id, "sub-2");
    assert!(user::find_by_identity(app.store.as_ref(), "mock-social", "sub-1").await.unwrap().is_none());

    // Someone else cannot take Alice's identity.
    let bob = user::insert(app, NewUser { username: Some("bob".into()), ..NewUser::default() }).await.unwrap();
    let bob_token = t::token_for(app, &bob.id, t::SPA, t::ALL_SCOPES).await;
    let stolen = social_record(&w, &bob_token, "sub-2").await;
    assert_eq!(
        error_of(app, link("POST", &bob_token, None, &stolen)).await,
        (422, "user.identity_already_in_use".into())
    );
    // A record id of another user, or an unverified / non-social record, is not found.
    assert_eq!(
        error_of(app, link("POST", &bob_token, None, &second)).await,
        (400, "verification_record.not_found".into())
    );
    assert_eq!(
        error_of(app, link("POST", &w.token, Some(&proof), &proof)).await,
        (400, "verification_record.not_found".into())
    );

    // Unlink.
    let delete = |target: &str, token: &str, proof: Option<&str>| {
        t::request("DELETE", &format!("/api/my-account/identities/{target}"), token, proof, None)
    };
    assert_eq!(error_of(app, delete("github", &w.token, Some(&proof))).await, (404, "user.identity_not_exist".into()));
    let (status, body) = t::call(app, delete("mock-social", &w.token, Some(&proof))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(t::stored_user(app, &w.user.id).await.identities.is_empty());
}

#[tokio::test]
async fn the_last_sign_in_method_stays_and_gates_are_logtos() {
    let w = with_mock_social().await;
    let app = &w.app;
    // A user who signed up with a social identity only: nothing to verify with, nothing else
    // to sign in with.
    let mut identities = std::collections::BTreeMap::new();
    identities.insert("mock-social".to_owned(), user::Identity { user_id: "only".into(), details: None });
    let carol = user::insert(app, NewUser { identities, ..NewUser::default() }).await.unwrap();
    let token = t::token_for(app, &carol.id, t::SPA, t::ALL_SCOPES).await;
    let req = t::request("DELETE", "/api/my-account/identities/mock-social", &token, None, None);
    assert_eq!(error_of(app, req).await, (400, "user.last_sign_in_method_required".into()));
    assert_eq!(t::stored_user(app, &carol.id).await.identities.len(), 1);

    // Scope and field gates.
    let record = social_record(&w, &token, "more").await;
    let narrow = t::token_for(app, &carol.id, t::SPA, "openid profile").await;
    assert_eq!(error_of(app, link("POST", &narrow, None, &record)).await, (401, "auth.unauthorized".into()));
    let req = t::request("DELETE", "/api/my-account/identities/mock-social", &narrow, None, None);
    assert_eq!(error_of(app, req).await, (400, "auth.unauthorized".into()));
    t::set_fields(app, Fields { social: Some(Control::ReadOnly), ..Fields::all(Control::Edit) }).await;
    assert_eq!(
        error_of(app, link("POST", &token, None, &record)).await,
        (400, "account_center.field_not_editable".into())
    );

    // Bad creation requests.
    let body = |v: Value| Some(v);
    let req = t::request(
        "POST",
        "/api/verifications/social",
        &token,
        None,
        body(json!({ "connectorId": "social1", "state": "", "redirectUri": "x" })),
    );
    assert_eq!(error_of(app, req).await, (400, "session.insufficient_info".into()));
    let req = t::request(
        "POST",
        "/api/verifications/social",
        &token,
        None,
        body(json!({ "connectorId": "nope", "state": "s", "redirectUri": "x" })),
    );
    assert_eq!(error_of(app, req).await, (422, "session.invalid_connector_id".into()));
    let req = t::request(
        "POST",
        "/api/verifications/social",
        &token,
        None,
        body(json!({ "connectorId": "mock-email", "state": "s", "redirectUri": "x" })),
    );
    assert_eq!(error_of(app, req).await, (400, "connector.unexpected_type".into()));
}
