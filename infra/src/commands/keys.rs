//! `edgeid keys list|rotate`: the OIDC signing key ring (what Logto's
//! `/api/configs/oidc/private-keys` manages), without ever printing private material.

use clap::{Args, Subcommand, ValueEnum};
use edgeid_core::App;
use edgeid_core::domain::signing_keys::{self, KeyRing, KeyStatus, RotateError};
use edgeid_core::jose::Alg;
use edgeid_core::store::StoreError;
use serde_json::{Value, json};

use crate::local_store::StoreArgs;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The published keys: id, kid, algorithm, status (Current signs; Previous still verifies).
    List(StoreArgs),
    /// Generate a new Current key now; the old Current stays published as Previous.
    Rotate(RotateArgs),
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Algorithm of the new key (default: $EDGEID_SIGNING_ALG, else ES256).
    #[arg(long, value_enum)]
    alg: Option<AlgArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
enum AlgArg {
    Es256,
    Es384,
    Rs256,
}

impl From<AlgArg> for Alg {
    fn from(a: AlgArg) -> Alg {
        match a {
            AlgArg::Es256 => Alg::ES256,
            AlgArg::Es384 => Alg::ES384,
            AlgArg::Rs256 => Alg::RS256,
        }
    }
}

pub async fn run(command: Command) -> Result<String, String> {
    match command {
        Command::List(store) => {
            let app = store.open()?;
            let (ring, _) = signing_keys::find_or_create(&app).await.map_err(|e| e.to_string())?;
            Ok(describe(&ring).to_string())
        }
        Command::Rotate(args) => {
            let app = args.store.open()?;
            let alg = args.alg.map_or(app.config.signing_alg, Alg::from);
            rotate(&app, alg).await.map(|ring| describe(&ring).to_string())
        }
    }
}

async fn rotate(app: &App, alg: Alg) -> Result<KeyRing, String> {
    let new_key = signing_keys::generate(app, alg, KeyStatus::Current).await.map_err(|e| e.to_string())?;
    let (ring, version) = signing_keys::find_or_create(app).await.map_err(|e| e.to_string())?;
    let next = ring.rotated_now(new_key).map_err(|RotateError::NextPending| {
        "a staged key is waiting to become current; wait for it (or delete it) before rotating".to_owned()
    })?;
    match signing_keys::update(app, &next, version).await {
        Ok(_) => Ok(next),
        Err(StoreError::Conflict { .. }) => Err("the key ring changed while rotating; run the command again".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Public facts only, in JWKS order.
fn describe(ring: &KeyRing) -> Value {
    let keys: Vec<Value> = ring
        .in_provider_order()
        .into_iter()
        .map(|k| {
            json!({
                "id": k.id,
                "kid": k.kid,
                "alg": k.alg.as_str(),
                "status": format!("{:?}", k.status),
                "createdAt": k.created_at,
            })
        })
        .collect();
    Value::Array(keys)
}
