use std::sync::Arc;

use crate::Config;
use crate::domain::cookie_keys::CookieKeyCache;
use crate::domain::signing_keys::SigningKeyCache;
use crate::ports::{Clock, Crypto, HttpClient, MockMessages, Rng};
use crate::store::Store;

/// Everything a request handler may touch, built once per process / isolate / cold start.
/// Nothing in here may hold state that correctness depends on: caches must be safe to lose.
pub struct App {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    pub crypto: Arc<dyn Crypto>,
    /// Per-isolate cache of the parsed signing keys and JWKS (safe to lose, bounded staleness).
    pub signing_keys: SigningKeyCache,
    /// Per-isolate cache of the cookie keys (safe to lose, bounded staleness).
    pub cookie_keys: CookieKeyCache,
    /// Pre-serialised discovery documents (per signing algorithm).
    pub discovery: crate::oidc::discovery::DiscoveryCache,
    /// Outgoing HTTP (connectors). `None`: connectors that need it answer a clear error.
    pub http_client: Option<Arc<dyn HttpClient>>,
    /// Where Logto's mock email/SMS connectors write (`MOCK_CONNECTOR_MESSAGE_DIR` on the local
    /// host). The mock connector factories exist only when this is set, as in Logto.
    pub mock_messages: Option<Arc<dyn MockMessages>>,
}

/// Why an `App` cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// The backend cannot decide single use atomically (e.g. Workers KV alone).
    StoreNotAtomic,
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::StoreNotAtomic => f.write_str(
                "the configured store cannot claim codes and tokens atomically; refusing to start \
                 (on Cloudflare, bind the Durable Object as well as KV)",
            ),
        }
    }
}

impl std::error::Error for StartError {}

impl App {
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
        crypto: Arc<dyn Crypto>,
    ) -> Result<Self, StartError> {
        if !store.capabilities().atomic_single_use {
            return Err(StartError::StoreNotAtomic);
        }
        Ok(Self {
            config,
            store,
            clock,
            rng,
            crypto,
            signing_keys: SigningKeyCache::new(),
            cookie_keys: CookieKeyCache::new(),
            discovery: Default::default(),
            http_client: None,
            mock_messages: None,
        })
    }

    /// Give connectors a way to call other servers.
    pub fn with_http_client(mut self, client: Arc<dyn HttpClient>) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Offer Logto's mock connectors, writing their messages to `outlet`.
    pub fn with_mock_messages(mut self, outlet: Arc<dyn MockMessages>) -> Self {
        self.mock_messages = Some(outlet);
        self
    }
}
