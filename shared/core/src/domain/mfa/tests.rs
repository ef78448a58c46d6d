use super::*;
use crate::domain::user::{self, NewUser};
use crate::ports::Clock as _;
use crate::testing;

async fn user_with(t: &testing::TestApp, bind: Vec<BindMfa>) -> String {
    let record = user::insert(t, NewUser { username: Some("alice".into()), ..NewUser::default() }).await.unwrap();
    let new: Vec<MfaVerification> = bind.into_iter().map(|b| b.into_verification(t)).collect();
    change(t, &record.id, |u, _| {
        u.merge_mfa_verifications(new.clone());
        Ok::<_, ()>(())
    })
    .await
    .unwrap();
    record.id
}

async fn stored(t: &testing::TestApp, id: &str) -> UserRecord {
    user::find(t.store.as_ref(), id).await.unwrap().unwrap().value
}

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[tokio::test]
async fn a_totp_code_is_accepted_once_and_earlier_steps_never_again() {
    let t = testing::app();
    let id = user_with(&t, vec![BindMfa::Totp { secret: SECRET.into() }]).await;
    let now = t.clock.now_ms();
    let code = totp::code_now(SECRET, now).unwrap();
    use_totp(&t, &id, &code).await.unwrap();
    let after = stored(&t, &id).await;
    assert_eq!(after.totp().unwrap().last_used_time_step, Some(totp::step_at(now) as u64));
    assert_eq!(after.totp().unwrap().last_used_at.as_deref(), Some(iso8601(now).as_str()));

    // The same code again: refused, the record unchanged.
    assert!(matches!(use_totp(&t, &id, &code).await, Err(ChangeError::Refused(CodeRefused::Replayed))));
    assert_eq!(stored(&t, &id).await, after);
    // The previous step's code is still within the window but older than the used one.
    let key = data_encoding::BASE32_NOPAD.decode(SECRET.as_bytes()).unwrap();
    let previous = totp::code_at(&key, totp::step_at(now) as u64 - 1).unwrap();
    assert!(matches!(use_totp(&t, &id, &previous).await, Err(ChangeError::Refused(CodeRefused::Replayed))));
    // A wrong code.
    assert!(matches!(use_totp(&t, &id, "000000").await, Err(ChangeError::Refused(CodeRefused::Invalid))));
    // 30 s later the next code works.
    t.clock.advance_ms(30_000);
    use_totp(&t, &id, &totp::code_now(SECRET, t.clock.now_ms()).unwrap()).await.unwrap();
}

#[tokio::test]
async fn concurrent_uses_of_one_totp_code_let_exactly_one_pass() {
    let app = crate::domain::testing::yielding_app();
    let record = user::insert(&app, NewUser { username: Some("bob".into()), ..NewUser::default() }).await.unwrap();
    let factor = BindMfa::Totp { secret: SECRET.into() }.into_verification(&app);
    change(&app, &record.id, |u, _| {
        u.merge_mfa_verifications(vec![factor.clone()]);
        Ok::<_, ()>(())
    })
    .await
    .unwrap();
    let code = totp::code_now(SECRET, app.clock.now_ms()).unwrap();
    let results = futures::future::join_all((0..8).map(|_| use_totp(&app, &record.id, &code))).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results.iter().filter(|r| r.is_err()).all(|r| matches!(r, Err(ChangeError::Refused(CodeRefused::Replayed))))
    );
}

#[tokio::test]
async fn backup_codes_are_stored_hashed_and_single_use_even_concurrently() {
    let app = crate::domain::testing::yielding_app();
    let codes = backup_code::generate(app.rng.as_ref());
    let record = user::insert(&app, NewUser { username: Some("carol".into()), ..NewUser::default() }).await.unwrap();
    let factors = vec![
        BindMfa::Totp { secret: SECRET.into() }.into_verification(&app),
        BindMfa::BackupCode { codes: codes.clone() }.into_verification(&app),
    ];
    change(&app, &record.id, |u, _| {
        u.merge_mfa_verifications(factors.clone());
        Ok::<_, ()>(())
    })
    .await
    .unwrap();
    let json =
        serde_json::to_string(&user::find(app.store.as_ref(), &record.id).await.unwrap().unwrap().value).unwrap();
    assert!(codes.iter().all(|c| !json.contains(c.as_str())), "clear codes at rest: {json}");

    let results = futures::future::join_all((0..6).map(|_| use_backup_code(&app, &record.id, &codes[2]))).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    let user = user::find(app.store.as_ref(), &record.id).await.unwrap().unwrap().value;
    assert_eq!(user.backup_codes().unwrap().remaining(), 9);
    assert!(matches!(
        use_backup_code(&app, &record.id, "0123456789").await,
        Err(ChangeError::Refused(CodeRefused::Invalid))
    ));
    use_backup_code(&app, &record.id, &codes[3]).await.unwrap();
}

#[tokio::test]
async fn a_new_backup_code_set_replaces_the_old_and_spent_sets_do_not_count() {
    let t = testing::app();
    let first = backup_code::generate(t.rng.as_ref());
    let id = user_with(&t, vec![BindMfa::BackupCode { codes: first.clone() }]).await;
    for code in &first {
        use_backup_code(&t, &id, code).await.unwrap();
    }
    let user = stored(&t, &id).await;
    assert!(!user.has_mfa_factor(MfaFactor::BackupCode), "all codes spent");
    let response = serde_json::to_value(user.mfa_verifications[0].response()).unwrap();
    assert_eq!(response["type"], "BackupCode");
    assert_eq!(response["remainCodes"], 0);
    assert!(response.get("codes").is_none());

    let second = BindMfa::BackupCode { codes: backup_code::generate(t.rng.as_ref()) }.into_verification(&t);
    let mut user = user;
    user.merge_mfa_verifications(vec![second.clone()]);
    assert_eq!(user.mfa_verifications, vec![second]);
    assert!(user.has_mfa_factor(MfaFactor::BackupCode));
}

#[tokio::test]
async fn records_round_trip_in_logto_json_shape() {
    let t = testing::app();
    let totp = BindMfa::Totp { secret: SECRET.into() }.into_verification(&t);
    let json = serde_json::to_value(&totp).unwrap();
    assert_eq!(json["type"], "Totp");
    assert_eq!(json["key"], SECRET);
    assert_eq!(json["createdAt"], iso8601(testing::T0));
    assert_eq!(json["id"].as_str().unwrap().len(), 21);
    let webauthn: MfaVerification = serde_json::from_value(serde_json::json!({
        "type": "WebAuthn", "id": "w1", "createdAt": "2026-01-01T00:00:00.000Z",
        "credentialId": "cred", "publicKey": "pk", "counter": 3, "agent": "Chrome", "transports": ["internal"]
    }))
    .unwrap();
    assert_eq!(webauthn.factor(), MfaFactor::WebAuthn);
    let response = serde_json::to_value(webauthn.response()).unwrap();
    assert_eq!(
        response,
        serde_json::json!({"id": "w1", "createdAt": "2026-01-01T00:00:00.000Z", "type": "WebAuthn", "agent": "Chrome"})
    );
    assert_eq!(serde_json::from_value::<MfaVerification>(json).unwrap(), totp);
}
