//! edgeid-core: everything that is the product, and nothing that is a runtime.
//!
//! The four endpoint groups (`oidc`, `management`, `experience`, `account`) each expose one
//! `handle(&App, Request) -> Response`. They reach the world only through the ports held by
//! [`App`]: [`store::Store`], [`ports::Clock`], [`ports::Rng`] and [`ports::Crypto`]. Function
//! hosts (local server, Workers, Lambda) build an `App` once and convert requests in and out.

// The ports are `Arc<dyn …>` on every target; on wasm they hold single-threaded JS values,
// which is sound there (one isolate, one thread).
#![cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]

pub mod account;
pub mod app;
pub mod bootstrap;
pub mod config;
pub mod connectors;
pub mod domain;
pub mod error;
pub mod experience;
pub mod http;
pub mod jose;
pub mod management;
pub mod oidc;
pub mod ports;
pub mod store;
#[cfg(test)]
#[cfg(feature = "ring")]
pub(crate) mod testing;

pub use app::App;
pub use config::Config;

/// The request and response types every group speaks.
pub type Request = ::http::Request<bytes::Bytes>;
pub type Response = ::http::Response<bytes::Bytes>;

/// The four endpoint groups; in production each is its own function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    Oidc,
    Management,
    Experience,
    Account,
}

impl Group {
    /// Which group serves `path`. The same table drives `wrangler.toml` routes and the SAM
    /// template's HTTP API routes.
    pub fn for_path(path: &str) -> Group {
        let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
        if under("/oidc") || under("/consent") {
            Group::Oidc
        } else if path.starts_with("/api/experience")
            || path.starts_with("/api/interaction")
            || path.starts_with("/sign-in")
            || under("/account")
            || under("/callback")
            || experience::pages::serves(path)
        {
            Group::Experience
        } else if path.starts_with("/api/my-account") || path.starts_with("/api/verifications") {
            Group::Account
        } else {
            Group::Management
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Group::Oidc => "oidc",
            Group::Management => "management",
            Group::Experience => "experience",
            Group::Account => "account",
        }
    }
}

/// Serve any path by its group: what the local server and the all-in-one Worker do.
pub async fn handle(app: &App, req: Request) -> Response {
    match Group::for_path(req.uri().path()) {
        Group::Oidc => oidc::handle(app, req).await,
        Group::Management => management::handle(app, req).await,
        Group::Experience => experience::handle(app, req).await,
        Group::Account => account::handle(app, req).await,
    }
}

/// 413 in the wire format of the endpoint that was asked (hosts call it while reading bodies).
pub fn payload_too_large(path: &str) -> Response {
    let status = ::http::StatusCode::PAYLOAD_TOO_LARGE;
    let description = format!("request body exceeds {} bytes", http::MAX_BODY_BYTES);
    match Group::for_path(path) {
        Group::Oidc => error::OAuthError::invalid_request(description).with_status(status).render(),
        _ => error::ApiError::new(status, "request.general", "Request entity too large.")
            .with_details(description)
            .render(),
    }
}
