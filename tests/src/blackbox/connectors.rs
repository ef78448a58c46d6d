//! Connectors over the wire, on whichever host the target runs: the HTTP email/SMS connectors
//! call a real provider through the host's `HttpClient` (reqwest on the local server and
//! Lambda, `fetch` on Workers), sending Logto's request.

use edgeid_tests::harness::{Target, http_sink};
use serde_json::json;

#[tokio::test]
async fn the_http_sms_connector_reaches_the_provider_through_the_host() {
    let t = Target::from_env();
    let token = t.admin_token().await;
    let (url, seen) = http_sink("200 OK", "ok").await;
    let config = json!({ "endpoint": url, "authorization": "Token sms-provider" });
    t.client
        .post("/api/connectors/http-sms/test")
        .bearer(&token)
        .json(&json!({ "phone": "15550001111", "config": config, "locale": "fr" }))
        .send()
        .await
        .assert_status(204);
    let seen = seen.await.unwrap();
    assert_eq!(seen.request_line(), "POST /send HTTP/1.1");
    assert_eq!(seen.header("authorization").as_deref(), Some("Token sms-provider"));
    assert_eq!(seen.header("content-type").as_deref(), Some("application/json"));
    assert_eq!(
        seen.json(),
        json!({ "to": "15550001111", "type": "Generic", "payload": { "code": "000000", "locale": "fr" } })
    );
}

#[tokio::test]
async fn an_unreachable_provider_is_a_clear_connector_error() {
    let t = Target::from_env();
    let token = t.admin_token().await;
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let reply = t
        .client
        .post("/api/connectors/http-email/test")
        .bearer(&token)
        .json(&json!({ "email": "jane@example.com", "config": { "endpoint": format!("http://{closed}/send") } }))
        .send()
        .await;
    reply.assert_api_error(400, "connector.general");
}
