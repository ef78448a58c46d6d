//! edgeid-local: every endpoint group on one port, backed by the embedded store.
//!
//! `main.rs` reads [`Settings`] and calls [`run`]; the admin CLI reuses [`open_store`] and the
//! core's native clock and RNG so both open the same data the same way.

pub mod logging;
pub mod mock_messages;
pub mod server;
pub mod settings;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use edgeid_core::bootstrap;
use edgeid_core::domain::signing_keys;
use edgeid_core::ports::{Clock, Crypto, OsRng, RingCrypto, SystemClock};
use edgeid_core::store::Store;
use edgeid_core::store::memory::MemoryStore;
use edgeid_core::{App, Config};
use edgeid_store_embedded::EmbeddedStore;
pub use settings::{Settings, SettingsError, StoreKind};
use tokio::net::TcpListener;

/// Why the server could not start; the message says what to do about it.
#[derive(Debug)]
pub struct StartFailure(pub String);

impl std::fmt::Display for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartFailure {}

/// The line printed on stdout once the server accepts connections; process harnesses wait for it.
pub const LISTENING_PREFIX: &str = "edgeid-local listening on ";

/// File name of the embedded store inside the data directory.
pub const STORE_FILE: &str = "edgeid.redb";

/// Open the configured store (creating the data directory on first use).
pub fn open_store(kind: &StoreKind, clock: Arc<dyn Clock>) -> Result<Arc<dyn Store>, StartFailure> {
    match kind {
        StoreKind::Memory => Ok(Arc::new(MemoryStore::new(clock))),
        StoreKind::Embedded { data_dir } => {
            std::fs::create_dir_all(data_dir)
                .map_err(|e| StartFailure(format!("cannot create the data directory {}: {e}", data_dir.display())))?;
            let path = data_dir.join(STORE_FILE);
            let store = EmbeddedStore::open(&path, clock)
                .map_err(|e| StartFailure(format!("cannot open the store {}: {e}", path.display())))?;
            Ok(Arc::new(store))
        }
    }
}

/// The crypto of native hosts: ring.
pub fn crypto() -> Arc<dyn Crypto> {
    Arc::new(RingCrypto::new())
}

/// Build the app every request is served by.
pub fn build_app(settings: &Settings, endpoint: &str) -> Result<App, StartFailure> {
    let mut config = Config::new(endpoint);
    config.signing_alg = settings.signing_alg;
    config.dev_admin = settings.dev_admin;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = open_store(&settings.store, Arc::clone(&clock))?;
    let http = edgeid_native_http::NativeHttpClient::new().map_err(StartFailure)?;
    let mut app = App::new(config, store, clock, Arc::new(OsRng), crypto())
        .map_err(|e| StartFailure(e.to_string()))?
        .with_http_client(Arc::new(http));
    if let Some(dir) = &settings.mock_connector_message_dir {
        app = app.with_mock_messages(Arc::new(mock_messages::FileMockMessages::new(dir.clone())));
    }
    Ok(app)
}

/// Bind, build the app, bootstrap, announce, and serve until `shutdown` resolves.
pub async fn run(settings: Settings, shutdown: impl Future<Output = ()>) -> Result<(), StartFailure> {
    let addr = SocketAddr::new(settings.host, settings.port);
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        StartFailure(format!("cannot listen on {addr}: {e} (is another server using it? set EDGEID_PORT)"))
    })?;
    let bound = listener.local_addr().map_err(|e| StartFailure(format!("cannot read the bound address: {e}")))?;

    let app = Arc::new(build_app(&settings, &settings.endpoint_for(bound.port()))?);
    let issuer = app.config.issuer();

    // The first start of a store generates the signing key now, not on the first request.
    let (ring, _) = signing_keys::find_or_create(&app)
        .await
        .map_err(|e| StartFailure(format!("cannot load or create the signing key: {e}")))?;
    if let Some(key) = ring.current() {
        tracing::info!(kid = %key.kid, alg = key.alg.as_str(), "signing key ready");
    }

    // Logto's Management API seed and the admin M2M app; fresh credentials are shown once.
    let given = settings
        .bootstrap_client
        .as_ref()
        .map(|c| bootstrap::Credentials { client_id: c.id.clone(), client_secret: c.secret.clone() });
    let created =
        bootstrap::run(&app, given.as_ref()).await.map_err(|e| StartFailure(format!("bootstrap failed: {e}")))?;
    if let Some(created) = created {
        print_created_admin(&created);
    }

    if settings.dev_admin {
        tracing::warn!("EDGEID_DEV_ADMIN=1: requests with a `development-user-id` header are admins (loopback only)");
    }
    tracing::info!(%bound, %issuer, store = ?settings.store, alg = settings.signing_alg.as_str(), "edgeid-local started");
    println!("{LISTENING_PREFIX}http://{bound} (issuer {issuer})");

    server::serve(listener, app, shutdown).await;
    Ok(())
}

/// The first start's admin credentials, on stdout: the only time the secret is ever shown.
fn print_created_admin(created: &bootstrap::Credentials) {
    tracing::info!(client_id = %created.client_id, "created the admin M2M application (Management API access)");
    println!("edgeid-local: created an admin M2M application for the Management API.");
    println!("Its secret is shown only this once; keep it (or set EDGEID_BOOTSTRAP_CLIENT_ID/_SECRET):");
    println!("{}", admin_credentials_json(created));
}

/// `{"clientId":…,"clientSecret":…}`: what the server prints once and the CLI prints.
pub fn admin_credentials_json(credentials: &bootstrap::Credentials) -> String {
    serde_json::json!({"clientId": credentials.client_id, "clientSecret": credentials.client_secret}).to_string()
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
