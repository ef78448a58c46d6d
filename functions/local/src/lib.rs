//! edgeid-local: every endpoint group on one port, backed by the embedded store.
//!
//! `main.rs` reads [`Settings`] and calls [`run`]; the admin CLI reuses [`open_store`] and the
//! [`system`] clock and RNG so both open the same data the same way.

pub mod logging;
pub mod server;
pub mod settings;
pub mod system;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use edgeid_core::ports::{Clock, Crypto};
use edgeid_core::store::Store;
use edgeid_core::store::memory::MemoryStore;
use edgeid_core::{App, Config};
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

/// Open the configured store.
pub fn open_store(kind: &StoreKind, clock: Arc<dyn Clock>) -> Result<Arc<dyn Store>, StartFailure> {
    match kind {
        StoreKind::Memory => Ok(Arc::new(MemoryStore::new(clock))),
        StoreKind::Embedded { data_dir } => Err(StartFailure(format!(
            "the embedded store ({}) is not available in this build yet; run with EDGEID_STORE=memory",
            data_dir.display()
        ))),
    }
}

/// The crypto implementation of native hosts.
pub fn crypto() -> Arc<dyn Crypto> {
    Arc::new(pending_crypto::Unavailable)
}

/// Placeholder until the core's ring implementation lands: every operation fails (500).
mod pending_crypto {
    use std::sync::Arc;

    use edgeid_core::jose::{Alg, Jwk};
    use edgeid_core::ports::{Crypto, CryptoError, GeneratedKey, SigningKey};

    pub struct Unavailable;

    #[async_trait::async_trait]
    impl Crypto for Unavailable {
        async fn generate_key(&self, _: Alg) -> Result<GeneratedKey, CryptoError> {
            Err(CryptoError("no crypto in this build".into()))
        }
        async fn signing_key(&self, _: Alg, _: &[u8]) -> Result<Arc<dyn SigningKey>, CryptoError> {
            Err(CryptoError("no crypto in this build".into()))
        }
        async fn verify(&self, _: Alg, _: &Jwk, _: &[u8], _: &[u8]) -> Result<bool, CryptoError> {
            Err(CryptoError("no crypto in this build".into()))
        }
    }
}

/// Bind, build the app, bootstrap, announce, and serve until `shutdown` resolves.
pub async fn run(settings: Settings, shutdown: impl Future<Output = ()>) -> Result<(), StartFailure> {
    let addr = SocketAddr::new(settings.host, settings.port);
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        StartFailure(format!("cannot listen on {addr}: {e} (is another server using it? set EDGEID_PORT)"))
    })?;
    let bound = listener.local_addr().map_err(|e| StartFailure(format!("cannot read the bound address: {e}")))?;

    let mut config = Config::new(&settings.endpoint_for(bound.port()));
    config.signing_alg = settings.signing_alg;
    config.dev_admin = settings.dev_admin;
    let issuer = config.issuer();

    let clock: Arc<dyn Clock> = Arc::new(system::SystemClock);
    let store = open_store(&settings.store, Arc::clone(&clock))?;
    let app =
        App::new(config, store, clock, Arc::new(system::OsRng), crypto()).map_err(|e| StartFailure(e.to_string()))?;
    let app = Arc::new(app);

    if settings.dev_admin {
        tracing::warn!("EDGEID_DEV_ADMIN=1: requests with a `development-user-id` header are admins (loopback only)");
    }
    tracing::info!(%bound, %issuer, store = ?settings.store, alg = settings.signing_alg.as_str(), "edgeid-local started");
    println!("{LISTENING_PREFIX}http://{bound} (issuer {issuer})");

    server::serve(listener, app, shutdown).await;
    Ok(())
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
