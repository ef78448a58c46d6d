//! Building the DynamoDB client without aws-config: on Lambda the region and the execution
//! role's credentials are plain environment variables, so the provider chain (STS, SSO,
//! IMDS, profile files) would only add build time and cold-start work.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// Where and as whom to talk to DynamoDB.
#[derive(Clone)]
pub struct ClientSettings {
    pub region: String,
    /// Override for local emulators (`EDGEID_DYNAMODB_ENDPOINT`); `None` = the regional AWS endpoint.
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSettings")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl ClientSettings {
    /// From the variables Lambda sets (`AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) plus `EDGEID_DYNAMODB_ENDPOINT`.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let required = |name: &str| var(name).ok_or_else(|| format!("{name} is not set"));
        Ok(Self {
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")).unwrap_or_else(|| "us-east-1".to_owned()),
            endpoint: var("EDGEID_DYNAMODB_ENDPOINT"),
            access_key_id: required("AWS_ACCESS_KEY_ID")?,
            secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
            session_token: var("AWS_SESSION_TOKEN"),
        })
    }

    /// Fixed dummy credentials for a local emulator (DynamoDB Local keeps one database per
    /// access key and region, so every process must use the same pair).
    pub fn local(endpoint: &str) -> Self {
        Self {
            region: "us-east-1".to_owned(),
            endpoint: Some(endpoint.to_owned()),
            access_key_id: "edgeidlocal".to_owned(),
            secret_access_key: "edgeidlocal".to_owned(),
            session_token: None,
        }
    }
}

/// A client with short timeouts: a slow DynamoDB must become a quick 503, not a hung function.
pub fn client(settings: &ClientSettings) -> Client {
    Client::from_conf(client_config(settings).build())
}

/// The configuration [`client`] uses, for callers that add to it (tests add interceptors).
pub fn client_config(settings: &ClientSettings) -> aws_sdk_dynamodb::config::Builder {
    let http =
        aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::Ring)).build_https();
    let credentials = Credentials::new(
        settings.access_key_id.clone(),
        settings.secret_access_key.clone(),
        settings.session_token.clone(),
        None,
        "environment",
    );
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build();
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(settings.region.clone()))
        .credentials_provider(credentials)
        .http_client(http)
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(endpoint) = &settings.endpoint {
        config = config.endpoint_url(endpoint);
    }
    config
}
