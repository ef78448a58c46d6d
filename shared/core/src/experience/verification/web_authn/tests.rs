//! The WebAuthn MFA routes over HTTP (memory store, fixed clock), with a software
//! authenticator answering the options the server hands out, as a browser would.

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::domain::mfa::webauthn::tests::Authenticator;
use crate::domain::sign_in_experience;
use crate::domain::user::{self, NewPassword, NewUser};
use crate::testing::{self, ENDPOINT};
use crate::{App, Request};

const PASSWORD: &str = "Correct-h0rse";
const REGISTRATION: &str = "/api/experience/verification/web-authn/registration";
const AUTHENTICATION: &str = "/api/experience/verification/web-authn/authentication";

struct Browser {
    cookie: String,
}

async fn browser(app: &App) -> Browser {
    Browser { cookie: crate::experience::testing::start_interaction(app).await.cookie }
}

impl Browser {
    async fn call(&self, app: &App, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut builder = http::Request::builder().method(method).uri(path).header("cookie", &self.cookie);
        builder = builder.header("user-agent", "test-browser/1.0");
        let body = match body {
            Some(v) => {
                builder = builder.header("content-type", "application/json");
                Bytes::from(v.to_string())
            }
            None => Bytes::new(),
        };
        let req: Request = builder.body(body).unwrap();
        let (status, _, json) = testing::call(app, req).await;
        (status, json)
    }

    async fn post(&self, app: &App, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call(app, Method::POST, path, body).await
    }

    /// `PUT /api/experience` (sign-in), password verification and identification of `username`.
    async fn sign_in(&self, app: &App, username: &str) {
        let (status, body) =
            self.call(app, Method::PUT, "/api/experience", Some(json!({ "interactionEvent": "SignIn" }))).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, body) = self
            .post(
                app,
                "/api/experience/verification/password",
                Some(json!({ "identifier": { "type": "username", "value": username }, "password": PASSWORD })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = self
            .post(app, "/api/experience/identification", Some(json!({ "verificationId": body["verificationId"] })))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }

    async fn interaction(&self, app: &App) -> Value {
        self.call(app, Method::GET, "/api/experience/interaction", None).await.1
    }
}

#[track_caller]
fn expect_error(got: (StatusCode, Value), status: u16, code: &str) {
    assert_eq!((got.0.as_u16(), got.1["code"].as_str().unwrap_or_default()), (status, code), "{}", got.1);
}

async fn alice(app: &App) -> user::UserRecord {
    user::insert(
        app,
        NewUser {
            username: Some("alice".into()),
            primary_email: Some("alice@example.com".into()),
            password: Some(NewPassword::Plain(PASSWORD.into())),
            ..NewUser::default()
        },
    )
    .await
    .unwrap()
}

/// Put a credential on the user as a binding does (Logto's `MfaVerificationWebAuthn`).
async fn bind(app: &App, user_id: &str, info: &Value) {
    let current = user::find(app.store.as_ref(), user_id).await.unwrap().unwrap();
    let mut next = current.value.clone();
    let mut entry = info.clone();
    entry["id"] = json!("mfa-webauthn-1");
    entry["createdAt"] = json!("2026-01-01T00:00:00.000Z");
    next.mfa_verifications.push(serde_json::from_value(entry).unwrap());
    user::update(app.store.as_ref(), &current, &next).await.unwrap();
}

fn stored_credential(user: &user::UserRecord) -> Value {
    user.mfa_verifications.iter().map(|v| serde_json::to_value(v).unwrap()).find(|v| v["type"] == "WebAuthn").unwrap()
}

#[tokio::test]
async fn a_user_registers_a_credential_and_then_verifies_with_it() {
    let app = testing::app();
    let alice = alice(&app).await;
    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;
    let mut authenticator = Authenticator::es256();
    authenticator.user_id = alice.id.clone();

    // Registration options name this deployment and the user, and exclude nothing yet.
    let (status, body) = b.post(&app, REGISTRATION, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verification_id = body["verificationId"].as_str().unwrap().to_owned();
    let options = &body["registrationOptions"];
    assert_eq!(options["rp"], json!({ "name": "localhost", "id": "localhost" }));
    assert_eq!(options["user"]["name"], "alice@example.com");
    assert_eq!(crate::jose::unb64(options["user"]["id"].as_str().unwrap()).unwrap(), alice.id.as_bytes());
    assert_eq!(options["excludeCredentials"], json!([]));
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
    let challenge = options["challenge"].as_str().unwrap().to_owned();
    assert_eq!(crate::jose::unb64(&challenge).unwrap().len(), 32);

    // A response to another challenge is refused; the right one verifies, once.
    let verify = |payload: &crate::domain::mfa::webauthn::RegistrationPayload| json!({ "verificationId": verification_id, "payload": payload });
    let stale = authenticator.register("b3RoZXI", ENDPOINT);
    expect_error(
        b.post(&app, &format!("{REGISTRATION}/verify"), Some(verify(&stale))).await,
        400,
        "session.mfa.webauthn_verification_failed",
    );
    let response = authenticator.register(&challenge, ENDPOINT);
    let (status, body) = b.post(&app, &format!("{REGISTRATION}/verify"), Some(verify(&response))).await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({ "verificationId": verification_id })));
    expect_error(
        b.post(&app, &format!("{REGISTRATION}/verify"), Some(verify(&response))).await,
        400,
        "session.mfa.pending_info_not_found",
    );
    // What the interaction shows: the verified record, no challenge, no credential.
    let interaction = b.interaction(&app).await;
    assert_eq!(
        interaction["verificationRecords"][1],
        json!({ "id": verification_id, "type": "WebAuthn", "userId": alice.id, "verified": true })
    );

    // The credential the record keeps for binding, in Logto's `BindWebAuthn` shape.
    let session = crate::experience::session::Session::open(&app, &{
        http::Request::builder().uri("/").header("cookie", &b.cookie).body(Bytes::new()).unwrap()
    })
    .await
    .unwrap();
    let info = match session.storage.record(&verification_id) {
        Some(crate::experience::storage::VerificationRecord::WebAuthn(r)) => {
            serde_json::to_value(r.registration_info.as_ref().unwrap()).unwrap()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(info["type"], "WebAuthn");
    assert_eq!(info["rpId"], "localhost");
    assert_eq!(info["credentialId"], crate::jose::b64(&authenticator.credential_id));
    assert_eq!(info["transports"], json!(["internal"]));
    assert_eq!(info["counter"], 0);
    assert_eq!(info["agent"], "test-browser/1.0");
    bind(&app, &alice.id, &info).await;

    // A second registration excludes the bound credential; the same authenticator answering
    // anyway is refused.
    let (_, body) = b.post(&app, REGISTRATION, None).await;
    assert_eq!(
        body["registrationOptions"]["excludeCredentials"],
        json!([{ "id": info["credentialId"], "type": "public-key", "transports": ["internal"] }])
    );
    let again = authenticator.register(body["registrationOptions"]["challenge"].as_str().unwrap(), ENDPOINT);
    expect_error(
        b.post(
            &app,
            &format!("{REGISTRATION}/verify"),
            Some(json!({ "verificationId": body["verificationId"], "payload": again })),
        )
        .await,
        400,
        "session.mfa.webauthn_verification_failed",
    );

    // Authentication: options allow the bound credential; an assertion verifies once, and the
    // user's entry records the counter and when it was used.
    let (status, body) = b.post(&app, AUTHENTICATION, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let options = &body["authenticationOptions"];
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(options["allowCredentials"][0]["id"], info["credentialId"]);
    let auth_id = body["verificationId"].as_str().unwrap().to_owned();
    authenticator.counter = 3;
    let assertion = authenticator.assert(options["challenge"].as_str().unwrap(), ENDPOINT);
    let body = json!({ "verificationId": auth_id, "payload": assertion });
    let (status, answer) = b.post(&app, &format!("{AUTHENTICATION}/verify"), Some(body.clone())).await;
    assert_eq!((status, &answer), (StatusCode::OK, &json!({ "verificationId": auth_id })));
    let stored = stored_credential(&user::find(app.store.as_ref(), &alice.id).await.unwrap().unwrap().value);
    assert_eq!(stored["counter"], 3);
    assert_eq!(stored["lastUsedAt"], "2026-01-01T00:00:00.000Z");
    assert_eq!(stored["id"], "mfa-webauthn-1");
    // The same response again: the challenge is spent.
    expect_error(
        b.post(&app, &format!("{AUTHENTICATION}/verify"), Some(body)).await,
        400,
        "session.mfa.pending_info_not_found",
    );
}

#[tokio::test]
async fn failures_count_in_the_webauthn_pool_only() {
    let app = testing::app();
    let alice = alice(&app).await;
    let current = sign_in_experience::find_versioned(app.store.as_ref()).await.unwrap();
    let mut sie = serde_json::to_value(
        current.as_ref().map(|v| v.value.clone()).unwrap_or_else(sign_in_experience::SignInExperience::logto_default),
    )
    .unwrap();
    sie["sentinelPolicy"] = json!({ "maxAttempts": 2, "lockoutDuration": 10 });
    sign_in_experience::update(app.store.as_ref(), current.as_ref(), &serde_json::from_value(sie).unwrap())
        .await
        .unwrap();

    let mut authenticator = Authenticator::es256();
    authenticator.user_id = alice.id.clone();
    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;
    let (_, body) = b.post(&app, REGISTRATION, None).await;
    let response = authenticator.register(body["registrationOptions"]["challenge"].as_str().unwrap(), ENDPOINT);
    let (status, _) = b
        .post(
            &app,
            &format!("{REGISTRATION}/verify"),
            Some(json!({ "verificationId": body["verificationId"], "payload": response })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let record = crate::domain::mfa::webauthn::BindWebAuthn::new(
        "localhost",
        crate::domain::mfa::webauthn::NewCredential {
            credential_id: crate::jose::b64(&authenticator.credential_id),
            public_key: crate::jose::b64(&authenticator.cose_key()),
            counter: 0,
            transports: vec![],
            format: "none",
        },
        "agent",
    );
    bind(&app, &alice.id, &serde_json::to_value(record).unwrap()).await;

    // Another key answering for the credential: refused, and counted.
    let mut impostor = Authenticator::es256();
    impostor.credential_id = authenticator.credential_id.clone();
    impostor.user_id = alice.id.clone();
    // The second failure reaches `maxAttempts` and blocks.
    for expected in ["session.mfa.webauthn_verification_failed", "session.verification_blocked_too_many_attempts"] {
        let (_, body) = b.post(&app, AUTHENTICATION, None).await;
        let assertion = impostor.assert(body["authenticationOptions"]["challenge"].as_str().unwrap(), ENDPOINT);
        expect_error(
            b.post(
                &app,
                &format!("{AUTHENTICATION}/verify"),
                Some(json!({ "verificationId": body["verificationId"], "payload": assertion })),
            )
            .await,
            400,
            expected,
        );
    }
    // Now even the real authenticator is blocked for WebAuthn ...
    let (_, body) = b.post(&app, AUTHENTICATION, None).await;
    let assertion = authenticator.assert(body["authenticationOptions"]["challenge"].as_str().unwrap(), ENDPOINT);
    expect_error(
        b.post(
            &app,
            &format!("{AUTHENTICATION}/verify"),
            Some(json!({ "verificationId": body["verificationId"], "payload": assertion })),
        )
        .await,
        400,
        "session.verification_blocked_too_many_attempts",
    );
    // ... while the password still signs in (its own pool).
    browser(&app).await.sign_in(&app, "alice").await;
}

#[tokio::test]
async fn the_routes_need_an_identified_user_and_their_own_record() {
    let app = testing::app();
    let alice = alice(&app).await;
    let b = browser(&app).await;
    let (status, _) = b.call(&app, Method::PUT, "/api/experience", Some(json!({ "interactionEvent": "SignIn" }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    expect_error(b.post(&app, REGISTRATION, None).await, 404, "session.identifier_not_found");
    expect_error(b.post(&app, AUTHENTICATION, None).await, 404, "session.identifier_not_found");

    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;
    // No credential yet: nothing to authenticate with.
    expect_error(b.post(&app, AUTHENTICATION, None).await, 400, "session.mfa.webauthn_verification_not_found");
    // Unknown record ids, and the password record's id under the WebAuthn route.
    let authenticator = Authenticator::es256();
    let payload = authenticator.register("Y2g", ENDPOINT);
    expect_error(
        b.post(&app, &format!("{REGISTRATION}/verify"), Some(json!({ "verificationId": "nope", "payload": payload })))
            .await,
        404,
        "session.verification_session_not_found",
    );
    let password_record = b.interaction(&app).await["verificationRecords"][0]["id"].clone();
    expect_error(
        b.post(
            &app,
            &format!("{AUTHENTICATION}/verify"),
            Some(json!({ "verificationId": password_record, "payload": authenticator.assert("Y2g", ENDPOINT) })),
        )
        .await,
        404,
        "session.verification_session_not_found",
    );
    // A registration record cannot be used to authenticate (no authentication challenge).
    let (_, body) = b.post(&app, REGISTRATION, None).await;
    expect_error(
        b.post(
            &app,
            &format!("{AUTHENTICATION}/verify"),
            Some(json!({ "verificationId": body["verificationId"], "payload": authenticator.assert("Y2g", ENDPOINT) })),
        )
        .await,
        400,
        "session.mfa.pending_info_not_found",
    );
    // A malformed payload is the guard's 400.
    expect_error(
        b.post(
            &app,
            &format!("{REGISTRATION}/verify"),
            Some(json!({ "verificationId": body["verificationId"], "payload": { "type": "Totp" } })),
        )
        .await,
        400,
        "guard.invalid_input",
    );
    let _ = alice;
}
