//! `edgeid create-admin-client`: a new M2M app holding the Management API admin role.

use clap::Args as ClapArgs;
use edgeid_core::bootstrap;

use crate::local_store::StoreArgs;

#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    /// The application's name as the Management API lists it.
    #[arg(long, default_value = "edgeid admin")]
    name: String,
}

/// `{"clientId":…,"clientSecret":…}`; the secret is stored hashed and never shown again.
pub async fn run(args: Args) -> Result<String, String> {
    let app = args.store.open_or_create()?;
    let created = bootstrap::create_admin_app(&app, &args.name).await.map_err(|e| e.to_string())?;
    Ok(edgeid_local::admin_credentials_json(&created))
}
