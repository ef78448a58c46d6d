//! `/api/my-account/sessions` and `/api/my-account/grants`.

use http::StatusCode;
use serde_json::json;

use super::super::testing::{self as t, world};
use super::error_of;
use crate::domain::access_token::opaque::{self, OPAQUE_TTL_SECS, OpaqueAccessToken};
use crate::domain::grant::{self, GrantRecord};
use crate::domain::session::{self, SessionRecord};

const SCOPES: &str = "openid profile urn:logto:scope:sessions";

/// A session of `user_id` holding a grant for `client_id`; returns (session, grant id).
async fn signed_in(app: &crate::App, user_id: &str, client_id: &str) -> (SessionRecord, String) {
    let mut grant = GrantRecord::new(app, user_id, client_id);
    grant.add_openid_scopes(["openid", "profile"]);
    grant::insert(app, &grant).await.unwrap();
    let mut session = SessionRecord::new(app, user_id, app.clock.now_secs(), vec!["pwd".into()]);
    session.grants.insert(client_id.to_owned(), grant.id.clone());
    app.store.commit(session.write_ops(None).unwrap().into()).await.unwrap();
    (session, grant.id)
}

/// An opaque token issued from that grant in that session.
async fn token_in(app: &crate::App, session: &SessionRecord, grant_id: &str, client_id: &str) -> String {
    let now = app.clock.now_secs();
    let token = OpaqueAccessToken {
        account_id: session.account_id.clone(),
        client_id: client_id.into(),
        grant_id: grant_id.into(),
        scope: SCOPES.into(),
        iat: now,
        exp: now + OPAQUE_TTL_SECS,
        gty: "authorization_code".into(),
        sid: Some(session.sid.clone()),
    };
    let (value, ops) = opaque::prepare(app, &token).unwrap();
    app.store.commit(ops).await.unwrap();
    value
}

#[tokio::test]
async fn sessions_are_listed_with_the_current_one_marked_then_one_is_ended() {
    let w = world().await;
    let app = &w.app;
    let (mine, my_grant) = signed_in(app, &w.user.id, t::SPA).await;
    let (other, other_grant) = signed_in(app, &w.user.id, t::THIRD_PARTY).await;
    let token = token_in(app, &mine, &my_grant, t::SPA).await;
    let record = {
        let req =
            t::request("POST", "/api/verifications/password", &token, None, Some(json!({"password": t::PASSWORD})));
        t::call(app, req).await.1["verificationRecordId"].as_str().unwrap().to_owned()
    };

    let req = t::request("GET", "/api/my-account/sessions", &token, None, None);
    assert_eq!(error_of(app, req).await, (401, "verification_record.permission_denied".into()));
    let no_scope = t::token_for(app, &w.user.id, t::SPA, "openid profile").await;
    let req = t::request("GET", "/api/my-account/sessions", &no_scope, Some(&record), None);
    assert_eq!(error_of(app, req).await, (401, "auth.unauthorized".into()), "the record is hers; the scope is missing");

    let (status, body) = t::call(app, t::request("GET", "/api/my-account/sessions", &token, Some(&record), None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sessions = body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let current: Vec<_> = sessions.iter().filter(|s| s["isCurrent"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["payload"]["uid"], mine.uid.as_str());
    assert_eq!(current[0]["payload"]["kind"], "Session");
    assert_eq!(current[0]["payload"]["authorizations"][t::SPA]["grantId"], my_grant.as_str());

    // End the other session and revoke its grants.
    let path = format!("/api/my-account/sessions/{}?revokeGrantsTarget=all", other.uid);
    assert_eq!(t::call(app, t::request("DELETE", &path, &token, Some(&record), None)).await.0, StatusCode::NO_CONTENT);
    assert!(session::find(app, &other.uid).await.unwrap().is_none());
    assert!(grant::find(app, &other_grant).await.unwrap().is_none());
    assert!(grant::find(app, &my_grant).await.unwrap().is_some());
    let path = format!("/api/my-account/sessions/{}", other.uid);
    assert_eq!(
        error_of(app, t::request("DELETE", &path, &token, Some(&record), None)).await,
        (400, "oidc.session_not_found".into())
    );
}

#[tokio::test]
async fn someone_elses_session_or_grant_cannot_be_touched() {
    let w = world().await;
    let app = &w.app;
    let (mine, my_grant) = signed_in(app, &w.user.id, t::SPA).await;
    let (theirs, their_grant) = signed_in(app, "someone-else", t::SPA).await;
    let token = token_in(app, &mine, &my_grant, t::SPA).await;
    let req = t::request("POST", "/api/verifications/password", &token, None, Some(json!({"password": t::PASSWORD})));
    let record = t::call(app, req).await.1["verificationRecordId"].as_str().unwrap().to_owned();

    let path = format!("/api/my-account/sessions/{}", theirs.uid);
    let req = t::request("DELETE", &path, &token, Some(&record), None);
    assert_eq!(error_of(app, req).await, (400, "oidc.invalid_session_account_id".into()));
    let path = format!("/api/my-account/grants/{their_grant}");
    assert_eq!(
        error_of(app, t::request("DELETE", &path, &token, Some(&record), None)).await,
        (404, "oidc.invalid_grant".into())
    );
    assert!(session::find(app, &theirs.uid).await.unwrap().is_some());
    assert!(grant::find(app, &their_grant).await.unwrap().is_some());
}

#[tokio::test]
async fn grants_are_listed_by_app_type_and_revoked_with_their_tokens() {
    let w = world().await;
    let app = &w.app;
    let (mine, my_grant) = signed_in(app, &w.user.id, t::SPA).await;
    let (_, third_grant) = signed_in(app, &w.user.id, t::THIRD_PARTY).await;
    let token = token_in(app, &mine, &my_grant, t::SPA).await;
    let req = t::request("POST", "/api/verifications/password", &token, None, Some(json!({"password": t::PASSWORD})));
    let record = t::call(app, req).await.1["verificationRecordId"].as_str().unwrap().to_owned();

    let list = |query: &str| t::request("GET", &format!("/api/my-account/grants{query}"), &token, Some(&record), None);
    let (status, body) = t::call(app, list("")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Two here plus the one behind the world's own token.
    assert_eq!(body["grants"].as_array().unwrap().len(), 3);
    let (_, body) = t::call(app, list("?appType=thirdParty")).await;
    let grants = body["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        (grants[0]["id"].as_str(), grants[0]["application"]["id"].as_str()),
        (Some(third_grant.as_str()), Some(t::THIRD_PARTY))
    );
    assert_eq!(grants[0]["payload"]["kind"], "Grant");
    assert_eq!(error_of(app, list("?appType=nope")).await, (400, "guard.invalid_input".into()));

    // Revoking my own grant kills the token it issued.
    let path = format!("/api/my-account/grants/{my_grant}");
    assert_eq!(t::call(app, t::request("DELETE", &path, &token, Some(&record), None)).await.0, StatusCode::NO_CONTENT);
    assert!(grant::find(app, &my_grant).await.unwrap().is_none());
    let (held, _) = session::find(app, &mine.uid).await.unwrap().unwrap();
    assert!(held.grants.is_empty(), "the session forgot the authorization");
    assert_eq!(error_of(app, list("")).await, (401, "auth.unauthorized".into()));
}
