//! Connector factories: what can be configured (Logto's installed connector packages). Each
//! factory is metadata + a config guard + how it delivers; the registry is a closed list, so
//! adding one (issue 6's OAuth2/OIDC/GitHub/Google presets) is one file and one line here.

use serde::Serialize;
use serde_json::{Map, Value};

use super::guard::Issues;
use super::{http_transport, mock, social};
use crate::App;
use crate::domain::connector::{ConnectorPlatform, ConnectorType};

/// Logto's `ConnectorMetadata` as the API returns it (logo as a data URL, readme and config
/// template as text, like Logto's loader does with the package files).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorMetadata {
    pub id: &'static str,
    pub target: &'static str,
    pub platform: Option<ConnectorPlatform>,
    pub name: Map<String, Value>,
    pub logo: String,
    pub logo_dark: Option<String>,
    pub description: Map<String, Value>,
    pub readme: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_template: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form_items: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_standard: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_token_storage_supported: Option<bool>,
}

/// How a factory's connectors deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Logto's `mock-email-service`: writes address, code, type, payload, template, subject, content.
    MockEmail,
    /// Logto's `mock-email-service-alternative`: writes address, code, type, payload.
    MockEmailAlternative,
    /// Logto's `mock-short-message-service`.
    MockSms,
    /// `http-email` / `http-sms`: POST `{to, type, payload}` to the configured endpoint.
    Http,
    /// A social connector of this kind (it signs people in, it sends no messages).
    Social(super::social::Kind),
}

/// One installable connector.
pub struct Factory {
    pub connector_type: ConnectorType,
    pub transport: Transport,
    pub metadata: fn() -> ConnectorMetadata,
    /// The config guard (`configGuard`).
    pub validate: fn(&Value) -> Result<(), Issues>,
    /// Only offered when the host gives the mock connectors an outlet.
    pub needs_mock_outlet: bool,
}

impl Factory {
    pub fn id(&self) -> &'static str {
        (self.metadata)().id
    }
}

/// Every factory this build knows, installed or not.
const ALL: &[Factory] = &[
    mock::EMAIL,
    mock::EMAIL_ALTERNATIVE,
    mock::SMS,
    mock::SOCIAL,
    http_transport::EMAIL,
    http_transport::SMS,
    social::oauth2::FACTORY,
    social::oidc::FACTORY,
    social::github::FACTORY,
    social::google::FACTORY,
];

/// The factories this app offers (`GET /api/connector-factories`): Logto's mock connectors
/// only when the host set `MOCK_CONNECTOR_MESSAGE_DIR` (an outlet for their messages).
pub fn all(app: &App) -> impl Iterator<Item = &'static Factory> + '_ {
    ALL.iter().filter(|f| !f.needs_mock_outlet || app.mock_messages.is_some())
}

pub fn find(app: &App, id: &str) -> Option<&'static Factory> {
    all(app).find(|f| f.id() == id)
}

/// `{"en": "..."}`-style i18n phrases.
pub(crate) fn phrases(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned()))).collect()
}

/// An SVG logo as the data URL Logto's loader makes of a package's `logo.svg`.
pub(crate) fn svg_data_url(svg: &str) -> String {
    use base64::Engine;
    format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factory_ids_are_unique_and_metadata_is_consistent() {
        let mut ids: Vec<&str> = ALL.iter().map(Factory::id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        for f in ALL {
            let m = (f.metadata)();
            assert!(m.name.contains_key("en") && m.description.contains_key("en"), "{}", m.id);
            assert!(m.logo.starts_with("data:image/svg+xml;base64,"));
            assert_eq!(m.platform.is_some(), f.connector_type == ConnectorType::Social, "{}", m.id);
            if let Some(template) = m.config_template {
                let parsed: Value = serde_json::from_str(template).unwrap();
                // A factory's own config template passes its own guard.
                assert_eq!((f.validate)(&parsed), Ok(()), "{}", m.id);
            }
        }
    }
}
