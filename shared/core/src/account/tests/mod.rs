//! The Account API's middleware: authentication, the account center switch, CORS.

use http::StatusCode;
use serde_json::json;

use super::testing::{self as t, world};
use crate::domain::account_center::{AccountCenter, Control, Fields};
use crate::domain::{account_center, user};

#[tokio::test]
async fn the_bearer_token_must_be_a_live_opaque_token_with_openid() {
    let w = world().await;
    let app = &w.app;
    let bare = ::http::Request::get("/api/my-account").body(bytes::Bytes::new()).unwrap();
    let (status, body) = t::call(app, bare).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.authorization_header_missing")));

    let basic =
        ::http::Request::get("/api/my-account").header("authorization", "Basic abc").body(bytes::Bytes::new()).unwrap();
    let (status, body) = t::call(app, basic).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("auth.authorization_token_type_not_supported"))
    );

    for token in ["nope", "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig", &"A".repeat(43)] {
        let (status, body) = t::call(app, t::request("GET", "/api/my-account", token, None, None)).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.unauthorized")), "{token}");
    }

    let no_openid = t::token_for(app, &w.user.id, t::SPA, "profile").await;
    let (status, body) = t::call(app, t::request("GET", "/api/my-account", &no_openid, None, None)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("auth.forbidden")));

    let (status, body) = t::call(app, t::request("GET", "/api/my-account", &w.token, None, None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], w.user.id.as_str());

    app.clock.advance_ms(3600 * 1000);
    let (status, body) = t::call(app, t::request("GET", "/api/my-account", &w.token, None, None)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.unauthorized")), "expired");
}

#[tokio::test]
async fn a_suspended_or_deleted_user_is_unauthorized() {
    let w = world().await;
    let app = &w.app;
    let store = app.store.as_ref();
    let current = user::find(store, &w.user.id).await.unwrap().unwrap();
    let mut next = current.value.clone();
    next.is_suspended = true;
    user::update(store, &current, &next).await.unwrap();
    let (status, body) = t::call(app, t::request("GET", "/api/my-account", &w.token, None, None)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.unauthorized")));

    let current = user::find(store, &w.user.id).await.unwrap().unwrap();
    user::delete(store, &current).await.unwrap();
    let (status, _) = t::call(app, t::request("GET", "/api/my-account", &w.token, None, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_account_center_must_be_enabled() {
    let w = world().await;
    let app = &w.app;
    let store = app.store.as_ref();
    let current = account_center::find_versioned(store).await.unwrap();
    let off = AccountCenter { enabled: false, fields: Fields::all(Control::Edit), ..AccountCenter::logto_default() };
    account_center::update(store, current.as_ref(), &off).await.unwrap();
    for (method, path) in [("GET", "/api/my-account"), ("POST", "/api/verifications/password")] {
        let (status, body) = t::call(app, t::request(method, path, &w.token, None, Some(json!({})))).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("account_center.not_enabled")),
            "{path}"
        );
    }
    // Authentication comes first.
    let (status, _) = t::call(app, t::request("GET", "/api/my-account", "bad", None, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_paths_are_404_before_authentication() {
    let w = world().await;
    let bare = ::http::Request::get("/api/my-account/nothing-here").body(bytes::Bytes::new()).unwrap();
    let (status, _) = t::call(&w.app, bare).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn any_origin_may_call_and_preflight() {
    let w = world().await;
    let preflight = ::http::Request::builder()
        .method("OPTIONS")
        .uri("/api/my-account/primary-email")
        .header("origin", "https://app.example.org")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,logto-verification-id,content-type")
        .body(bytes::Bytes::new())
        .unwrap();
    let (status, headers, _) = crate::testing::call(&w.app, preflight).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(headers["access-control-allow-origin"], "https://app.example.org");
    assert_eq!(headers["access-control-allow-headers"], "authorization,logto-verification-id,content-type");
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("PATCH"));

    let mut req = t::request("GET", "/api/my-account", &w.token, None, None);
    req.headers_mut().insert("origin", "https://app.example.org".parse().unwrap());
    let (status, headers, _) = crate::testing::call(&w.app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], "https://app.example.org");
    let (status, headers, _) =
        crate::testing::call(&w.app, t::request("GET", "/api/my-account", "bad", None, None)).await;
    assert_eq!((status, headers["access-control-allow-origin"].to_str().unwrap()), (StatusCode::UNAUTHORIZED, "*"));
}

mod mfa;
mod password;
mod primary_identifier;
mod profile;
mod sessions;
mod social;
mod verifications;

/// `(status, code)` of a call, for error assertions.
async fn error_of(app: &crate::App, req: crate::Request) -> (u16, String) {
    let (status, body) = t::call(app, req).await;
    (status.as_u16(), body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_token_whose_grant_is_gone_is_refused() {
    let w = world().await;
    let token = crate::domain::access_token::opaque::find(&w.app, &w.token).await.unwrap().unwrap();
    // Only the grant record goes, as if the revocation stopped before removing the tokens.
    crate::store::Store::delete(w.app.store.as_ref(), &crate::store::keys::grant(&token.grant_id)).await.unwrap();
    let (status, body) = t::call(&w.app, t::request("GET", "/api/my-account", &w.token, None, None)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.unauthorized")));
}

#[tokio::test]
async fn refused_writes_leave_the_account_exactly_as_it_was() {
    use crate::domain::user::{NewPassword, NewUser};
    let w = world().await;
    let app = &w.app;
    let store = app.store.as_ref();
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
    let foreign = t::call(app, req).await.1["verificationRecordId"].as_str().unwrap().to_owned();
    let expired = w.password_record().await;
    let proof = w.code_record("email", "new@example.com").await;
    app.clock.advance_ms(10 * 60 * 1000);
    let proof_live = w.code_record("email", "new2@example.com").await;
    let before = user::find(store, &w.user.id).await.unwrap().unwrap();

    type Attempt<'a> = (&'a str, &'a str, Option<&'a str>, serde_json::Value, (u16, &'a str));
    let attempts: Vec<Attempt<'_>> = vec![
        (
            "PATCH",
            "/api/my-account",
            Some(&expired),
            json!({"username": "x1"}),
            (401, "verification_record.permission_denied"),
        ),
        (
            "PATCH",
            "/api/my-account",
            Some(&foreign),
            json!({"username": "x1"}),
            (401, "verification_record.permission_denied"),
        ),
        (
            "POST",
            "/api/my-account/password",
            Some(&foreign),
            json!({"password": "A-new-passphrase-9"}),
            (401, "verification_record.permission_denied"),
        ),
        (
            "POST",
            "/api/my-account/primary-email",
            Some(&foreign),
            json!({"email": "new2@example.com", "newIdentifierVerificationRecordId": proof_live}),
            (401, "verification_record.permission_denied"),
        ),
        (
            "POST",
            "/api/my-account/primary-email",
            Some(&proof_live),
            json!({"email": "new2@example.com", "newIdentifierVerificationRecordId": proof_live}),
            (401, "verification_record.permission_denied"),
        ),
        (
            "DELETE",
            "/api/my-account/primary-email",
            None,
            serde_json::Value::Null,
            (401, "verification_record.permission_denied"),
        ),
        (
            "PATCH",
            "/api/my-account/logto-configs",
            Some(&expired),
            json!({"mfa": {"skipped": true}}),
            (401, "verification_record.permission_denied"),
        ),
    ];
    for (method, path, id, body, expected) in attempts {
        let body = if body.is_null() { None } else { Some(body) };
        let got = error_of(app, t::request(method, path, &w.token, id, body)).await;
        assert_eq!((got.0, got.1.as_str()), expected, "{method} {path}");
    }
    // An expired new-identifier proof, with a good permission record.
    let permission = w.password_record().await;
    let req = t::request(
        "POST",
        "/api/my-account/primary-email",
        &w.token,
        Some(&permission),
        Some(json!({"email": "new@example.com", "newIdentifierVerificationRecordId": proof})),
    );
    assert_eq!(error_of(app, req).await, (400, "verification_record.not_found".into()));
    // Fields switched off.
    t::set_fields(app, Fields::default()).await;
    for (method, path, body) in [
        ("PATCH", "/api/my-account", json!({"name": "X"})),
        ("PATCH", "/api/my-account/profile", json!({"nickname": "X"})),
        ("POST", "/api/my-account/password", json!({"password": "A-new-passphrase-9"})),
        (
            "POST",
            "/api/my-account/primary-email",
            json!({"email": "new2@example.com", "newIdentifierVerificationRecordId": proof_live}),
        ),
    ] {
        let got = error_of(app, t::request(method, path, &w.token, Some(&permission), Some(body))).await;
        assert_eq!(got, (400, "account_center.field_not_editable".into()), "{method} {path}");
    }
    let after = user::find(store, &w.user.id).await.unwrap().unwrap();
    assert_eq!(after, before, "record and version untouched");
}
