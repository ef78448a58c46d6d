//! First start of an empty store: an admin M2M app is created and its credentials printed
//! once; they work; later starts print nothing; given credentials are honoured.

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_tests::harness::{Credentials, LocalServer};

async fn management_token(server: &LocalServer, who: &Credentials) -> serde_json::Value {
    let response = server
        .client()
        .post("/oidc/token")
        .basic_auth(&who.id, &who.secret)
        .form(&[("grant_type", "client_credentials"), ("resource", MANAGEMENT_API_INDICATOR), ("scope", "all")])
        .send()
        .await;
    response.assert_status(200).json()
}

#[tokio::test]
async fn first_start_prints_working_admin_credentials_once() {
    let server = LocalServer::builder().start();
    let admin = server.printed_credentials().expect("credentials printed on first start");
    assert_eq!(management_token(&server, &admin).await["scope"], "all");

    let server = server.restart();
    assert_eq!(server.printed_credentials(), None, "printed again: {:?}", server.stdout_lines());
    // The same app still works after the restart: it was persisted, not kept in memory.
    assert_eq!(management_token(&server, &admin).await["scope"], "all");
}

#[tokio::test]
async fn given_bootstrap_credentials_work_and_nothing_is_printed() {
    let admin = Credentials { id: "ops-admin".into(), secret: "a-long-enough-bootstrap-secret-0123".into() };
    let server = LocalServer::builder().bootstrap(&admin).start();
    assert_eq!(server.printed_credentials(), None);
    assert_eq!(management_token(&server, &admin).await["scope"], "all");
}

#[tokio::test]
async fn the_signing_key_survives_a_restart() {
    let server = LocalServer::builder().start();
    let before = server.client().get("/oidc/jwks").send().await.assert_status(200).json();
    let server = server.restart();
    let after = server.client().get("/oidc/jwks").send().await.assert_status(200).json();
    assert_eq!(before, after);
}
