//! Connectors: how edgeid reaches people (email, SMS) and other identity providers (social).
//!
//! [`factory`] lists what can be configured (Logto's mock connectors, the HTTP email/SMS
//! connectors); configured instances live in [`crate::domain::connector`]. The experience and
//! account groups send verification codes through [`send_verification_code`]; the Management
//! API tests a config through [`send_test`].
//!
//! The core stays sans-I/O: HTTP goes through the host's [`crate::ports::HttpClient`], mock
//! messages through [`crate::ports::MockMessages`].

pub mod factory;
pub mod guard;
pub mod http_transport;
pub mod mock;
pub mod social;
pub mod template;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::App;
use crate::domain::connector::{self as repo, ConnectorType};
use crate::error::{ApiError, Internal};
use factory::{Factory, Transport};
use guard::Issues;

/// Which kind of message connector to send through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectorKind {
    Email,
    Sms,
}

impl ConnectorKind {
    pub fn connector_type(self) -> ConnectorType {
        match self {
            ConnectorKind::Email => ConnectorType::Email,
            ConnectorKind::Sms => ConnectorType::Sms,
        }
    }
}

/// Logto's `TemplateType`: what a message is for (connectors pick their template by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TemplateType {
    SignIn,
    Register,
    ForgotPassword,
    OrganizationInvitation,
    Generic,
    UserPermissionValidation,
    BindNewIdentifier,
    MfaVerification,
    BindMfa,
}

impl TemplateType {
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateType::SignIn => "SignIn",
            TemplateType::Register => "Register",
            TemplateType::ForgotPassword => "ForgotPassword",
            TemplateType::OrganizationInvitation => "OrganizationInvitation",
            TemplateType::Generic => "Generic",
            TemplateType::UserPermissionValidation => "UserPermissionValidation",
            TemplateType::BindNewIdentifier => "BindNewIdentifier",
            TemplateType::MfaVerification => "MfaVerification",
            TemplateType::BindMfa => "BindMfa",
        }
    }
}

/// One message (Logto's `SendMessageData`).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub to: String,
    pub template_type: TemplateType,
    /// `{code?, link?, locale?, uiLocales?, ...context}`.
    pub payload: Map<String, Value>,
    pub ip: Option<String>,
}

impl Message {
    pub fn code(to: &str, template_type: TemplateType, code: &str) -> Self {
        let mut payload = Map::new();
        payload.insert("code".into(), Value::String(code.to_owned()));
        Self { to: to.to_owned(), template_type, payload, ip: None }
    }
}

/// Why a message was not sent. [`SendError::to_api_error`] gives Logto's code and status.
#[derive(Debug, Clone, PartialEq)]
pub enum SendError {
    /// No connector of this kind is configured: 501 `connector.not_found` (Logto's
    /// `getMessageConnector`).
    NoConnector(ConnectorKind),
    /// The stored (or tested) config fails the factory's guard: 400 `connector.invalid_config`.
    InvalidConfig(Issues),
    /// No template for this type and no `Generic` one: 400 `connector.template_not_found`.
    TemplateNotFound(TemplateType),
    /// The provider refused or could not be reached: 400 `connector.general`.
    General(String),
    /// This host cannot run the connector (no HTTP client / no mock outlet): 501.
    NotImplemented,
    Internal(Internal),
}

impl From<Internal> for SendError {
    fn from(e: Internal) -> Self {
        SendError::Internal(e)
    }
}

impl SendError {
    /// Logto's error for this failure (what `koa-connector-error-handler` makes of it).
    pub fn to_api_error(&self) -> ApiError {
        match self {
            SendError::NoConnector(kind) => {
                let t = kind.connector_type().as_str();
                ApiError::new(
                    StatusCode::NOT_IMPLEMENTED,
                    "connector.not_found",
                    format!("Cannot find any available connector for type: {t}."),
                )
                .with_data(json!({ "type": t }))
            }
            SendError::InvalidConfig(issues) => invalid_config(issues),
            SendError::TemplateNotFound(t) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "connector.template_not_found",
                "Unable to find correct template in connector config.",
            )
            .with_data(Value::String(format!("Template not found for type: {}", t.as_str()))),
            SendError::General(description) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "connector.general",
                format!("Error occurred in connector: {description}"),
            )
            .with_data(Value::String(description.clone())),
            SendError::NotImplemented => ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                "connector.not_implemented",
                "sendMessage: has not been implemented yet.",
            ),
            SendError::Internal(e) => ApiError::from(e.clone()),
        }
    }
}

/// 400 `connector.invalid_config` with zod's issues as `data`.
pub fn invalid_config(issues: &Issues) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "connector.invalid_config", "The connector's config is invalid.")
        .with_data(issues.to_zod_error())
        .with_details(issues.summary())
}

/// Send a verification code through the configured Email or Sms connector (Logto's
/// `sendPasscode`: payload `{code}`).
pub async fn send_verification_code(
    app: &App,
    kind: ConnectorKind,
    to: &str,
    template_type: TemplateType,
    code: &str,
) -> Result<(), SendError> {
    send_message(app, kind, &Message::code(to, template_type, code)).await
}

/// Send `message` through the configured connector of `kind` (one store read).
pub async fn send_message(app: &App, kind: ConnectorKind, message: &Message) -> Result<(), SendError> {
    let record = repo::find_by_type(app.store.as_ref(), kind.connector_type()).await?;
    let Some(record) = record else {
        return Err(SendError::NoConnector(kind));
    };
    // A connector whose factory this host does not offer (mock connectors without an outlet)
    // is as good as missing, as in Logto where its package is not loaded.
    let Some(factory) = factory::find(app, &record.connector_id) else {
        return Err(SendError::NoConnector(kind));
    };
    deliver(app, factory, &record.config, message).await
}

/// `POST /api/connectors/:factoryId/test`: send a `Generic` message with an unsaved config.
pub async fn send_test(
    app: &App,
    factory: &Factory,
    config: &Map<String, Value>,
    message: &Message,
) -> Result<(), SendError> {
    deliver(app, factory, config, message).await
}

async fn deliver(
    app: &App,
    factory: &Factory,
    config: &Map<String, Value>,
    message: &Message,
) -> Result<(), SendError> {
    (factory.validate)(&Value::Object(config.clone())).map_err(SendError::InvalidConfig)?;
    match factory.transport {
        Transport::MockEmail | Transport::MockEmailAlternative | Transport::MockSms => {
            mock::deliver(app, factory.transport, config, message).await
        }
        Transport::Http => http_transport::deliver(app, config, message).await,
        Transport::Social(_) => Err(SendError::NotImplemented),
    }
}

#[cfg(test)]
mod tests;
