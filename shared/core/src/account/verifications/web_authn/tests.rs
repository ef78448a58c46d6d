//! WebAuthn registration through the Account API, answered by a software authenticator.

use http::StatusCode;
use serde_json::{Value, json};

use super::super::super::testing::{self as t, world};
use crate::domain::account_center::{self, AccountCenter};
use crate::domain::mfa::webauthn::tests::Authenticator;
use crate::testing::ENDPOINT;

const REGISTRATION: &str = "/api/verifications/web-authn/registration";
const VERIFY: &str = "/api/verifications/web-authn/registration/verify";

async fn code_of(app: &crate::App, req: crate::Request) -> (u16, String) {
    let (status, body) = t::call(app, req).await;
    (status.as_u16(), body["code"].as_str().unwrap_or_default().to_owned())
}

fn verify(token: &str, record: &Value, payload: &crate::domain::mfa::webauthn::RegistrationPayload) -> crate::Request {
    t::request("POST", VERIFY, token, None, Some(json!({ "verificationRecordId": record, "payload": payload })))
}

#[tokio::test]
async fn a_credential_is_registered_once_for_the_tokens_user() {
    let w = world().await;
    let app = &w.app;
    let (status, body) = t::call(app, t::request("POST", REGISTRATION, &w.token, None, None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expiresAt"], "2026-01-01T00:10:00.000Z");
    let options = &body["registrationOptions"];
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["id"], crate::jose::b64(w.user.id.as_bytes()));
    assert_eq!(options["user"]["name"], "alice@example.com");
    let record = body["verificationRecordId"].clone();

    let mut authenticator = Authenticator::es256();
    authenticator.user_id = w.user.id.clone();
    // Another origin than the endpoint's is refused ...
    let foreign = authenticator.register(options["challenge"].as_str().unwrap(), "https://account.example.com");
    assert_eq!(
        code_of(app, verify(&w.token, &record, &foreign)).await,
        (400, "session.mfa.webauthn_verification_failed".into())
    );
    // ... the endpoint's verifies, once.
    let response = authenticator.register(options["challenge"].as_str().unwrap(), ENDPOINT);
    let (status, body) = t::call(app, verify(&w.token, &record, &response)).await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({ "verificationRecordId": record })));
    assert_eq!(
        code_of(app, verify(&w.token, &record, &response)).await,
        (400, "session.mfa.pending_info_not_found".into())
    );

    // A WebAuthn record proves nothing about who holds the token.
    let req = t::request(
        "POST",
        "/api/my-account/password",
        &w.token,
        record.as_str(),
        Some(json!({ "password": "another-Passw0rd!" })),
    );
    assert_eq!(code_of(app, req).await, (401, "verification_record.permission_denied".into()));
}

#[tokio::test]
async fn related_origins_of_the_account_center_may_run_the_ceremony() {
    let w = world().await;
    let app = &w.app;
    let current = account_center::find_versioned(app.store.as_ref()).await.unwrap();
    let mut next: AccountCenter = current.as_ref().unwrap().value.clone();
    next.webauthn_related_origins = vec!["https://account.example.com".into()];
    account_center::update(app.store.as_ref(), current.as_ref(), &next).await.unwrap();

    let (_, body) = t::call(app, t::request("POST", REGISTRATION, &w.token, None, None)).await;
    let mut authenticator = Authenticator::es256();
    authenticator.user_id = w.user.id.clone();
    let response = authenticator
        .register(body["registrationOptions"]["challenge"].as_str().unwrap(), "https://account.example.com");
    let (status, answer) = t::call(app, verify(&w.token, &body["verificationRecordId"], &response)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

#[tokio::test]
async fn only_this_users_webauthn_records_of_first_party_clients() {
    let w = world().await;
    let app = &w.app;
    let third = t::token_for(app, &w.user.id, t::THIRD_PARTY, t::ALL_SCOPES).await;
    assert_eq!(
        code_of(app, t::request("POST", REGISTRATION, &third, None, None)).await,
        (403, "auth.third_party_application_forbidden".into())
    );

    let authenticator = Authenticator::es256();
    let payload = authenticator.register("Y2g", ENDPOINT);
    assert_eq!(
        code_of(app, verify(&w.token, &json!("nope"), &payload)).await,
        (400, "verification_record.not_found".into())
    );
    // A password record is not a WebAuthn record.
    let password = w.password_record().await;
    assert_eq!(
        code_of(app, verify(&w.token, &json!(password), &payload)).await,
        (400, "verification_record.not_found".into())
    );
    // Another user's record is not found either.
    let (_, body) = t::call(app, t::request("POST", REGISTRATION, &w.token, None, None)).await;
    let bob = crate::domain::user::insert(
        app,
        crate::domain::user::NewUser { username: Some("bob".into()), ..Default::default() },
    )
    .await
    .unwrap();
    let bobs_token = t::token_for(app, &bob.id, t::SPA, t::ALL_SCOPES).await;
    assert_eq!(
        code_of(app, verify(&bobs_token, &body["verificationRecordId"], &payload)).await,
        (400, "verification_record.not_found".into())
    );
    // A malformed payload is the guard's 400.
    let req = t::request(
        "POST",
        VERIFY,
        &w.token,
        None,
        Some(json!({ "verificationRecordId": body["verificationRecordId"], "payload": {"type": "WebAuthn"} })),
    );
    assert_eq!(code_of(app, req).await, (400, "guard.invalid_input".into()));
}

#[tokio::test]
async fn a_registered_credential_is_bound_renamed_and_then_signs() {
    let w = world().await;
    let app = &w.app;
    t::set_sie(app, json!({"mfa": {"factors": ["WebAuthn"], "policy": "UserControlled"}})).await;
    let (_, body) = t::call(app, t::request("POST", REGISTRATION, &w.token, None, None)).await;
    let record = body["verificationRecordId"].clone();
    let mut authenticator = Authenticator::es256();
    authenticator.user_id = w.user.id.clone();
    let response = authenticator.register(body["registrationOptions"]["challenge"].as_str().unwrap(), ENDPOINT);
    assert_eq!(t::call(app, verify(&w.token, &record, &response)).await.0, StatusCode::OK);

    // Binding needs the identity verified (a password record), then adds the credential.
    let bind = |verification: Option<&str>| {
        t::request(
            "POST",
            "/api/my-account/mfa-verifications",
            &w.token,
            verification,
            Some(json!({ "type": "WebAuthn", "newIdentifierVerificationRecordId": record, "name": "My key" })),
        )
    };
    assert_eq!(code_of(app, bind(None)).await, (401, "verification_record.permission_denied".into()));
    let password = w.password_record().await;
    let (status, body) = t::call(app, bind(Some(&password))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let list =
        |verification: &str| t::request("GET", "/api/my-account/mfa-verifications", &w.token, Some(verification), None);
    let (_, factors) = t::call(app, list(&password)).await;
    let factor = factors.as_array().unwrap().iter().find(|f| f["type"] == "WebAuthn").unwrap().clone();
    assert_eq!(factor["name"], "My key");

    // Renamed through the Account API.
    let id = factor["id"].as_str().unwrap();
    let req = t::request(
        "PATCH",
        &format!("/api/my-account/mfa-verifications/{id}/name"),
        &w.token,
        Some(&password),
        Some(json!({ "name": "Laptop" })),
    );
    assert_eq!(t::call(app, req).await.0, StatusCode::OK);
    let (_, factors) = t::call(app, list(&password)).await;
    assert_eq!(factors.as_array().unwrap().iter().find(|f| f["type"] == "WebAuthn").unwrap()["name"], "Laptop");

    // The stored key is the authenticator's: its assertion verifies against what was bound.
    let user = t::stored_user(app, &w.user.id).await;
    let stored =
        crate::domain::mfa::webauthn::credentials::find(&user, &crate::jose::b64(&authenticator.credential_id))
            .unwrap();
    let rp = crate::domain::mfa::webauthn::RelyingParty::of(&app.config).unwrap();
    authenticator.counter = 1;
    let assertion = authenticator.assert("Y2hhbGxlbmdl", ENDPOINT);
    let counter = crate::domain::mfa::webauthn::verify_authentication(
        app.crypto.as_ref(),
        &assertion,
        &rp.expect("Y2hhbGxlbmdl"),
        &crate::domain::mfa::webauthn::StoredCredential {
            credential_id: &stored.credential_id,
            public_key: &stored.public_key,
            counter: stored.counter,
            user_id: &w.user.id,
        },
    )
    .await
    .unwrap();
    assert_eq!(counter, 1);
}
