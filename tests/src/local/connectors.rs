//! Connectors on the real local host: the HTTP email/SMS connectors reach a real HTTP server
//! (the request it receives is Logto's, byte for byte where it matters), and Logto's mock
//! connectors write their records into `MOCK_CONNECTOR_MESSAGE_DIR`.

use edgeid_tests::harness::{LocalServer, http_sink};
use serde_json::{Value, json};

fn admin(server: &LocalServer, method: &str, path: &str, body: Value) -> edgeid_tests::harness::RequestBuilder {
    let client = server.client();
    let builder = match method {
        "POST" => client.post(path),
        "PATCH" => client.patch(path),
        _ => client.get(path),
    };
    let builder = builder.header("development-user-id", "integration-test");
    if body.is_null() { builder } else { builder.json(&body) }
}

#[tokio::test]
async fn the_http_email_connector_posts_logtos_body_to_a_real_server() {
    let server = LocalServer::builder().memory().env("EDGEID_DEV_ADMIN", "1").start();
    let (url, seen) = http_sink("202 Accepted", "queued").await;
    let config = json!({ "endpoint": url, "authorization": "Bearer provider-token" });
    let created = admin(&server, "POST", "/api/connectors", json!({ "connectorId": "http-email", "config": config }))
        .send()
        .await;
    created.assert_status(200);
    assert_eq!(created.json()["type"], "Email");

    // The Management API's test send goes through the host's HTTP client.
    let sent = admin(
        &server,
        "POST",
        "/api/connectors/http-email/test",
        json!({ "email": "jane@example.com", "config": config }),
    )
    .send()
    .await;
    sent.assert_status(204);
    let seen = seen.await.unwrap();
    assert_eq!(seen.request_line(), "POST /send HTTP/1.1");
    assert_eq!(seen.header("authorization").as_deref(), Some("Bearer provider-token"));
    assert_eq!(seen.header("content-type").as_deref(), Some("application/json"));
    assert_eq!(seen.json(), json!({ "to": "jane@example.com", "type": "Generic", "payload": { "code": "000000" } }));
}

#[tokio::test]
async fn a_refusing_provider_is_connector_general_with_its_answer() {
    let server = LocalServer::builder().memory().env("EDGEID_DEV_ADMIN", "1").start();
    let (url, seen) = http_sink("429 Too Many Requests", "slow down").await;
    let config = json!({ "endpoint": url });
    let sent =
        admin(&server, "POST", "/api/connectors/http-sms/test", json!({ "phone": "15550001111", "config": config }))
            .send()
            .await;
    sent.assert_api_error(400, "connector.general");
    assert_eq!(sent.json()["message"], "Error occurred in connector: slow down");
    let seen = seen.await.unwrap();
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(seen.json()["to"], "15550001111");
}

#[tokio::test]
async fn mock_connectors_write_logtos_records_into_the_message_dir() {
    let dir = tempfile::tempdir().unwrap();
    let server = LocalServer::builder()
        .memory()
        .env("EDGEID_DEV_ADMIN", "1")
        .env("MOCK_CONNECTOR_MESSAGE_DIR", dir.path().to_str().unwrap())
        .start();
    let config = json!({ "accountSID": "a", "authToken": "b", "fromMessagingServiceSID": "c",
        "templates": [{ "usageType": "Generic", "content": "code {{code}}" }] });
    admin(
        &server,
        "POST",
        "/api/connectors/mock-short-message-service/test",
        json!({ "phone": "8612345678901", "config": config }),
    )
    .send()
    .await
    .assert_status(204);
    let record = std::fs::read_to_string(dir.path().join("mock_sms_record.txt")).unwrap();
    assert!(record.ends_with('\n'));
    let record: Value = serde_json::from_str(&record).unwrap();
    assert_eq!(
        record,
        json!({ "phone": "8612345678901", "code": "000000", "type": "Generic", "payload": { "code": "000000" } })
    );

    // Without the variable the mock factories do not exist, as in Logto outside test mode.
    let plain = LocalServer::builder().memory().env("EDGEID_DEV_ADMIN", "1").start();
    let factories = admin(&plain, "GET", "/api/connector-factories", Value::Null).send().await.json();
    let ids: Vec<&str> = factories.as_array().unwrap().iter().filter_map(|f| f["id"].as_str()).collect();
    assert_eq!(ids, ["http-email", "http-sms", "oauth2", "oidc", "github-universal", "google-universal"]);
}
