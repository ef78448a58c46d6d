//! Logto's mock connectors (`packages/connectors/connector-mock-*`), used by Logto's own
//! integration tests and for local development: the email/SMS ones write each message as one
//! JSON line to `mock_email_record.txt` / `mock_sms_record.txt` (through the host's
//! [`crate::ports::MockMessages`] outlet), exactly the JSON Logto's connectors write.

use serde_json::{Map, Value, json};

use super::factory::{ConnectorMetadata, Factory, Transport, phrases, svg_data_url};
use super::guard::{self, Check, Issues};
use super::{Message, SendError, template};
use crate::App;
use crate::domain::connector::{ConnectorPlatform, ConnectorType};
use crate::ports::MockMessageKind;

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#5D34F2"/><text x="32" y="41" font-family="sans-serif" font-size="22" fill="#fff" text-anchor="middle">M</text></svg>"##;
const README_EMAIL: &str = "# Mock mail connector\n\nFor integration tests only.\n";
const README_SMS: &str = "# Mock SMS connector\n\nFor integration tests only.\n";
const README_SOCIAL: &str = "# Mock social connector\n\nFor integration tests only.\n";

const TEMPLATE_TYPES: &[&str] = &[
    "SignIn",
    "Register",
    "ForgotPassword",
    "OrganizationInvitation",
    "Generic",
    "UserPermissionValidation",
    "BindNewIdentifier",
    "MfaVerification",
    "BindMfa",
];

/// `mockMailConfigGuard` (`partial`: every field optional, the alternative connector's guard).
fn mail_guard(c: &mut Check<'_>, required: bool) {
    c.string("apiKey", required);
    c.string("fromEmail", required);
    c.string("fromName", false);
    c.objects("templates", required, |t| {
        t.one_of("usageType", TEMPLATE_TYPES, true);
        t.one_of("type", &["text/plain", "text/html"], true);
        t.string("subject", true);
        t.string("content", true);
    });
}

fn validate_mail(config: &Value) -> Result<(), Issues> {
    guard::validate(config, |c| mail_guard(c, true))
}

fn validate_mail_alternative(config: &Value) -> Result<(), Issues> {
    guard::validate(config, |c| mail_guard(c, false))
}

fn validate_sms(config: &Value) -> Result<(), Issues> {
    guard::validate(config, |c| {
        c.string("accountSID", true);
        c.string("authToken", true);
        c.string("fromMessagingServiceSID", true);
        c.objects("templates", true, |t| {
            t.one_of("usageType", TEMPLATE_TYPES, true);
            t.string("content", true);
        });
    })
}

fn validate_social(config: &Value) -> Result<(), Issues> {
    guard::validate(config, |c| {
        c.string("clientId", true);
        c.string("clientSecret", true);
    })
}

fn mail_name() -> Map<String, Value> {
    phrases(&[
        ("en", "Mock Mail Service"),
        ("zh-CN", "Mock 邮件服务"),
        ("tr-TR", "Mock Mail Servis"),
        ("ko", "Mock Mail Service"),
    ])
}

fn mail_description() -> Map<String, Value> {
    phrases(&[
        ("en", "The description of Mock Mail Service."),
        ("zh-CN", "Mock 邮件服务的描述。"),
        ("tr-TR", "Mock Mail Servis açıklaması."),
        ("ko", "The description of Mock SMS Service."),
    ])
}

fn email_metadata() -> ConnectorMetadata {
    ConnectorMetadata {
        id: "mock-email-service",
        target: "mock-mail",
        platform: None,
        name: mail_name(),
        logo: svg_data_url(LOGO),
        logo_dark: None,
        description: mail_description(),
        readme: README_EMAIL,
        config_template: Some(include_str!("assets/mock-email.config-template.json")),
        form_items: None,
        is_standard: None,
        is_token_storage_supported: None,
    }
}

fn email_alternative_metadata() -> ConnectorMetadata {
    ConnectorMetadata {
        id: "mock-email-service-alternative",
        target: "mock-mail-alternative",
        config_template: Some(include_str!("assets/mock-email-alternative.config-template.json")),
        ..email_metadata()
    }
}

fn sms_metadata() -> ConnectorMetadata {
    ConnectorMetadata {
        id: "mock-short-message-service",
        target: "mock-sms",
        platform: None,
        name: phrases(&[
            ("en", "Mock SMS Service"),
            ("zh-CN", "Mock 短信服务"),
            ("tr-TR", "Mock SMS Servis"),
            ("ko", "Mock SMS Service"),
        ]),
        logo: svg_data_url(LOGO),
        logo_dark: None,
        description: phrases(&[
            ("en", "The description of Mock SMS Service."),
            ("zh-CN", "Mock 短信服务的描述。"),
            ("tr-TR", "Mock SMS Servis açıklaması."),
            ("ko", "The description of Mock SMS Service."),
        ]),
        readme: README_SMS,
        config_template: Some(include_str!("assets/mock-sms.config-template.json")),
        form_items: None,
        is_standard: None,
        is_token_storage_supported: None,
    }
}

fn social_metadata() -> ConnectorMetadata {
    ConnectorMetadata {
        id: "mock-social-connector",
        target: "mock-social",
        platform: Some(ConnectorPlatform::Universal),
        name: phrases(&[
            ("en", "Mock Social"),
            ("zh-CN", "Mock 社交登录"),
            ("ko", "Mock Social"),
            ("tr-TR", "Mock Social"),
        ]),
        logo: svg_data_url(LOGO),
        logo_dark: None,
        description: phrases(&[
            ("en", "Social mock connector description"),
            ("zh-CN", "Mock 社交登录连接器的描述"),
            ("ko", "Social mock connector description"),
            ("tr-TR", "Social mock connector description"),
        ]),
        readme: README_SOCIAL,
        config_template: Some(include_str!("assets/mock-social.config-template.json")),
        form_items: None,
        is_standard: None,
        is_token_storage_supported: Some(true),
    }
}

pub const EMAIL: Factory = Factory {
    connector_type: ConnectorType::Email,
    transport: Transport::MockEmail,
    metadata: email_metadata,
    validate: validate_mail,
    needs_mock_outlet: true,
};

pub const EMAIL_ALTERNATIVE: Factory = Factory {
    connector_type: ConnectorType::Email,
    transport: Transport::MockEmailAlternative,
    metadata: email_alternative_metadata,
    validate: validate_mail_alternative,
    needs_mock_outlet: true,
};

pub const SMS: Factory = Factory {
    connector_type: ConnectorType::Sms,
    transport: Transport::MockSms,
    metadata: sms_metadata,
    validate: validate_sms,
    needs_mock_outlet: true,
};

pub const SOCIAL: Factory = Factory {
    connector_type: ConnectorType::Social,
    transport: Transport::Social(super::social::Kind::Mock),
    metadata: social_metadata,
    validate: validate_social,
    needs_mock_outlet: true,
};

/// The tenant's email template for this message (`getI18nEmailTemplate`), if any. A failed
/// lookup counts as none, as Logto's `trySafe` does.
async fn i18n_template(app: &App, message: &Message) -> Option<Map<String, Value>> {
    let experience = crate::domain::sign_in_experience::find(app).await.ok()?;
    let fallback = experience.language_info.get("fallbackLanguage").and_then(Value::as_str).unwrap_or("en").to_owned();
    let locale = message.payload.get("locale").and_then(Value::as_str);
    crate::domain::email_template::find_for_message(app.store.as_ref(), message.template_type, locale, &fallback)
        .await
        .ok()
        .flatten()
}

/// Write `message` the way Logto's mock connector of `transport` does.
pub(super) async fn deliver(
    app: &App,
    transport: Transport,
    config: &Map<String, Value>,
    message: &Message,
) -> Result<(), SendError> {
    let outlet = app.mock_messages.as_ref().ok_or(SendError::NotImplemented)?;
    let payload = Value::Object(message.payload.clone());
    let code = message.payload.get("code").cloned().unwrap_or(Value::Null);
    let (kind, record) = match transport {
        Transport::MockEmail => {
            // Logto's mock email connector asks for the tenant's i18n template first.
            let custom = i18n_template(app, message).await;
            let found = match &custom {
                Some(details) => details,
                None => template::by_type(config, message.template_type)
                    .ok_or(SendError::TemplateNotFound(message.template_type))?,
            };
            let field = |name: &str| found.get(name).and_then(Value::as_str).unwrap_or_default();
            let subject = template::replace_handlebars(field("subject"), &message.payload);
            let content = template::replace_handlebars(field("content"), &message.payload);
            let record = json!({
                "address": message.to, "code": code, "type": message.template_type, "payload": payload,
                "template": found, "subject": subject, "content": content,
            });
            (MockMessageKind::Email, record)
        }
        Transport::MockEmailAlternative => {
            template::by_type(config, message.template_type)
                .ok_or(SendError::TemplateNotFound(message.template_type))?;
            let record =
                json!({ "address": message.to, "code": code, "type": message.template_type, "payload": payload });
            (MockMessageKind::Email, record)
        }
        Transport::MockSms => {
            template::by_type(config, message.template_type)
                .ok_or(SendError::TemplateNotFound(message.template_type))?;
            let record =
                json!({ "phone": message.to, "code": code, "type": message.template_type, "payload": payload });
            (MockMessageKind::Sms, record)
        }
        Transport::Http | Transport::Social(_) => return Err(SendError::NotImplemented),
    };
    let mut record = record;
    // JSON.stringify drops an undefined `code` (a message without one, e.g. an invitation link).
    if let Some(object) = record.as_object_mut().filter(|o| o.get("code").is_some_and(Value::is_null)) {
        object.remove("code");
    }
    outlet.write(kind, format!("{record}\n")).await.map_err(SendError::General)
}
