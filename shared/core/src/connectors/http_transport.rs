//! Logto's generic HTTP email and SMS connectors (`connector-http-email`, `connector-http-sms`):
//! `POST <endpoint>` with `Authorization: <authorization>` (when set) and the JSON body
//! `{to, type, payload, ip?}`; any 2xx is success, anything else is `connector.general` with
//! the response body as the description. The call goes through the host's
//! [`crate::ports::HttpClient`].

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::factory::{ConnectorMetadata, Factory, Transport, phrases, svg_data_url};
use super::guard::{self, Issues};
use super::{Message, SendError};
use crate::App;
use crate::domain::connector::ConnectorType;

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#2B2B2B"/><text x="32" y="40" font-family="monospace" font-size="16" fill="#fff" text-anchor="middle">HTTP</text></svg>"##;

const README_EMAIL: &str = "# HTTP email connector\n\nSends email through your own HTTP endpoint. For every message edgeid sends \
`POST <endpoint>` with `Content-Type: application/json`, the configured `Authorization` header (if any) and the body\n\n\
```json\n{\n  \"to\": \"foo@example.com\",\n  \"type\": \"SignIn\",\n  \"payload\": { \"code\": \"123456\" }\n}\n```\n\n\
The endpoint must answer 2xx once it has accepted the message; any other status fails the send, with the response body as the error description.\n";

const README_SMS: &str = "# HTTP SMS connector\n\nSends SMS through your own HTTP endpoint. For every message edgeid sends \
`POST <endpoint>` with `Content-Type: application/json`, the configured `Authorization` header (if any) and the body\n\n\
```json\n{\n  \"to\": \"+15550001111\",\n  \"type\": \"SignIn\",\n  \"payload\": { \"code\": \"123456\" }\n}\n```\n\n\
The endpoint must answer 2xx once it has accepted the message; any other status fails the send, with the response body as the error description.\n";

fn form_items(placeholder: &str) -> Value {
    json!([
        { "key": "endpoint", "label": "Endpoint", "type": "Text", "required": true, "placeholder": placeholder },
        {
            "key": "authorization", "label": "Authorization Header", "type": "Text", "required": false,
            "placeholder": "<Bearer your-token>",
            "tooltip": "The authorization header to be sent with the request, you can verify the value in your server.",
        },
    ])
}

fn validate(config: &Value) -> Result<(), Issues> {
    guard::validate(config, |c| {
        c.string("endpoint", true);
        c.string("authorization", false);
    })
}

fn email_metadata() -> ConnectorMetadata {
    ConnectorMetadata {
        id: "http-email",
        target: "http-email",
        platform: None,
        name: phrases(&[("en", "HTTP Email")]),
        logo: svg_data_url(LOGO),
        logo_dark: None,
        description: phrases(&[
            ("en", "Send email via HTTP call."),
            ("zh-CN", "通过 HTTP 调用发送电子邮件。"),
            ("tr-TR", "HTTP isteği aracılığıyla e-posta gönderin."),
            ("ko", "HTTP 호출을 통해 이메일을 보냅니다."),
        ]),
        readme: README_EMAIL,
        config_template: None,
        form_items: Some(form_items("<https://example.com/your-http-endpoint>")),
        is_standard: None,
        is_token_storage_supported: None,
    }
}

fn sms_metadata() -> ConnectorMetadata {
    ConnectorMetadata {
        id: "http-sms",
        target: "http-sms",
        platform: None,
        name: phrases(&[("en", "HTTP SMS")]),
        logo: svg_data_url(LOGO),
        logo_dark: Some(svg_data_url(LOGO)),
        description: phrases(&[
            ("en", "Send SMS via HTTP call."),
            ("zh-CN", "通过 HTTP 调用发送短信。"),
            ("tr-TR", "HTTP isteği aracılığıyla SMS gönderin."),
            ("ko", "HTTP 호출을 통해 SMS를 보냅니다."),
        ]),
        readme: README_SMS,
        config_template: None,
        form_items: Some(form_items("<https://example.com/your-http-sms-endpoint>")),
        is_standard: None,
        is_token_storage_supported: None,
    }
}

pub const EMAIL: Factory = Factory {
    connector_type: ConnectorType::Email,
    transport: Transport::Http,
    metadata: email_metadata,
    validate,
    needs_mock_outlet: false,
};

pub const SMS: Factory = Factory {
    connector_type: ConnectorType::Sms,
    transport: Transport::Http,
    metadata: sms_metadata,
    validate,
    needs_mock_outlet: false,
};

/// The request Logto's HTTP connectors make for `message`.
pub fn request(config: &Map<String, Value>, message: &Message) -> Result<crate::ports::OutgoingRequest, SendError> {
    let endpoint = config.get("endpoint").and_then(Value::as_str).unwrap_or_default();
    let uri: http::Uri = endpoint.parse().map_err(|_| SendError::General(format!("Invalid URL: {endpoint}")))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(SendError::General(format!("Invalid URL: {endpoint}")));
    }
    let mut body = json!({ "to": message.to, "type": message.template_type, "payload": message.payload });
    if let (Some(ip), Some(object)) = (&message.ip, body.as_object_mut()) {
        object.insert("ip".into(), Value::String(ip.clone()));
    }
    let mut builder = http::Request::post(uri).header(http::header::CONTENT_TYPE, "application/json");
    if let Some(authorization) = config.get("authorization").and_then(Value::as_str) {
        builder = builder.header(http::header::AUTHORIZATION, authorization);
    }
    builder.body(Bytes::from(body.to_string())).map_err(|e| SendError::General(format!("invalid request: {e}")))
}

pub(super) async fn deliver(app: &App, config: &Map<String, Value>, message: &Message) -> Result<(), SendError> {
    let client = app.http_client.as_ref().ok_or(SendError::NotImplemented)?;
    let response = client.send(request(config, message)?).await.map_err(|e| SendError::General(e.0))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(SendError::General(String::from_utf8_lossy(response.body()).into_owned()))
    }
}
