use bytes::Bytes;

use super::{MaybeSend, MaybeSync};

/// An outgoing HTTP request (connectors calling a provider).
pub type OutgoingRequest = ::http::Request<Bytes>;
/// What the provider answered.
pub type IncomingResponse = ::http::Response<Bytes>;

/// Why an outgoing request got no HTTP response at all (DNS, connect, TLS, timeout). A response
/// with any status, 5xx included, is `Ok`: the caller decides what a status means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpClientError(pub String);

impl std::fmt::Display for HttpClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "outgoing request failed: {}", self.0)
    }
}

impl std::error::Error for HttpClientError {}

/// The core's way to call other servers (HTTP email/SMS connectors, later social providers).
/// Native hosts implement it with a small rustls client, the Workers host with `fetch`.
/// Implementations must not follow redirects and must bound the time a call may take.
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait HttpClient: MaybeSend + MaybeSync {
    async fn send(&self, request: OutgoingRequest) -> Result<IncomingResponse, HttpClientError>;
}
