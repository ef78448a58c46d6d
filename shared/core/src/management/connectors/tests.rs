use std::sync::Arc;

use serde_json::{Value, json};

use crate::management::testing::TestApp;
use crate::ports::{MemoryMockMessages, MockMessageKind};

/// A dev-admin app offering Logto's mock connectors.
fn app() -> (TestApp, Arc<MemoryMockMessages>) {
    let mut t = TestApp::new(true);
    let outlet = Arc::new(MemoryMockMessages::default());
    t.app.mock_messages = Some(outlet.clone());
    (t, outlet)
}

fn mock_email_config() -> Value {
    serde_json::from_str(include_str!("../../connectors/assets/mock-email.config-template.json")).unwrap()
}

fn mock_sms_config() -> Value {
    serde_json::from_str(include_str!("../../connectors/assets/mock-sms.config-template.json")).unwrap()
}

#[tokio::test]
async fn factories_list_logtos_mock_connectors_only_in_test_mode() {
    let (t, _) = app();
    let reply = t.call("GET", "/api/connector-factories", Value::Null).await;
    TestApp::ok(&reply, 200);
    let ids: Vec<&str> = reply.json.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    for id in [
        "mock-email-service",
        "mock-email-service-alternative",
        "mock-short-message-service",
        "mock-social-connector",
        "http-email",
        "http-sms",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let one = t.call("GET", "/api/connector-factories/mock-social-connector", Value::Null).await;
    TestApp::ok(&one, 200);
    assert_eq!(one.json["type"], "Social");
    assert_eq!(one.json["target"], "mock-social");
    assert_eq!(one.json["platform"], "Universal");
    assert_eq!(one.json["isDemo"], false);
    assert_eq!(one.json["isTokenStorageSupported"], true);
    assert_eq!(one.json["name"]["en"], "Mock Social");
    let http = t.call("GET", "/api/connector-factories/http-email", Value::Null).await;
    assert_eq!((http.json["type"].as_str(), http.json["platform"].clone()), (Some("Email"), Value::Null));
    assert_eq!(http.json["formItems"][0]["key"], "endpoint");
    assert_eq!(t.call("GET", "/api/connector-factories/nope", Value::Null).await.error(), (404, "entity.not_found"));

    let plain = TestApp::new(true);
    let reply = plain.call("GET", "/api/connector-factories", Value::Null).await;
    let ids: Vec<&str> = reply.json.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["http-email", "http-sms", "oauth2", "oidc", "github-universal", "google-universal"]);
    let oidc = plain.call("GET", "/api/connector-factories/oidc", Value::Null).await;
    assert_eq!((oidc.json["type"].as_str(), oidc.json["isStandard"].as_bool()), (Some("Social"), Some(true)));
}

#[tokio::test]
async fn the_set_up_flow_of_logtos_integration_test() {
    let (t, _) = app();
    let sms = t
        .call(
            "POST",
            "/api/connectors",
            json!({ "connectorId": "mock-short-message-service", "config": mock_sms_config() }),
        )
        .await;
    TestApp::ok(&sms, 200);
    assert_eq!(sms.json["type"], "Sms");
    assert_eq!(sms.json["connectorId"], "mock-short-message-service");
    assert_eq!(sms.json["config"], mock_sms_config());
    assert_eq!(sms.json["metadata"], json!({}));
    assert_eq!(sms.json["syncProfile"], false);
    assert_eq!(sms.json["target"], "mock-sms");
    assert_eq!(sms.json["id"].as_str().unwrap().len(), 21);
    let email = t
        .call("POST", "/api/connectors", json!({ "connectorId": "mock-email-service", "config": mock_email_config() }))
        .await;
    TestApp::ok(&email, 200);
    let social_config = json!({ "clientId": "client_id_value", "clientSecret": "client_secret_value" });
    let social = t
        .call(
            "POST",
            "/api/connectors",
            json!({ "connectorId": "mock-social-connector", "config": social_config, "syncProfile": true }),
        )
        .await;
    TestApp::ok(&social, 200);
    let social_id = social.json["id"].as_str().unwrap().to_owned();

    // A config that fails the guard is refused and changes nothing.
    let bad = t.call("PATCH", &format!("/api/connectors/{social_id}"), json!({ "config": mock_sms_config() })).await;
    assert_eq!(bad.error(), (400, "connector.invalid_config"));
    assert_eq!(bad.json["data"]["name"], "ZodError");
    assert_eq!(bad.json["data"]["issues"][0]["path"], json!(["clientId"]));
    let got = t.call("GET", &format!("/api/connectors/{social_id}"), Value::Null).await;
    assert_eq!(got.json["config"], social_config);
    let new_config = json!({ "clientId": "new", "clientSecret": "new-secret" });
    let patched = t.call("PATCH", &format!("/api/connectors/{social_id}"), json!({ "config": new_config })).await;
    TestApp::ok(&patched, 200);
    assert_eq!(patched.json["config"], new_config);
    assert_eq!(patched.json["syncProfile"], true);

    // A second email connector replaces the first.
    let alt = t
        .call(
            "POST",
            "/api/connectors",
            json!({ "connectorId": "mock-email-service-alternative", "config": { "apiKey": "k" } }),
        )
        .await;
    TestApp::ok(&alt, 200);
    let alt_id = alt.json["id"].as_str().unwrap().to_owned();
    let list = t.call("GET", "/api/connectors", Value::Null).await;
    let mut factory_ids: Vec<&str> =
        list.json.as_array().unwrap().iter().map(|c| c["connectorId"].as_str().unwrap()).collect();
    factory_ids.sort_unstable();
    assert_eq!(factory_ids, ["mock-email-service-alternative", "mock-short-message-service", "mock-social-connector"]);
    // `{}` is a valid config for the alternative connector (its guard is partial).
    TestApp::ok(&t.call("PATCH", &format!("/api/connectors/{alt_id}"), json!({ "config": {} })).await, 200);
    assert_eq!(t.call("GET", &format!("/api/connectors/{alt_id}"), Value::Null).await.json["config"], json!({}));
    TestApp::ok(&t.call("DELETE", &format!("/api/connectors/{alt_id}"), Value::Null).await, 204);
    assert_eq!(
        t.call("GET", &format!("/api/connectors/{alt_id}"), Value::Null).await.error(),
        (404, "entity.not_found")
    );
    assert_eq!(
        t.call("DELETE", &format!("/api/connectors/{alt_id}"), Value::Null).await.error(),
        (404, "entity.not_found")
    );
    let filtered = t.call("GET", "/api/connectors?target=mock-social", Value::Null).await;
    assert_eq!(filtered.json.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn logtos_creation_rules() {
    let (t, _) = app();
    let post = |body: Value| t.call("POST", "/api/connectors", body);
    assert_eq!(
        post(json!({ "connectorId": "non-exist-id" })).await.error(),
        (422, "connector.not_found_with_connector_id")
    );
    assert_eq!(
        post(json!({ "connectorId": "mock-social-connector", "metadata": { "target": "target" } })).await.error(),
        (400, "connector.cannot_overwrite_metadata_for_non_standard_connector")
    );
    let social = post(json!({ "connectorId": "mock-social-connector" })).await;
    TestApp::ok(&social, 200);
    assert_eq!(social.json["config"], json!({}));
    assert_eq!(
        post(json!({ "connectorId": "mock-social-connector" })).await.error(),
        (422, "connector.multiple_instances_not_supported")
    );
    let id = social.json["id"].as_str().unwrap();
    assert_eq!(
        t.call("PATCH", &format!("/api/connectors/{id}"), json!({ "metadata": { "target": "target" } })).await.error(),
        (400, "connector.cannot_overwrite_metadata_for_non_standard_connector")
    );
    let email = post(json!({ "connectorId": "mock-email-service", "id": "my-email" })).await;
    TestApp::ok(&email, 200);
    assert_eq!(email.json["id"], "my-email");
    assert_eq!(
        t.call("PATCH", "/api/connectors/my-email", json!({ "syncProfile": true })).await.error(),
        (422, "connector.invalid_type_for_syncing_profile")
    );
    assert_eq!(
        post(json!({ "connectorId": "mock-email-service", "config": { "apiKey": 1 } })).await.error(),
        (400, "connector.invalid_config")
    );
    assert_eq!(
        post(json!({ "connectorId": "mock-social-connector", "enableTokenStorage": true })).await.error().0,
        422
    );
    assert_eq!(post(json!({ "config": {} })).await.error(), (400, "guard.invalid_input"));
    assert_eq!(post(json!({ "connectorId": "" })).await.error(), (400, "guard.invalid_input"));
    // Empty values are dropped from stored configs, as Logto's clean-deep does.
    let cleaned =
        post(json!({ "connectorId": "http-sms", "config": { "endpoint": "https://x.test/sms", "authorization": "" } }))
            .await;
    assert_eq!(cleaned.json["config"], json!({ "endpoint": "https://x.test/sms" }));
}

#[tokio::test]
async fn deleting_a_social_connector_drops_its_sign_in_target() {
    let (t, _) = app();
    let social = t.call("POST", "/api/connectors", json!({ "connectorId": "mock-social-connector" })).await;
    let id = social.json["id"].as_str().unwrap();
    let sie = t
        .call("PATCH", "/api/sign-in-exp", json!({ "socialSignInConnectorTargets": ["mock-social", "unknown"] }))
        .await;
    TestApp::ok(&sie, 200);
    assert_eq!(sie.json["socialSignInConnectorTargets"], json!(["mock-social"]));
    TestApp::ok(&t.call("DELETE", &format!("/api/connectors/{id}"), Value::Null).await, 204);
    let sie = t.call("GET", "/api/sign-in-exp", Value::Null).await;
    assert_eq!(sie.json["socialSignInConnectorTargets"], json!([]));
}

#[tokio::test]
async fn test_messages_use_the_given_config_and_the_generic_template() {
    let (t, outlet) = app();
    let sms = t
        .call(
            "POST",
            "/api/connectors/mock-short-message-service/test",
            json!({ "phone": "8612345678901", "config": mock_sms_config() }),
        )
        .await;
    TestApp::ok(&sms, 204);
    assert_eq!(
        outlet.last(MockMessageKind::Sms).unwrap(),
        json!({ "phone": "8612345678901", "code": "000000", "type": "Generic", "payload": { "code": "000000" } })
    );
    let email = t
        .call(
            "POST",
            "/api/connectors/mock-email-service/test",
            json!({ "email": "test@example.com", "config": mock_email_config(), "locale": "de" }),
        )
        .await;
    TestApp::ok(&email, 204);
    let record = outlet.last(MockMessageKind::Email).unwrap();
    assert_eq!(record["subject"], "Logto Generic Template");
    assert_eq!(record["payload"], json!({ "code": "000000", "locale": "de" }));

    let call = |path: &'static str, body: Value| t.call("POST", path, body);
    assert_eq!(
        call("/api/connectors/mock-short-message-service/test", json!({ "phone": "8612345678901", "config": {} }))
            .await
            .error(),
        (400, "connector.invalid_config")
    );
    assert_eq!(
        call("/api/connectors/mock-email-service/test", json!({ "config": {} })).await.error(),
        (400, "guard.invalid_input")
    );
    assert_eq!(
        call("/api/connectors/mock-email-service/test", json!({ "email": "not-an-email", "config": {} })).await.error(),
        (400, "guard.invalid_input")
    );
    assert_eq!(
        call("/api/connectors/mock-email-service/test", json!({ "phone": "123", "config": mock_email_config() }))
            .await
            .error(),
        (400, "connector.unexpected_type")
    );
    assert_eq!(
        call("/api/connectors/mock-social-connector/test", json!({ "email": "a@b.co", "config": {} })).await.error(),
        (400, "connector.not_found")
    );
}
