use std::sync::{Arc, Mutex};

use serde_json::json;

use super::*;
use crate::domain::connector::ConnectorRecord;
use crate::management::testing::TestApp;
use crate::ports::{
    HttpClient, HttpClientError, IncomingResponse, MemoryMockMessages, MockMessageKind, OutgoingRequest,
};

/// Answers every request with `status` and remembers what it was asked.
struct Recorder {
    status: u16,
    seen: Mutex<Vec<OutgoingRequest>>,
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl HttpClient for Recorder {
    async fn send(&self, request: OutgoingRequest) -> Result<IncomingResponse, HttpClientError> {
        self.seen.lock().unwrap().push(request);
        let mut response = IncomingResponse::new(bytes::Bytes::from_static(b"quota exceeded"));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap();
        Ok(response)
    }
}

async fn configure(t: &TestApp, id: &str, factory: &str, kind: ConnectorType, config: Value) {
    let mut record = ConnectorRecord::new(id.into(), factory.into(), kind, 1);
    record.config = config.as_object().unwrap().clone();
    repo::insert(t.app.store.as_ref(), &record).await.unwrap();
}

fn mock_email_config() -> Value {
    serde_json::from_str(include_str!("assets/mock-email.config-template.json")).unwrap()
}

#[tokio::test]
async fn without_a_connector_sending_is_logtos_501_connector_not_found() {
    let t = TestApp::new(true);
    let err = send_verification_code(&t.app, ConnectorKind::Email, "a@b.c", TemplateType::SignIn, "123456")
        .await
        .unwrap_err();
    assert_eq!(err, SendError::NoConnector(ConnectorKind::Email));
    let api = err.to_api_error();
    assert_eq!((api.status.as_u16(), api.code), (501, "connector.not_found"));
    assert_eq!(api.message, "Cannot find any available connector for type: Email.");
}

#[tokio::test]
async fn the_mock_email_connector_writes_logtos_record() {
    let mut t = TestApp::new(true);
    let outlet = Arc::new(MemoryMockMessages::default());
    t.app.mock_messages = Some(outlet.clone());
    configure(&t, "e1", "mock-email-service", ConnectorType::Email, mock_email_config()).await;
    send_verification_code(&t.app, ConnectorKind::Email, "a@b.c", TemplateType::Register, "654321").await.unwrap();
    let record = outlet.last(MockMessageKind::Email).unwrap();
    assert_eq!(record["address"], "a@b.c");
    assert_eq!(record["code"], "654321");
    assert_eq!(record["type"], "Register");
    assert_eq!(record["payload"], json!({ "code": "654321" }));
    assert_eq!(record["subject"], "Logto Register Template");
    assert_eq!(record["content"], "This is for registering purposes only. Your verification code is 654321.");
    assert_eq!(record["template"]["usageType"], "Register");
    assert!(outlet.last(MockMessageKind::Sms).is_none());
}

#[tokio::test]
async fn the_mock_sms_connector_writes_logtos_record_and_needs_a_template() {
    let mut t = TestApp::new(true);
    let outlet = Arc::new(MemoryMockMessages::default());
    t.app.mock_messages = Some(outlet.clone());
    let config = json!({ "accountSID": "a", "authToken": "b", "fromMessagingServiceSID": "c",
        "templates": [{ "usageType": "SignIn", "content": "{{code}}" }] });
    configure(&t, "s1", "mock-short-message-service", ConnectorType::Sms, config).await;
    send_verification_code(&t.app, ConnectorKind::Sms, "+15550001111", TemplateType::SignIn, "111222").await.unwrap();
    let record = outlet.last(MockMessageKind::Sms).unwrap();
    assert_eq!(
        record,
        json!({ "phone": "+15550001111", "code": "111222", "type": "SignIn", "payload": { "code": "111222" } })
    );
    let err = send_verification_code(&t.app, ConnectorKind::Sms, "+1", TemplateType::Register, "1").await.unwrap_err();
    assert_eq!(err, SendError::TemplateNotFound(TemplateType::Register));
    assert_eq!(err.to_api_error().code, "connector.template_not_found");
}

#[tokio::test]
async fn mock_connectors_are_missing_without_an_outlet() {
    let t = TestApp::new(true);
    configure(&t, "e1", "mock-email-service", ConnectorType::Email, mock_email_config()).await;
    assert!(factory::find(&t.app, "mock-email-service").is_none());
    assert!(factory::find(&t.app, "http-email").is_some());
    let err =
        send_verification_code(&t.app, ConnectorKind::Email, "a@b.c", TemplateType::SignIn, "1").await.unwrap_err();
    assert_eq!(err, SendError::NoConnector(ConnectorKind::Email));
}

#[tokio::test]
async fn the_http_connector_posts_logtos_body_and_maps_failures() {
    let mut t = TestApp::new(true);
    let recorder = Arc::new(Recorder { status: 204, seen: Mutex::new(Vec::new()) });
    t.app.http_client = Some(recorder.clone());
    let config = json!({ "endpoint": "https://mail.example.com/send", "authorization": "Bearer t0k" });
    configure(&t, "h1", "http-email", ConnectorType::Email, config).await;
    send_verification_code(&t.app, ConnectorKind::Email, "a@b.c", TemplateType::ForgotPassword, "999000")
        .await
        .unwrap();
    {
        let seen = recorder.seen.lock().unwrap();
        let req = &seen[0];
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri(), "https://mail.example.com/send");
        assert_eq!(req.headers()["authorization"], "Bearer t0k");
        assert_eq!(req.headers()["content-type"], "application/json");
        let body: Value = serde_json::from_slice(req.body()).unwrap();
        assert_eq!(body, json!({ "to": "a@b.c", "type": "ForgotPassword", "payload": { "code": "999000" } }));
    }
    let mut failing = TestApp::new(true);
    failing.app.http_client = Some(Arc::new(Recorder { status: 429, seen: Mutex::new(Vec::new()) }));
    configure(&failing, "h1", "http-sms", ConnectorType::Sms, json!({ "endpoint": "http://127.0.0.1:9/x" })).await;
    let err =
        send_verification_code(&failing.app, ConnectorKind::Sms, "+1", TemplateType::SignIn, "1").await.unwrap_err();
    assert_eq!(err, SendError::General("quota exceeded".into()));
    let api = err.to_api_error();
    assert_eq!(
        (api.status.as_u16(), api.code, api.message.as_str()),
        (400, "connector.general", "Error occurred in connector: quota exceeded")
    );
}

#[tokio::test]
async fn a_bad_stored_config_or_endpoint_is_a_clear_error() {
    let mut t = TestApp::new(true);
    t.app.http_client = Some(Arc::new(Recorder { status: 200, seen: Mutex::new(Vec::new()) }));
    configure(&t, "h1", "http-email", ConnectorType::Email, json!({ "endpoint": 5 })).await;
    let err =
        send_verification_code(&t.app, ConnectorKind::Email, "a@b.c", TemplateType::SignIn, "1").await.unwrap_err();
    assert_eq!(err.to_api_error().code, "connector.invalid_config");
    configure(&t, "h2", "http-email", ConnectorType::Email, json!({ "endpoint": "not a url" })).await;
    let err =
        send_verification_code(&t.app, ConnectorKind::Email, "a@b.c", TemplateType::SignIn, "1").await.unwrap_err();
    assert_eq!(err.to_api_error().code, "connector.general");
}
