//! edgeid-lambda: each endpoint group as its own AWS Lambda function behind an API Gateway
//! HTTP API (`template.yaml`). A binary is `main(groups::<group>)`: build the [`App`] once per
//! cold start (DynamoDB store, ring crypto, system clock, OS randomness, settings from the
//! environment), run the first-start bootstrap, then serve events one at a time.

pub mod convert;
pub mod groups;
pub mod settings;
pub mod system;

use std::process::ExitCode;
use std::sync::Arc;

use edgeid_core::ports::{Clock, OsRng, RingCrypto, SystemClock};
use edgeid_core::{App, Config};
use edgeid_store_dynamodb::{ClientSettings, DynamoStore};
use lambda_http::{Body, Error, service_fn};

pub use groups::HandleFn;
pub use settings::Settings;

/// Build everything a cold start needs; the message says what is misconfigured.
pub fn build_app(settings: &Settings) -> Result<App, String> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let client = edgeid_store_dynamodb::client(&ClientSettings::from_env()?);
    let store = Arc::new(DynamoStore::new(client, settings.table.clone(), Arc::clone(&clock)));
    let mut config = Config::new(&settings.endpoint);
    config.signing_alg = settings.signing_alg;
    // Logto's integration-test mode is for loopback development only: never on Lambda.
    config.dev_admin = false;
    // Connectors reach their providers over HTTPS; there is no mock-message outlet on Lambda,
    // so Logto's mock connectors are not offered here.
    let http = edgeid_native_http::NativeHttpClient::new()?;
    Ok(App::new(config, store, clock, Arc::new(OsRng), Arc::new(RingCrypto::new()))
        .map_err(|e| e.to_string())?
        .with_http_client(Arc::new(http)))
}

/// The whole life of a function: init, then the Lambda runtime loop.
pub fn main(handle: HandleFn) -> ExitCode {
    // Before anything else: a binary built for x86-64-v3 must not die of SIGILL on an old CPU
    // (Lambda's x86_64 machines all have AVX2; this names the problem if that ever changes).
    if let Err(e) = edgeid_core::domain::password::check_cpu() {
        eprintln!("edgeid-lambda: {e}");
        return ExitCode::FAILURE;
    }
    system::init_logging();
    // One event at a time per execution environment: a single-threaded runtime starts fastest.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(handle)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Reported by Lambda as an init error; the message names the variable to fix.
            tracing::error!(error = %e, "edgeid-lambda stopped");
            ExitCode::FAILURE
        }
    }
}

async fn serve(handle: HandleFn) -> Result<(), Error> {
    let settings = Settings::from_env()?;
    let app: &'static App = Box::leak(Box::new(build_app(&settings)?));
    system::bootstrap(app, settings.bootstrap_client.as_ref()).await?;
    tracing::info!(issuer = %app.config.issuer(), table = %settings.table, "edgeid-lambda ready");
    lambda_http::run(service_fn(move |event: lambda_http::Request| async move {
        let response = match convert::request(event) {
            Ok(req) => handle(app, req).await,
            Err(too_large) => too_large,
        };
        Ok::<_, Error>(convert::response(response))
    }))
    .await
}

/// The body types the runtime speaks, re-exported for tests.
pub type LambdaBody = Body;
