//! More client mistakes, each answered in the endpoint's own error format (OAuth JSON under
//! `/oidc`, Logto's `{code, message}` under `/api`) with the status Logto uses.

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_tests::harness::Target;

#[tokio::test]
async fn token_endpoint_mistakes_are_oauth_errors() {
    let t = Target::from_env();
    let token = |form: Vec<(&'static str, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let request = t.client.post("/oidc/token").form(&form);
        async move { request.send().await }
    };
    let (id, secret) = (t.admin.id.clone(), t.admin.secret.clone());
    let mgmt = MANAGEMENT_API_INDICATOR.to_owned();

    // No client authentication at all.
    token(vec![("grant_type", "client_credentials".into())]).await.assert_oauth_error(400, "invalid_request");
    // An unknown client id (Logto: 400, not 401).
    token(vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", "no-such-client".into()),
        ("client_secret", "x".into()),
    ])
    .await
    .assert_oauth_error(400, "invalid_client");
    // A grant type nobody supports.
    token(vec![("grant_type", "password".into()), ("client_id", id.clone()), ("client_secret", secret.clone())])
        .await
        .assert_oauth_error(400, "unsupported_grant_type");
    // A single-valued parameter given twice.
    let response = t
        .client
        .post("/oidc/token")
        .basic_auth(&id, &secret)
        .body(
            format!("grant_type=client_credentials&grant_type=client_credentials&resource={mgmt}"),
            "application/x-www-form-urlencoded",
        )
        .send()
        .await;
    response.assert_oauth_error(400, "invalid_request");
    // Client credentials take exactly one resource (repeating the same one is harmless).
    let response = t
        .client
        .post("/oidc/token")
        .basic_auth(&id, &secret)
        .form(&[("grant_type", "client_credentials"), ("resource", &mgmt), ("resource", "https://other.example.com")])
        .send()
        .await;
    response.assert_oauth_error(400, "invalid_target");
}

#[tokio::test]
async fn management_api_mistakes_are_logto_errors() {
    let t = Target::from_env();
    // No token, a token of the wrong type.
    t.client.get("/api/applications").send().await.assert_api_error(401, "auth.authorization_header_missing");
    t.client
        .get("/api/applications")
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .assert_api_error(401, "auth.authorization_token_type_not_supported");
    t.client.get("/api/applications").bearer("not-a-jwt").send().await.assert_api_error(401, "auth.unauthorized");

    let token = t.admin_token().await;
    t.client
        .get("/api/applications/no-such-app")
        .bearer(&token)
        .send()
        .await
        .assert_api_error(404, "entity.not_exists_with_id");
    t.client
        .get("/api/roles?page_size=101")
        .bearer(&token)
        .send()
        .await
        .assert_api_error(400, "guard.invalid_pagination");
    // A body that is valid JSON but not a valid application.
    t.client
        .post("/api/applications")
        .bearer(&token)
        .json(&serde_json::json!({"name": "x", "type": "NotAType"}))
        .send()
        .await
        .assert_api_error(400, "guard.invalid_input");
}
