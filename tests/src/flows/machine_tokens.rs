//! Client-credentials tokens over time: valid until `exp`, then refused everywhere.

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_core::domain::access_token::LEEWAY_SECS;
use edgeid_tests::harness::{Client, TestApp};

async fn management_token(t: &TestApp, client: &Client) -> String {
    let response = client
        .post("/oidc/token")
        .basic_auth(&t.admin.id, &t.admin.secret)
        .form(&[("grant_type", "client_credentials"), ("resource", MANAGEMENT_API_INDICATOR), ("scope", "all")])
        .send()
        .await;
    response.assert_status(200).str_field("access_token")
}

async fn introspect(t: &TestApp, client: &Client, token: &str) -> serde_json::Value {
    let response = client
        .post("/oidc/token/introspection")
        .basic_auth(&t.admin.id, &t.admin.secret)
        .form(&[("token", token)])
        .send()
        .await;
    response.assert_status(200).json()
}

#[tokio::test]
async fn a_management_token_works_for_an_hour_then_is_refused_everywhere() {
    let t = TestApp::bootstrapped().await;
    let client = t.client();
    let token = management_token(&t, &client).await;

    client.get("/api/applications").bearer(&token).send().await.assert_status(200);
    assert_eq!(introspect(&t, &client, &token).await["active"], true);

    t.advance_secs(3599);
    client.get("/api/applications").bearer(&token).send().await.assert_status(200);

    // Past `exp` plus the clock-skew leeway instances grant each other.
    t.advance_secs(1 + LEEWAY_SECS + 1);
    client.get("/api/applications").bearer(&token).send().await.assert_api_error(401, "auth.unauthorized");
    assert_eq!(introspect(&t, &client, &token).await, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn the_seeded_admin_app_is_listed_by_the_management_api() {
    let t = TestApp::bootstrapped().await;
    let client = t.client();
    let token = management_token(&t, &client).await;
    let apps = client.get(&format!("/api/applications/{}", t.admin.id)).bearer(&token).send().await;
    let app = apps.assert_status(200).json();
    assert_eq!(app["type"], "MachineToMachine");
    let roles = client.get(&format!("/api/applications/{}/roles", t.admin.id)).bearer(&token).send().await;
    assert_eq!(roles.assert_status(200).json()[0]["name"], "Logto Management API access");
}
