//! The authorization code flow up to the code, with the login finished through
//! `interaction::finish_login` directly (what `POST /api/experience/submit` does). The clients
//! stream replaces the shortcut with the real Experience API journey (`sign_in*.rs`).

use bytes::Bytes;
use edgeid_core::domain::{authorization_code, interaction, user};
use edgeid_tests::harness::sign_in::{Authorization, finish_authorization, open_authorization};
use edgeid_tests::harness::{Client, TestApp};

/// The browser's cookies as a request the experience group would get.
fn experience_request(client: &Client) -> edgeid_core::Request {
    let cookies: Vec<String> = ["_interaction", "_interaction.sig"]
        .iter()
        .map(|name| format!("{name}={}", client.cookie(name).expect("interaction cookie")))
        .collect();
    http::Request::get("/api/experience").header("cookie", cookies.join("; ")).body(Bytes::new()).unwrap()
}

async fn finish_login(t: &TestApp, client: &Client, account: &str) -> String {
    let store = t.app.store.as_ref();
    if user::find(store, account).await.unwrap().is_none() {
        user::insert_record(store, &user::UserRecord::new(account.to_owned(), 0)).await.unwrap();
    }
    let (found, version) = interaction::from_request(&t.app, &experience_request(client)).await.expect("interaction");
    interaction::finish_login(&t.app, found, version, account, vec!["pwd".into()]).await.expect("finish_login")
}

#[tokio::test]
async fn the_demo_app_gets_a_code_after_sign_in_and_consent() {
    let t = TestApp::bootstrapped().await;
    let client = t.client();
    let authorization = Authorization::demo_app(&client);
    let page = open_authorization(&client, &authorization).await;
    assert_eq!(page, "/sign-in?app_id=demo-app");
    let redirect_to = finish_login(&t, &client, "user-1").await;
    let callback = finish_authorization(&client, &redirect_to, &authorization).await;
    assert_eq!(callback.param("state"), Some(authorization.state.as_str()));
    assert_eq!(callback.param("iss"), Some("http://localhost:3001/oidc"));

    let (code, _) = authorization_code::find(&t.app, &callback.code()).await.unwrap().expect("a live code");
    let request = code.request;
    let context = &request.context;
    assert_eq!((context.client_id.as_str(), context.account_id.as_str()), ("demo-app", "user-1"));
    assert_eq!(request.redirect_uri, authorization.redirect_uri);
    assert_eq!(context.scope, "openid offline_access profile email");
    assert_eq!(context.nonce.as_deref(), Some(authorization.nonce.as_str()));
    assert_eq!(request.code_challenge, authorization.pkce.as_ref().map(|p| p.challenge.clone()));

    // The same browser, signed in and consented: the next authorization comes straight back.
    let mut again = Authorization::demo_app(&client);
    again.prompt = None;
    let response = client.get(&again.path()).send().await;
    response.assert_status(303);
    assert!(response.header("location").unwrap().starts_with(&again.redirect_uri));
    // The code lives 60 s.
    t.advance_secs(61);
    assert!(authorization_code::find(&t.app, &callback.code()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_finished_interaction_resumes_once() {
    let t = TestApp::bootstrapped().await;
    let client = t.client();
    let authorization = Authorization::demo_app(&client);
    open_authorization(&client, &authorization).await;
    let redirect_to = finish_login(&t, &client, "user-1").await;
    let path = redirect_to.trim_start_matches("http://localhost:3001").to_owned();
    // Another browser (no resume cookie) cannot use it.
    t.client().get(&path).send().await.assert_status(400);
    client.get(&path).send().await.assert_status(303);
    let replay = client.get(&path).send().await;
    replay.assert_status(400);
    assert_eq!(replay.json()["code"], "session.not_found");
}
