//! Where the black-box suite points: an already running host, or a local server it starts.
//!
//! - `EDGEID_BLACKBOX_URL=http://127.0.0.1:8787` (+ `EDGEID_BLACKBOX_CLIENT_ID` /
//!   `EDGEID_BLACKBOX_CLIENT_SECRET`, the host's bootstrap M2M app): test that host.
//! - unset: start the real `edgeid-local` binary with a temp data dir and known credentials.
//!
//! Tests must not depend on each other's data: names are made unique per run ([`Target::unique`]).

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::client::Client;
use super::process::{LocalServer, LocalServerBuilder};

/// An OAuth client's id and secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub id: String,
    pub secret: String,
}

pub struct Target {
    pub client: Client,
    /// The bootstrap admin M2M application (Management API access).
    pub admin: Credentials,
    /// The server this target started, if any (killed when the target is dropped).
    pub server: Option<LocalServer>,
}

impl Target {
    /// `EDGEID_BLACKBOX_URL` if set, else a fresh `edgeid-local`.
    pub fn from_env() -> Target {
        match std::env::var("EDGEID_BLACKBOX_URL").ok().filter(|u| !u.is_empty()) {
            Some(url) => {
                let var = |name: &str| {
                    std::env::var(name).unwrap_or_else(|_| {
                        panic!("EDGEID_BLACKBOX_URL is set, so {name} must name the host's bootstrap M2M app too")
                    })
                };
                let admin =
                    Credentials { id: var("EDGEID_BLACKBOX_CLIENT_ID"), secret: var("EDGEID_BLACKBOX_CLIENT_SECRET") };
                Target { client: Client::http(&url), admin, server: None }
            }
            None => Self::local(LocalServer::builder()),
        }
    }

    /// A fresh local server from `builder`, with generated bootstrap credentials.
    pub fn local(builder: LocalServerBuilder) -> Target {
        let admin = Credentials { id: "blackbox-admin".to_owned(), secret: random_secret() };
        let server = builder.bootstrap(&admin).start();
        Target { client: server.client(), admin, server: Some(server) }
    }

    /// A name no other test (or earlier run against the same remote host) has used.
    pub fn unique(&self, prefix: &str) -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        format!("{prefix}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
    }

    /// The issuer this host announces in its discovery document.
    pub async fn issuer(&self) -> String {
        let discovery = self.client.get("/oidc/.well-known/openid-configuration").send().await;
        discovery.assert_status(200).str_field("issuer")
    }

    /// The host's public endpoint: its issuer without `/oidc` (what its absolute URLs use).
    pub async fn endpoint(&self) -> String {
        self.issuer().await.trim_end_matches("/oidc").to_owned()
    }

    /// A client_credentials token for `resource`, with `scope` if given; panics unless 200.
    pub async fn token_for(&self, who: &Credentials, resource: &str, scope: Option<&str>) -> Value {
        let mut form = vec![("grant_type", "client_credentials"), ("resource", resource)];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        let response = self.client.post("/oidc/token").basic_auth(&who.id, &who.secret).form(&form).send().await;
        response.assert_status(200).json()
    }

    /// An access token for the Management API (`all`), from the bootstrap app.
    pub async fn admin_token(&self) -> String {
        let body = self.token_for(&self.admin, edgeid_core::config::MANAGEMENT_API_INDICATOR, Some("all")).await;
        body["access_token"].as_str().expect("access_token").to_owned()
    }
}

/// 32 random bytes from the OS, base64url.
fn random_secret() -> String {
    use edgeid_core::ports::Rng as _;
    edgeid_core::ports::OsRng.token(32)
}
