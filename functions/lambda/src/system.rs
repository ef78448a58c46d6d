//! What the platform adds around the core: logging and first-start bootstrap (the clock and
//! randomness are the core's native ports, `edgeid_core::ports::{SystemClock, OsRng}`).

use edgeid_core::App;
use edgeid_core::bootstrap;
use edgeid_core::domain::signing_keys;

use crate::settings::BootstrapClient;

/// Plain-text lines for CloudWatch (which timestamps them itself), level from
/// `AWS_LAMBDA_LOG_LEVEL` (Lambda's advanced logging controls) or `RUST_LOG` (the template's
/// `LogLevel`), default INFO.
pub fn init_logging() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt().with_max_level(level).with_ansi(false).without_time().with_target(false).init();
}

/// First-start work, run at every cold start (idempotent, race-safe, and a couple of reads once
/// the table is bootstrapped): Logto's Management API seed, the bootstrap M2M app, and the
/// signing key, which also warms this instance's key cache. The two run concurrently: cold-start
/// latency is their slower round trip, not the sum.
pub async fn bootstrap(app: &App, client: Option<&BootstrapClient>) -> Result<(), String> {
    let given = client.map(|c| bootstrap::Credentials { client_id: c.id.clone(), client_secret: c.secret.clone() });
    let (seeded, keys) = tokio::join!(bootstrap::run(app, given.as_ref()), signing_keys::find_or_create(app));
    let created = seeded.map_err(|e| format!("bootstrap failed: {e}"))?;
    let (ring, _) = keys.map_err(|e| format!("cannot load or create the signing key: {e}"))?;
    if let Some(key) = ring.current() {
        tracing::debug!(kid = %key.kid, alg = key.alg.as_str(), "signing key ready");
    }
    if let Some(created) = created {
        // Only without EDGEID_BOOTSTRAP_CLIENT_ID/_SECRET, on the very first start of an empty
        // table: the one time these credentials exist in clear. The template always passes a
        // bootstrap client from Secrets Manager, so this is for hand-made deployments.
        tracing::warn!(
            client_id = %created.client_id,
            client_secret = %created.client_secret,
            "created an admin M2M application for the Management API; its secret is logged only this once: \
             store it, then delete this log event, or deploy with a bootstrap client instead"
        );
    }
    Ok(())
}
