//! edgeid on Cloudflare Workers. One cdylib; the cargo features `oidc`, `management`,
//! `experience`, `account` (or `all`) choose which groups' handlers are compiled in, so each
//! group deploys as its own Worker (`wrangler.toml`, one `[env.<group>]` each) and a Worker
//! built for one group does not carry another group's code.
//!
//! The host only adapts: read bindings, build the [`App`] once per isolate, convert the request
//! (enforcing the body limit), call the group's `handle`, convert back. Storage is
//! `edgeid-store-cloudflare` (a Durable Object decides, KV copies); crypto is WebCrypto.
#![cfg(target_arch = "wasm32")]
// `App` takes `Arc<dyn …>` ports; here they wrap single-threaded JS values, which is sound in
// a Worker (one isolate, one thread).
#![allow(clippy::arc_with_non_send_sync)]

mod bootstrap;
mod convert;
mod crypto;
mod http_client;
mod logging;
mod system;
#[cfg(feature = "conformance")]
mod testing;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use edgeid_core::error::{ApiError, Internal, OAuthError};
use edgeid_core::jose::Alg;
use edgeid_core::{App, Config, Group};
/// The store's Durable Object class, exported from this module so wrangler finds it.
pub use edgeid_store_cloudflare::EdgeidStore;
use edgeid_store_cloudflare::{CloudflareStore, DEFAULT_SHARD, KV_BINDING, STORE_BINDING};
use worker::{Context, Env, event};

thread_local! {
    /// Built on the first request of an isolate; safe to lose (all state is in the store).
    static APP: RefCell<Option<Rc<App>>> = const { RefCell::new(None) };
}

#[event(fetch)]
async fn fetch(req: worker::Request, env: Env, _ctx: Context) -> worker::Result<worker::Response> {
    #[cfg(feature = "conformance")]
    if req.path().starts_with(testing::PREFIX) {
        return testing::handle(req, &env).await;
    }
    let path = req.path();
    let app = match app(&env).await {
        Ok(app) => app,
        // Rendering the failure logs it once (the core's error edge, through `logging`).
        Err(e) => return convert::response(failure(&path, e)),
    };
    match convert::request(req).await {
        Ok(req) => convert::response(serve(&app, req).await),
        Err(refusal) => convert::response(refusal),
    }
}

/// The groups compiled into this Worker; any other path is not ours (404 in its format).
pub(crate) async fn serve(app: &App, req: edgeid_core::Request) -> edgeid_core::Response {
    // Unused only in a build with no group at all.
    let _ = &app;
    match Group::for_path(req.uri().path()) {
        #[cfg(feature = "oidc")]
        Group::Oidc => edgeid_core::oidc::handle(app, req).await,
        #[cfg(feature = "management")]
        Group::Management => edgeid_core::management::handle(app, req).await,
        #[cfg(feature = "experience")]
        Group::Experience => edgeid_core::experience::handle(app, req).await,
        #[cfg(feature = "account")]
        Group::Account => edgeid_core::account::handle(app, req).await,
        #[allow(unreachable_patterns)]
        group => not_here(group, req.uri().path()),
    }
}

fn not_here(group: Group, path: &str) -> edgeid_core::Response {
    let description = format!("{path} is served by the {} Worker, not this one", group.name());
    match group {
        Group::Oidc => OAuthError::invalid_request(description).with_status(http::StatusCode::NOT_FOUND).render(),
        _ => ApiError::route_not_found().with_details(description).render(),
    }
}

fn failure(path: &str, e: Internal) -> edgeid_core::Response {
    match Group::for_path(path) {
        Group::Oidc => OAuthError::from(e).render(),
        _ => ApiError::from(e).render(),
    }
}

/// This isolate's `App`, built (and the deployment bootstrapped) on first use. A failed start
/// is not cached: the next request tries again.
async fn app(env: &Env) -> Result<Rc<App>, Internal> {
    if let Some(app) = APP.with(|cell| cell.borrow().clone()) {
        return Ok(app);
    }
    logging::init();
    let app = Rc::new(build(env)?);
    bootstrap::run(&app, env).await?;
    APP.with(|cell| *cell.borrow_mut() = Some(Rc::clone(&app)));
    Ok(app)
}

fn build(env: &Env) -> Result<App, Internal> {
    let endpoint = setting(env, "EDGEID_ENDPOINT")
        .ok_or_else(|| Internal::Bug("EDGEID_ENDPOINT is not set (wrangler.toml [vars])".into()))?;
    let mut config = Config::new(&endpoint);
    if let Some(alg) = setting(env, "EDGEID_SIGNING_ALG") {
        config.signing_alg = Alg::parse(&alg)
            .ok_or_else(|| Internal::Bug(format!("EDGEID_SIGNING_ALG={alg} is not ES256, ES384 or RS256")))?;
    }
    // Logto's integration-test mode is for a loopback development server only.
    config.dev_admin = false;

    let clock: Arc<dyn edgeid_core::ports::Clock> = Arc::new(system::JsClock);
    let objects = env
        .durable_object(STORE_BINDING)
        .map_err(|_| Internal::Bug(format!("the Durable Object binding {STORE_BINDING} is missing")))?;
    // KV is optional: without it relaxed reads go to the object too.
    let kv = env.kv(KV_BINDING).ok();
    let shard = setting(env, "EDGEID_STORE_SHARD").unwrap_or_else(|| DEFAULT_SHARD.to_owned());
    let store = Arc::new(CloudflareStore::new(objects, shard, kv, Arc::clone(&clock)));
    // Connectors call providers through `fetch`; there is no mock-message outlet on Workers,
    // so Logto's mock connectors are not offered here.
    Ok(App::new(config, store, clock, Arc::new(system::JsRng), Arc::new(crypto::WebCrypto))
        .map_err(|e| Internal::Bug(e.to_string()))?
        .with_http_client(Arc::new(http_client::FetchHttpClient)))
}

/// A `[vars]` entry or a secret (both are strings on `env`); empty counts as unset.
pub(crate) fn setting(env: &Env, name: &str) -> Option<String> {
    let value = env.var(name).map(|v| v.to_string()).or_else(|_| env.secret(name).map(|s| s.to_string())).ok()?;
    (!value.is_empty()).then_some(value)
}
