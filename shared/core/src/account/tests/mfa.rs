//! `/api/my-account/mfa-verifications*` and `/api/my-account/mfa-settings`.

use http::StatusCode;
use serde_json::{Value, json};

use super::super::testing::{self as t, world};
use super::error_of;
use crate::domain::account_center::{Control, Fields};
use crate::domain::mfa::{backup_code, totp};
use crate::ports::Clock as _;

const BASE: &str = "/api/my-account/mfa-verifications";

#[tokio::test]
async fn add_list_replace_and_remove_factors() {
    let w = world().await;
    let app = &w.app;
    t::set_sie(app, json!({ "mfa": { "factors": ["Totp", "BackupCode"], "policy": "UserControlled" } })).await;
    let req =
        |method: &str, path: &str, id: Option<&str>, body: Option<Value>| t::request(method, path, &w.token, id, body);

    let (status, body) = t::call(app, req("GET", BASE, None, None)).await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));

    let (status, body) = t::call(app, req("POST", &format!("{BASE}/totp-secret/generate"), None, None)).await;
    assert_eq!(status, StatusCode::OK);
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(totp::validate_secret(&secret));

    let add_totp = |id: Option<&str>, code: &str| {
        req("POST", BASE, id, Some(json!({ "type": "Totp", "secret": secret, "code": code })))
    };
    assert_eq!(error_of(app, add_totp(None, "000000")).await, (401, "verification_record.permission_denied".into()));
    let record = w.password_record().await;
    let before = t::stored_user(app, &w.user.id).await;
    assert_eq!(error_of(app, add_totp(Some(&record), "000000")).await, (400, "session.mfa.invalid_totp_code".into()));
    let bad_secret = req("POST", BASE, Some(&record), Some(json!({ "type": "Totp", "secret": "short" })));
    assert_eq!(error_of(app, bad_secret).await, (400, "user.totp_secret_invalid".into()));
    // Backup codes before any other factor: refused.
    let codes = backup_code::generate(app.rng.as_ref());
    let add_codes =
        |codes: &[String]| req("POST", BASE, Some(&record), Some(json!({ "type": "BackupCode", "codes": codes })));
    assert_eq!(error_of(app, add_codes(&codes)).await, (422, "session.mfa.backup_code_can_not_be_alone".into()));
    assert_eq!(t::stored_user(app, &w.user.id).await, before, "refusals change nothing");

    let code = totp::code_now(&secret, app.clock.now_ms()).unwrap();
    let (status, body) = t::call(app, add_totp(Some(&record), &code)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(error_of(app, add_totp(Some(&record), &code)).await, (422, "user.totp_already_in_use".into()));

    assert_eq!(error_of(app, add_codes(&codes[..3])).await, (422, "user.wrong_backup_code_format".into()));
    assert_eq!(t::call(app, add_codes(&codes)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(error_of(app, add_codes(&codes)).await, (422, "user.backup_code_already_in_use".into()));

    let stored = t::stored_user(app, &w.user.id).await;
    assert_eq!(stored.totp().unwrap().key, secret);
    assert_eq!(stored.logto_config["mfa"]["enabled"], true);
    let at_rest = serde_json::to_string(&stored).unwrap();
    assert!(codes.iter().all(|c| !at_rest.contains(c.as_str())), "codes are stored hashed");

    let (_, listed) = t::call(app, req("GET", BASE, None, None)).await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(listed[0]["type"], "Totp");
    assert!(listed[0].get("key").is_none());
    assert_eq!(listed[1]["remainCodes"], 10);

    // The codes cannot be read back; which are spent can.
    assert_eq!(
        error_of(app, req("GET", &format!("{BASE}/backup-codes"), None, None)).await,
        (401, "verification_record.permission_denied".into())
    );
    crate::domain::mfa::use_backup_code(app, &w.user.id, &codes[0]).await.unwrap();
    let (status, body) = t::call(app, req("GET", &format!("{BASE}/backup-codes"), Some(&record), None)).await;
    assert_eq!(status, StatusCode::OK);
    let entries = body["codes"].as_array().unwrap();
    assert_eq!(entries.len(), 10);
    assert!(entries[0]["usedAt"].is_string() && entries[1].get("usedAt").is_none(), "{body}");
    assert!(!body.to_string().contains(&codes[1]));

    // Replace the authenticator.
    let (_, fresh) = t::call(app, req("POST", &format!("{BASE}/totp-secret/generate"), None, None)).await;
    let fresh = fresh["secret"].as_str().unwrap().to_owned();
    let replace =
        |code: &str| req("PUT", &format!("{BASE}/totp"), Some(&record), Some(json!({ "secret": fresh, "code": code })));
    assert_eq!(error_of(app, replace("000000")).await, (400, "session.mfa.invalid_totp_code".into()));
    let (status, _) = t::call(app, replace(&totp::code_now(&fresh, app.clock.now_ms()).unwrap())).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let stored = t::stored_user(app, &w.user.id).await;
    assert_eq!(stored.totp().unwrap().key, fresh);
    assert_eq!(
        stored.mfa_verifications.iter().filter(|v| v.factor() == crate::domain::mfa::MfaFactor::Totp).count(),
        1
    );

    // Remove.
    let id = stored.totp().unwrap().id.clone();
    assert_eq!(
        error_of(app, req("DELETE", &format!("{BASE}/unknown"), Some(&record), None)).await,
        (400, "verification_record.not_found".into())
    );
    assert_eq!(
        t::call(app, req("DELETE", &format!("{BASE}/{id}"), Some(&record), None)).await.0,
        StatusCode::NO_CONTENT
    );
    assert!(t::stored_user(app, &w.user.id).await.totp().is_none());
}

#[tokio::test]
async fn factors_follow_the_sign_in_experience_and_the_account_center() {
    let w = world().await;
    let app = &w.app;
    let record = w.password_record().await;
    let secret = totp::generate_secret(app.rng.as_ref());
    let add = || t::request("POST", BASE, &w.token, Some(&record), Some(json!({ "type": "Totp", "secret": secret })));
    // TOTP not enabled in the sign-in experience.
    assert_eq!(error_of(app, add()).await, (400, "session.mfa.mfa_factor_not_enabled".into()));
    t::set_sie(app, json!({ "mfa": { "factors": ["Totp"], "policy": "UserControlled" } })).await;
    // The MFA field read-only: listing works, adding does not.
    t::set_fields(app, Fields { mfa: Some(Control::ReadOnly), ..Fields::default() }).await;
    assert_eq!(t::call(app, t::request("GET", BASE, &w.token, None, None)).await.0, StatusCode::OK);
    assert_eq!(error_of(app, add()).await, (400, "account_center.field_not_editable".into()));
    t::set_fields(app, Fields::default()).await;
    assert_eq!(
        error_of(app, t::request("GET", BASE, &w.token, None, None)).await,
        (400, "account_center.field_not_enabled".into())
    );
    // Without the identities scope.
    t::set_fields(app, Fields::all(Control::Edit)).await;
    let narrow = t::token_for(app, &w.user.id, t::SPA, "openid profile").await;
    assert_eq!(error_of(app, t::request("GET", BASE, &narrow, None, None)).await, (401, "auth.unauthorized".into()));
    // A third-party client may not add factors.
    let third = t::token_for(app, &w.user.id, t::THIRD_PARTY, t::ALL_SCOPES).await;
    let record_third = w.password_record().await;
    let by_third =
        t::request("POST", BASE, &third, Some(&record_third), Some(json!({ "type": "Totp", "secret": secret })));
    let (status, body) = t::call(app, by_third).await;
    assert_eq!(status.as_u16(), 403, "{body}");
    assert_eq!(t::call(app, add()).await.0, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn mfa_settings_read_and_set_skip_mfa_on_sign_in() {
    let w = world().await;
    let app = &w.app;
    let path = "/api/my-account/mfa-settings";
    let (status, body) = t::call(app, t::request("GET", path, &w.token, None, None)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "skipMfaOnSignIn": false })));
    let patch = |id: Option<&str>| t::request("PATCH", path, &w.token, id, Some(json!({ "skipMfaOnSignIn": true })));
    assert_eq!(error_of(app, patch(None)).await, (401, "verification_record.permission_denied".into()));
    let record = w.password_record().await;
    let (status, body) = t::call(app, patch(Some(&record))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "skipMfaOnSignIn": true })));
    assert_eq!(t::stored_user(app, &w.user.id).await.logto_config["mfa"], json!({ "skipMfaOnSignIn": true }));
    let bad = t::request("PATCH", path, &w.token, Some(&record), Some(json!({ "skipMfaOnSignIn": "yes" })));
    assert_eq!(error_of(app, bad).await, (400, "guard.invalid_input".into()));
}
