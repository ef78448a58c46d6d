//! Connectors on the real local host: the HTTP email/SMS connectors reach a real HTTP server
//! (the request it receives is Logto's, byte for byte where it matters), and Logto's mock
//! connectors write their records into `MOCK_CONNECTOR_MESSAGE_DIR`.

use edgeid_tests::harness::LocalServer;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as an HTTP server saw it.
struct Seen {
    head: String,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// A tiny HTTP/1.1 server: accepts one connection, reads one request, answers `status`/`body`.
async fn provider(status: &'static str, reply: &'static str) -> (String, tokio::task::JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        let (head, body) = loop {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before a whole request arrived");
            data.extend_from_slice(&buf[..n]);
            let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
            let head = String::from_utf8(data[..end].to_vec()).unwrap();
            let seen = Seen { head: head.clone(), body: Vec::new() };
            let length: usize = seen.header("content-length").map_or(0, |v| v.parse().unwrap());
            if data.len() >= end + 4 + length {
                break (head, data[end + 4..end + 4 + length].to_vec());
            }
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        socket.shutdown().await.unwrap();
        Seen { head, body }
    });
    (url, task)
}

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
    let (url, seen) = provider("202 Accepted", "queued").await;
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
    assert!(seen.head.starts_with("POST /send HTTP/1.1\r\n"), "{}", seen.head);
    assert_eq!(seen.header("authorization").as_deref(), Some("Bearer provider-token"));
    assert_eq!(seen.header("content-type").as_deref(), Some("application/json"));
    let body: Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(body, json!({ "to": "jane@example.com", "type": "Generic", "payload": { "code": "000000" } }));
}

#[tokio::test]
async fn a_refusing_provider_is_connector_general_with_its_answer() {
    let server = LocalServer::builder().memory().env("EDGEID_DEV_ADMIN", "1").start();
    let (url, seen) = provider("429 Too Many Requests", "slow down").await;
    let config = json!({ "endpoint": url });
    let sent =
        admin(&server, "POST", "/api/connectors/http-sms/test", json!({ "phone": "15550001111", "config": config }))
            .send()
            .await;
    sent.assert_api_error(400, "connector.general");
    assert_eq!(sent.json()["message"], "Error occurred in connector: slow down");
    let seen = seen.await.unwrap();
    assert_eq!(seen.header("authorization"), None);
    let body: Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(body["to"], "15550001111");
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
    assert_eq!(ids, ["http-email", "http-sms"]);
}
