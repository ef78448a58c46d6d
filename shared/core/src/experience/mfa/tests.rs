//! MFA in the Experience API end to end over `crate::handle`: verification at sign-in
//! (TOTP, backup codes), binding under each policy, the submit-time checks, replay and
//! sentinel behaviour, and what is written to the user.

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::domain::mfa::{self as domain_mfa, BindMfa, backup_code, totp};
use crate::domain::sign_in_experience;
use crate::domain::user::{self, NewPassword, NewUser};
use crate::ports::Clock as _;
use crate::testing;
use crate::{App, Request};

const PASSWORD: &str = "Correct-h0rse";
const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

struct Browser {
    cookie: String,
}

async fn browser(app: &App) -> Browser {
    Browser { cookie: crate::experience::testing::start_interaction(app).await.cookie }
}

impl Browser {
    async fn call(&self, app: &App, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut builder = http::Request::builder().method(method).uri(path).header("cookie", &self.cookie);
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

    async fn post(&self, app: &App, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(app, Method::POST, path, Some(body)).await
    }

    async fn post_empty(&self, app: &App, path: &str) -> (StatusCode, Value) {
        self.call(app, Method::POST, path, None).await
    }

    async fn start(&self, app: &App, event: &str) {
        let got = self.call(app, Method::PUT, "/api/experience", Some(json!({ "interactionEvent": event }))).await;
        assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.1);
    }

    /// `PUT /api/experience` (sign-in), password verification and identification.
    async fn sign_in(&self, app: &App, username: &str) {
        self.start(app, "SignIn").await;
        let (status, body) = self
            .post(
                app,
                "/api/experience/verification/password",
                json!({ "identifier": { "type": "username", "value": username }, "password": PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) =
            self.post(app, "/api/experience/identification", json!({ "verificationId": body["verificationId"] })).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }

    async fn submit(&self, app: &App) -> (StatusCode, Value) {
        self.post_empty(app, "/api/experience/submit").await
    }

    async fn totp(&self, app: &App, code: &str) -> (StatusCode, Value) {
        self.post(app, "/api/experience/verification/totp/verify", json!({ "code": code })).await
    }

    async fn interaction(&self, app: &App) -> Value {
        self.call(app, Method::GET, "/api/experience/interaction", None).await.1
    }
}

#[track_caller]
fn expect_error(got: (StatusCode, Value), status: u16, code: &str) {
    assert_eq!((got.0.as_u16(), got.1["code"].as_str().unwrap_or_default()), (status, code), "{}", got.1);
}

#[track_caller]
fn expect_ok(got: &(StatusCode, Value), status: u16) {
    assert_eq!(got.0.as_u16(), status, "{}", got.1);
}

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

async fn mfa_policy(app: &App, factors: Value, policy: &str) {
    set_sie(app, json!({ "mfa": { "factors": factors, "policy": policy } })).await;
}

async fn alice(app: &App, factors: Vec<BindMfa>) -> user::UserRecord {
    let record = user::insert(
        app,
        NewUser {
            username: Some("alice".into()),
            primary_email: Some("alice.smith@example.com".into()),
            password: Some(NewPassword::Plain(PASSWORD.into())),
            ..NewUser::default()
        },
    )
    .await
    .unwrap();
    let new: Vec<_> = factors.into_iter().map(|b| b.into_verification(app)).collect();
    domain_mfa::change(app, &record.id, |u, _| {
        u.merge_mfa_verifications(new.clone());
        Ok::<_, ()>(())
    })
    .await
    .unwrap()
    .1
}

async fn stored(app: &App, id: &str) -> user::UserRecord {
    user::find(app.store.as_ref(), id).await.unwrap().unwrap().value
}

fn code_now(app: &App) -> String {
    totp::code_now(SECRET, app.clock.now_ms()).unwrap()
}

#[tokio::test]
async fn a_user_with_totp_signs_in_with_a_code_once() {
    let app = testing::app();
    mfa_policy(&app, json!(["Totp"]), "UserControlled").await;
    let alice = alice(&app, vec![BindMfa::Totp { secret: SECRET.into() }]).await;
    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;

    // Password alone is not enough: submit and profile changes ask for the second factor.
    let got = b.submit(&app).await;
    assert_eq!(got.1["data"], json!({ "availableFactors": ["Totp"], "maskedIdentifiers": {} }));
    expect_error(got, 403, "session.mfa.require_mfa_verification");
    expect_error(
        b.post(&app, "/api/experience/profile", json!({ "type": "username", "value": "alicia" })).await,
        403,
        "session.mfa.require_mfa_verification",
    );
    expect_error(b.totp(&app, "000000").await, 400, "session.mfa.invalid_totp_code");
    expect_error(b.totp(&app, "not a code").await, 400, "session.mfa.invalid_totp_code");
    assert_eq!(stored(&app, &alice.id).await, alice, "a wrong code changes nothing");

    let code = code_now(&app);
    let got = b.totp(&app, &code).await;
    expect_ok(&got, 200);
    assert_eq!(got.1["verificationId"].as_str().unwrap().len(), 21);
    let got = b.submit(&app).await;
    expect_ok(&got, 200);
    assert!(got.1["redirectTo"].as_str().unwrap().contains("/oidc/auth/"), "{}", got.1);
    let after = stored(&app, &alice.id).await;
    assert_eq!(after.totp().unwrap().last_used_time_step, Some(totp::step_at(app.clock.now_ms()) as u64));

    // The same code in another sign-in, within its window: refused, the user unchanged.
    let again = browser(&app).await;
    again.sign_in(&app, "alice").await;
    expect_error(again.totp(&app, &code).await, 400, "session.mfa.invalid_totp_code");
    expect_error(again.submit(&app).await, 403, "session.mfa.require_mfa_verification");
    assert_eq!(stored(&app, &alice.id).await.mfa_verifications, after.mfa_verifications);
    // The next step's code works.
    app.clock.advance_ms(30_000);
    expect_ok(&again.totp(&app, &code_now(&app)).await, 200);
    expect_ok(&again.submit(&app).await, 200);
}

#[tokio::test]
async fn mfa_failures_lock_the_mfa_pool_only() {
    let app = testing::app();
    set_sie(
        &app,
        json!({ "mfa": { "factors": ["Totp", "BackupCode"], "policy": "UserControlled" },
                "sentinelPolicy": { "maxAttempts": 5, "lockoutDuration": 10 } }),
    )
    .await;
    let codes = backup_code::generate(app.rng.as_ref());
    alice(&app, vec![BindMfa::Totp { secret: SECRET.into() }, BindMfa::BackupCode { codes: codes.clone() }]).await;
    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;
    for _ in 0..4 {
        expect_error(b.totp(&app, "000000").await, 400, "session.mfa.invalid_totp_code");
    }
    expect_error(b.totp(&app, "000000").await, 400, "session.verification_blocked_too_many_attempts");
    // Blocked even with the right code…
    expect_error(b.totp(&app, &code_now(&app)).await, 400, "session.verification_blocked_too_many_attempts");
    // …but the password pool is untouched: the user still signs in with a password, and the
    // backup-code pool is separate too.
    let other = browser(&app).await;
    other.sign_in(&app, "alice").await;
    let got = other.post(&app, "/api/experience/verification/backup-code/verify", json!({ "code": codes[0] })).await;
    expect_ok(&got, 200);
    expect_ok(&other.submit(&app).await, 200);
}

#[tokio::test]
async fn backup_codes_verify_once_and_are_stored_hashed() {
    let app = testing::app();
    mfa_policy(&app, json!(["Totp", "BackupCode"]), "UserControlled").await;
    let codes = backup_code::generate(app.rng.as_ref());
    let alice =
        alice(&app, vec![BindMfa::Totp { secret: SECRET.into() }, BindMfa::BackupCode { codes: codes.clone() }]).await;
    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;
    let got = b.submit(&app).await;
    assert_eq!(got.1["data"]["availableFactors"], json!(["Totp", "BackupCode"]));
    let (br, ar) = (&b, &*app);
    let verify = |code: String| async move {
        br.post(ar, "/api/experience/verification/backup-code/verify", json!({ "code": code })).await
    };
    expect_error(verify("ffffffffff".into()).await, 400, "session.mfa.invalid_backup_code");
    expect_ok(&verify(codes[3].clone()).await, 200);
    let user = stored(&app, &alice.id).await;
    assert_eq!(user.backup_codes().unwrap().remaining(), 9);
    let at_rest = serde_json::to_string(&user).unwrap();
    assert!(codes.iter().all(|c| !at_rest.contains(c.as_str())), "{at_rest}");
    // Spent: refused again, the record unchanged.
    expect_error(verify(codes[3].clone()).await, 400, "session.mfa.invalid_backup_code");
    assert_eq!(stored(&app, &alice.id).await, user);
}

#[tokio::test]
async fn mandatory_policy_binds_totp_and_backup_codes_at_sign_in() {
    let app = testing::app();
    mfa_policy(&app, json!(["Totp", "BackupCode"]), "Mandatory").await;
    let alice = alice(&app, vec![]).await;
    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;

    // No factor yet: nothing to verify, but binding is required.
    let got = b.submit(&app).await;
    assert_eq!(got.1["data"], json!({ "availableFactors": ["Totp"] }));
    expect_error(got, 422, "user.missing_mfa");
    expect_error(
        b.post_empty(&app, "/api/experience/profile/mfa/mfa-skipped").await,
        422,
        "session.mfa.mfa_policy_not_user_controlled",
    );

    // Backup codes cannot come first.
    let generated = b.post_empty(&app, "/api/experience/verification/backup-code/generate").await;
    expect_ok(&generated, 200);
    let codes: Vec<String> = serde_json::from_value(generated.1["codes"].clone()).unwrap();
    assert!(backup_code::validate(&codes), "{codes:?}");
    let backup_id = generated.1["verificationId"].clone();
    expect_error(
        b.post(&app, "/api/experience/profile/mfa", json!({ "type": "BackupCode", "verificationId": backup_id })).await,
        422,
        "session.mfa.backup_code_can_not_be_alone",
    );

    // TOTP: a secret, a QR code, a code of that secret.
    let secret = b.post_empty(&app, "/api/experience/verification/totp/secret").await;
    expect_ok(&secret, 200);
    let key = secret.1["secret"].as_str().unwrap().to_owned();
    assert!(totp::validate_secret(&key), "{key}");
    assert!(secret.1["secretQrCode"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
    let totp_id = secret.1["verificationId"].clone();
    let bind_totp = json!({ "type": "Totp", "verificationId": totp_id });
    // Not verified yet.
    expect_error(
        b.post(&app, "/api/experience/profile/mfa", bind_totp.clone()).await,
        400,
        "session.verification_failed",
    );
    let (br, ar) = (&b, &*app);
    let verify = |code: String, id: Value| async move {
        br.post(ar, "/api/experience/verification/totp/verify", json!({ "code": code, "verificationId": id })).await
    };
    expect_error(verify("000000".into(), totp_id.clone()).await, 400, "session.mfa.invalid_totp_code");
    expect_error(verify("000000".into(), json!("unknown")).await, 404, "session.verification_session_not_found");
    let code = totp::code_now(&key, app.clock.now_ms()).unwrap();
    expect_ok(&verify(code, totp_id.clone()).await, 200);
    expect_ok(&b.post(&app, "/api/experience/profile/mfa", bind_totp).await, 204);

    // The policy also wants backup codes.
    expect_error(b.submit(&app).await, 422, "session.mfa.backup_code_required");
    expect_ok(
        &b.post(&app, "/api/experience/profile/mfa", json!({ "type": "BackupCode", "verificationId": backup_id }))
            .await,
        204,
    );
    // Nothing secret in what the client can read.
    let shown = b.interaction(&app).await.to_string();
    assert!(!shown.contains(&key) && !shown.contains(&codes[0]), "{shown}");

    expect_ok(&b.submit(&app).await, 200);
    let user = stored(&app, &alice.id).await;
    assert_eq!(user.totp().unwrap().key, key);
    assert_eq!(user.backup_codes().unwrap().remaining(), 10);
    assert!(backup_code::matches(&user.backup_codes().unwrap().codes[0].code, &codes[0]));
    assert_eq!(user.logto_config["mfa"], json!({ "enabled": true }));

    // The next sign-in needs the factor just bound.
    let next = browser(&app).await;
    next.sign_in(&app, "alice").await;
    expect_error(next.submit(&app).await, 403, "session.mfa.require_mfa_verification");
    expect_ok(
        &next.post(&app, "/api/experience/verification/backup-code/verify", json!({ "code": codes[9] })).await,
        200,
    );
    expect_ok(&next.submit(&app).await, 200);
}

#[tokio::test]
async fn optional_policy_suggests_until_skipped() {
    let app = testing::app();
    mfa_policy(&app, json!(["Totp"]), "UserControlled").await;
    let alice = alice(&app, vec![]).await;
    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;
    expect_error(b.submit(&app).await, 422, "user.suggest_mfa");
    expect_ok(&b.post_empty(&app, "/api/experience/profile/mfa/mfa-skipped").await, 204);
    assert_eq!(b.interaction(&app).await["mfa"], json!({ "mfaSkipped": true }));
    expect_ok(&b.submit(&app).await, 200);
    assert_eq!(stored(&app, &alice.id).await.logto_config["mfa"], json!({ "skipped": true }));
    // Remembered: the next sign-in goes straight through.
    let next = browser(&app).await;
    next.sign_in(&app, "alice").await;
    expect_ok(&next.submit(&app).await, 200);
}

#[tokio::test]
async fn a_second_totp_and_unknown_records_are_refused() {
    let app = testing::app();
    mfa_policy(&app, json!(["Totp", "BackupCode"]), "UserControlled").await;
    let codes = backup_code::generate(app.rng.as_ref());
    let alice =
        alice(&app, vec![BindMfa::Totp { secret: SECRET.into() }, BindMfa::BackupCode { codes: codes.clone() }]).await;
    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;
    // Binding needs the sign-in's MFA first.
    expect_error(
        b.post(&app, "/api/experience/profile/mfa", json!({ "type": "Totp", "verificationId": "x" })).await,
        403,
        "session.mfa.require_mfa_verification",
    );
    expect_ok(&b.post(&app, "/api/experience/verification/backup-code/verify", json!({ "code": codes[0] })).await, 200);

    let secret = b.post_empty(&app, "/api/experience/verification/totp/secret").await;
    let key = secret.1["secret"].as_str().unwrap();
    let id = secret.1["verificationId"].clone();
    let code = totp::code_now(key, app.clock.now_ms()).unwrap();
    expect_ok(
        &b.post(&app, "/api/experience/verification/totp/verify", json!({ "code": code, "verificationId": id })).await,
        200,
    );
    expect_error(
        b.post(&app, "/api/experience/profile/mfa", json!({ "type": "Totp", "verificationId": id })).await,
        422,
        "user.totp_already_in_use",
    );
    expect_error(
        b.post(&app, "/api/experience/profile/mfa", json!({ "type": "Totp", "verificationId": "nope" })).await,
        404,
        "session.verification_session_not_found",
    );
    expect_error(
        b.post(&app, "/api/experience/profile/mfa", json!({ "type": "Sms", "verificationId": id })).await,
        400,
        "guard.invalid_input",
    );
    let before = stored(&app, &alice.id).await;
    expect_ok(&b.submit(&app).await, 200);
    assert_eq!(stored(&app, &alice.id).await.totp(), before.totp(), "the stored TOTP is unchanged");
}

#[tokio::test]
async fn registration_binds_totp_and_refuses_disabled_factors() {
    let app = testing::app();
    mfa_policy(&app, json!(["Totp"]), "PromptAtSignInAndSignUp").await;
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    let got = b
        .post(
            &app,
            "/api/experience/verification/new-password-identity",
            json!({ "identifier": { "type": "username", "value": "newbie" }, "password": PASSWORD }),
        )
        .await;
    expect_ok(&got, 200);
    expect_ok(
        &b.post(&app, "/api/experience/identification", json!({ "verificationId": got.1["verificationId"] })).await,
        201,
    );
    expect_error(b.submit(&app).await, 422, "user.suggest_mfa");

    let generated = b.post_empty(&app, "/api/experience/verification/backup-code/generate").await;
    expect_error(
        b.post(
            &app,
            "/api/experience/profile/mfa",
            json!({ "type": "BackupCode", "verificationId": generated.1["verificationId"] }),
        )
        .await,
        400,
        "session.mfa.mfa_factor_not_enabled",
    );
    let secret = b.post_empty(&app, "/api/experience/verification/totp/secret").await;
    let key = secret.1["secret"].as_str().unwrap().to_owned();
    let id = secret.1["verificationId"].clone();
    let code = totp::code_now(&key, app.clock.now_ms()).unwrap();
    expect_ok(
        &b.post(&app, "/api/experience/verification/totp/verify", json!({ "code": code, "verificationId": id })).await,
        200,
    );
    expect_ok(&b.post(&app, "/api/experience/profile/mfa", json!({ "type": "Totp", "verificationId": id })).await, 204);
    expect_ok(&b.submit(&app).await, 200);
    let user = user::find_by_username(app.store.as_ref(), "newbie").await.unwrap().unwrap().value;
    assert_eq!(user.totp().unwrap().key, key);
    assert_eq!(user.logto_config["mfa"], json!({ "enabled": true }));
}

#[tokio::test]
async fn mfa_routes_need_an_identified_user() {
    let app = testing::app();
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    expect_error(
        b.post_empty(&app, "/api/experience/verification/totp/secret").await,
        404,
        "session.identifier_not_found",
    );
    expect_error(b.totp(&app, "123456").await, 404, "session.identifier_not_found");
    expect_error(
        b.post_empty(&app, "/api/experience/verification/backup-code/generate").await,
        404,
        "session.identifier_not_found",
    );
    expect_error(
        b.post(&app, "/api/experience/verification/backup-code/verify", json!({ "code": "0123456789" })).await,
        404,
        "session.identifier_not_found",
    );
    expect_error(
        b.post(&app, "/api/experience/verification/mfa-verification-code", json!({ "identifierType": "email" })).await,
        400,
        "session.identifier_not_found",
    );
}

#[tokio::test]
async fn email_as_a_second_factor() {
    use std::sync::Arc;

    use crate::domain::connector::{self, ConnectorRecord, ConnectorType};
    use crate::ports::{MemoryMockMessages, MockMessageKind};

    let mut app = testing::app();
    let outlet = Arc::new(MemoryMockMessages::default());
    app.app.mock_messages = Some(outlet.clone());
    let mut record = ConnectorRecord::new("mock-email".into(), "mock-email-service".into(), ConnectorType::Email, 1);
    let config: Value =
        serde_json::from_str(include_str!("../../connectors/assets/mock-email.config-template.json")).unwrap();
    record.config = config.as_object().unwrap().clone();
    connector::insert(app.store.as_ref(), &record).await.unwrap();

    mfa_policy(&app, json!(["EmailVerificationCode"]), "UserControlled").await;
    alice(&app, vec![]).await;
    let b = browser(&app).await;
    b.sign_in(&app, "alice").await;
    let got = b.submit(&app).await;
    assert_eq!(
        got.1["data"],
        json!({ "availableFactors": ["EmailVerificationCode"], "maskedIdentifiers": { "EmailVerificationCode": "alic****@example.com" } })
    );
    expect_error(got, 403, "session.mfa.require_mfa_verification");
    expect_error(
        b.post(&app, "/api/experience/verification/mfa-verification-code", json!({ "identifierType": "phone" })).await,
        400,
        "session.mfa.mfa_factor_not_enabled",
    );
    let sent =
        b.post(&app, "/api/experience/verification/mfa-verification-code", json!({ "identifierType": "email" })).await;
    expect_ok(&sent, 200);
    let id = sent.1["verificationId"].clone();
    let mail = outlet.last(MockMessageKind::Email).unwrap();
    assert_eq!(
        (mail["address"].as_str(), mail["type"].as_str()),
        (Some("alice.smith@example.com"), Some("MfaVerification"))
    );
    let code = mail["code"].as_str().unwrap().to_owned();
    let (br, ar, id) = (&b, &*app, &id);
    let verify = |code: String| async move {
        br.post(
            ar,
            "/api/experience/verification/mfa-verification-code/verify",
            json!({ "verificationId": id, "code": code, "identifierType": "email" }),
        )
        .await
    };
    expect_error(verify("000000".into()).await, 400, "verification_code.code_mismatch");
    expect_ok(&verify(code).await, 200);
    expect_ok(&b.submit(&app).await, 200);
}

mod unit {
    use super::*;

    #[test]
    fn masks_like_logto() {
        assert_eq!(mask_email("alice.smith@example.com"), "alic****@example.com");
        assert_eq!(mask_email("bob@example.com"), "****@example.com");
        assert_eq!(mask_phone("+15551234567"), "****4567");
        assert_eq!(mask_phone("12"), "****12");
    }

    #[test]
    fn factors_sort_in_logtos_display_order() {
        use MfaFactor::*;
        assert_eq!(
            sort_factors(vec![BackupCode, EmailVerificationCode, Totp, PhoneVerificationCode, WebAuthn]),
            vec![WebAuthn, Totp, PhoneVerificationCode, EmailVerificationCode, BackupCode]
        );
    }
}
