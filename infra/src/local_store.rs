//! Opening the local server's data the way the server does: same settings, same store file.

use std::path::PathBuf;

use clap::Args;
use edgeid_core::App;
use edgeid_local::{Settings, StoreKind};

/// Which local data to work on.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The server's data directory (default: $EDGEID_DATA_DIR, else ./.edgeid).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl StoreArgs {
    /// An `App` over the embedded store in the data directory, configured from the same
    /// `EDGEID_*` variables as the server (signing algorithm, endpoint).
    pub fn open(&self) -> Result<App, String> {
        self.open_with(false)
    }

    /// Like [`open`](Self::open), creating an empty store if there is none (then the
    /// server's first start finds the admin app and prints no credentials of its own).
    pub fn open_or_create(&self) -> Result<App, String> {
        self.open_with(true)
    }

    fn open_with(&self, create: bool) -> Result<App, String> {
        let mut settings = Settings::from_env().map_err(|e| e.to_string())?;
        let data_dir = match (&self.data_dir, &settings.store) {
            (Some(dir), _) => dir.clone(),
            (None, StoreKind::Embedded { data_dir }) => data_dir.clone(),
            (None, StoreKind::Memory) => {
                return Err("EDGEID_STORE=memory has no data to administer; unset it or pass --data-dir".into());
            }
        };
        let exists = data_dir.join(edgeid_local::STORE_FILE).is_file();
        if !exists && create {
            eprintln!("edgeid: creating a new store in {}", data_dir.display());
        } else if !exists {
            return Err(format!(
                "no edgeid store in {} (start edgeid-local once, or pass --data-dir)",
                data_dir.display()
            ));
        }
        settings.store = StoreKind::Embedded { data_dir };
        let endpoint = settings.endpoint_for(settings.port);
        edgeid_local::build_app(&settings, &endpoint).map_err(|e| {
            let message = e.to_string();
            if message.contains("already open") {
                format!("{message}\nThe server has the store open: stop it first, or use the Management API.")
            } else {
                message
            }
        })
    }
}
