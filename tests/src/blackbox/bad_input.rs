//! Client mistakes get a 4xx in the endpoint's wire format, never a 5xx.

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_core::http::MAX_BODY_BYTES;
use edgeid_tests::harness::Target;

#[tokio::test]
async fn wrong_client_secret_is_401_with_www_authenticate() {
    let t = Target::from_env();
    let response = t
        .client
        .post("/oidc/token")
        .basic_auth(&t.admin.id, "not-the-secret")
        .form(&[("grant_type", "client_credentials"), ("resource", MANAGEMENT_API_INDICATOR), ("scope", "all")])
        .send()
        .await;
    response.assert_oauth_error(401, "invalid_client");
    let challenge = response.header("www-authenticate").expect("WWW-Authenticate on 401");
    assert!(challenge.starts_with("Basic"), "{challenge}");
}

#[tokio::test]
async fn oversized_bodies_are_413_in_each_wire_format() {
    let t = Target::from_env();
    let big = "a".repeat(MAX_BODY_BYTES + 1);
    let response = t.client.post("/oidc/token").body(big.clone(), "application/x-www-form-urlencoded").send().await;
    response.assert_status(413);
    assert!(response.json()["error"].is_string(), "{}", response.text());

    let response = t.client.post("/api/applications").body(big, "application/json").send().await;
    response.assert_status(413);
    assert!(response.json()["code"].is_string(), "{}", response.text());
}

#[tokio::test]
async fn malformed_json_is_400() {
    let t = Target::from_env();
    let token = t.admin_token().await;
    let response =
        t.client.post("/api/applications").bearer(&token).body("{\"name\": ", "application/json").send().await;
    response.assert_status(400);
    assert!(response.json()["message"].is_string(), "{}", response.text());
}

#[tokio::test]
async fn unknown_routes_are_404_in_each_wire_format() {
    let t = Target::from_env();
    t.client.get("/oidc/no-such-endpoint").send().await.assert_oauth_error(404, "invalid_request");
    let token = t.admin_token().await;
    t.client.get("/api/no-such-endpoint").bearer(&token).send().await.assert_status(404);
}
