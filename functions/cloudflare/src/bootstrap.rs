//! First start of a deployment, on each isolate's first request: seed the store and make sure
//! the admin M2M client from the secrets `EDGEID_BOOTSTRAP_CLIENT_ID` /
//! `EDGEID_BOOTSTRAP_CLIENT_SECRET` (`wrangler secret put`) exists and holds the admin role.
//! Race-safe in the core (`IfAbsent` claims), so isolates starting together agree; once done it
//! costs a store read or two per isolate.

use edgeid_core::App;
use edgeid_core::bootstrap::{self, BootstrapError, Credentials};
use edgeid_core::error::Internal;
use worker::Env;

use crate::setting;

pub async fn run(app: &App, env: &Env) -> Result<(), Internal> {
    let id = setting(env, "EDGEID_BOOTSTRAP_CLIENT_ID");
    let secret = setting(env, "EDGEID_BOOTSTRAP_CLIENT_SECRET");
    let outcome = match (id, secret) {
        (Some(client_id), Some(client_secret)) => {
            bootstrap::run(app, Some(&Credentials { client_id, client_secret })).await.map(drop)
        }
        (None, None) => {
            // A Worker has nowhere to show a generated secret once (logs are not the place),
            // so without the secrets it only seeds; the Management API has no admin client
            // until they are set.
            worker::console_warn!(
                "edgeid: EDGEID_BOOTSTRAP_CLIENT_ID/_SECRET are not set; no admin client (wrangler secret put)"
            );
            bootstrap::seed(app).await
        }
        _ => {
            return Err(Internal::Bug(
                "set both EDGEID_BOOTSTRAP_CLIENT_ID and EDGEID_BOOTSTRAP_CLIENT_SECRET, or neither".into(),
            ));
        }
    };
    outcome.map_err(|e| match e {
        BootstrapError::Internal(internal) => internal,
        // Contention among cold starts clears up; report it as retryable.
        BootstrapError::Contended => Internal::Store(edgeid_core::store::StoreError::Unavailable(e.to_string())),
        other => Internal::Bug(other.to_string()),
    })
}
