//! The local host's settings, read once from the environment at start.
//!
//! Parsing takes a lookup function instead of reading `std::env` directly so that every rule
//! (defaults, the loopback-only test mode, paired bootstrap credentials) is unit-tested.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use edgeid_core::jose::Alg;

pub const DEFAULT_PORT: u16 = 3001;
pub const DEFAULT_DATA_DIR: &str = ".edgeid";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Address to bind (`EDGEID_HOST`, default 127.0.0.1; `localhost` means 127.0.0.1).
    pub host: IpAddr,
    /// Port to bind (`EDGEID_PORT`, default 3001; 0 lets the OS pick one).
    pub port: u16,
    /// Public base URL (`EDGEID_ENDPOINT`); `None` means `http://localhost:<bound port>`.
    pub endpoint: Option<String>,
    pub store: StoreKind,
    /// Algorithm of newly generated signing keys (`EDGEID_SIGNING_ALG`).
    pub signing_alg: Alg,
    /// Logto's integration-test mode (`EDGEID_DEV_ADMIN=1`); only allowed on loopback.
    pub dev_admin: bool,
    /// Runtime worker threads (`EDGEID_WORKERS`); `None` = one per core.
    pub workers: Option<usize>,
    pub log_format: LogFormat,
    /// `EDGEID_BOOTSTRAP_CLIENT_ID` + `EDGEID_BOOTSTRAP_CLIENT_SECRET`, always both or neither.
    pub bootstrap_client: Option<BootstrapClient>,
    /// `MOCK_CONNECTOR_MESSAGE_DIR` (Logto's name): offer Logto's mock email/SMS/social
    /// connectors, writing each message to `mock_email_record.txt` / `mock_sms_record.txt` here.
    pub mock_connector_message_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreKind {
    /// The embedded single-file store under this directory (`EDGEID_DATA_DIR`, default `./.edgeid`).
    Embedded { data_dir: PathBuf },
    /// Everything in memory, gone at exit (`EDGEID_STORE=memory`).
    Memory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, PartialEq, Eq)]
pub struct BootstrapClient {
    pub id: String,
    pub secret: String,
}

impl std::fmt::Debug for BootstrapClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapClient").field("id", &self.id).field("secret", &"<redacted>").finish()
    }
}

/// A setting the server cannot start with; the message names the variable and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError(pub String);

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parse from any variable lookup; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let var = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let err = |msg: String| Err(SettingsError(msg));

        let host = match var("EDGEID_HOST") {
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(h) if h.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(h) => match h.trim_start_matches('[').trim_end_matches(']').parse() {
                Ok(ip) => ip,
                Err(_) => return err(format!("EDGEID_HOST={h:?} is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)")),
            },
        };
        let port = match var("EDGEID_PORT") {
            None => DEFAULT_PORT,
            Some(p) => match p.parse() {
                Ok(port) => port,
                Err(_) => return err(format!("EDGEID_PORT={p:?} is not a port number (0-65535)")),
            },
        };
        let endpoint = match var("EDGEID_ENDPOINT") {
            None => None,
            Some(e) if e.starts_with("http://") || e.starts_with("https://") => {
                Some(e.trim_end_matches('/').to_owned())
            }
            Some(e) => return err(format!("EDGEID_ENDPOINT={e:?} must be an http:// or https:// URL")),
        };
        let store = match var("EDGEID_STORE").as_deref() {
            None | Some("embedded") => StoreKind::Embedded {
                data_dir: PathBuf::from(var("EDGEID_DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned())),
            },
            Some("memory") => StoreKind::Memory,
            Some(other) => {
                return err(format!("EDGEID_STORE={other:?}: expected \"embedded\" (default) or \"memory\""));
            }
        };
        let signing_alg = match var("EDGEID_SIGNING_ALG") {
            None => Alg::ES256,
            Some(a) => match Alg::parse(&a.to_ascii_uppercase()) {
                Some(alg) => alg,
                None => return err(format!("EDGEID_SIGNING_ALG={a:?}: expected ES256 (default), ES384 or RS256")),
            },
        };
        let dev_admin = match var("EDGEID_DEV_ADMIN").as_deref() {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => return err(format!("EDGEID_DEV_ADMIN={other:?}: expected 1 or 0")),
        };
        if dev_admin && !host.is_loopback() {
            return err(format!(
                "EDGEID_DEV_ADMIN=1 makes any request with a `development-user-id` header an admin; \
                 refusing to enable it while binding to {host}, which is reachable from other machines. \
                 Bind to loopback (EDGEID_HOST=127.0.0.1) or unset EDGEID_DEV_ADMIN."
            ));
        }
        let workers = match var("EDGEID_WORKERS") {
            None => None,
            Some(w) => match w.parse::<usize>() {
                Ok(n) if n > 0 => Some(n),
                _ => return err(format!("EDGEID_WORKERS={w:?} must be a positive number of threads")),
            },
        };
        let log_format = match var("EDGEID_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return err(format!("EDGEID_LOG_FORMAT={other:?}: expected \"text\" (default) or \"json\"")),
        };
        let bootstrap_client = match (var("EDGEID_BOOTSTRAP_CLIENT_ID"), var("EDGEID_BOOTSTRAP_CLIENT_SECRET")) {
            (None, None) => None,
            (Some(id), Some(secret)) => Some(BootstrapClient { id, secret }),
            _ => {
                return err(
                    "EDGEID_BOOTSTRAP_CLIENT_ID and EDGEID_BOOTSTRAP_CLIENT_SECRET must be set together".to_owned()
                );
            }
        };
        let mock_connector_message_dir = var("MOCK_CONNECTOR_MESSAGE_DIR").map(PathBuf::from);
        Ok(Settings {
            host,
            port,
            endpoint,
            store,
            signing_alg,
            dev_admin,
            workers,
            log_format,
            bootstrap_client,
            mock_connector_message_dir,
        })
    }

    /// The public URL for a server bound to `port`.
    pub fn endpoint_for(&self, port: u16) -> String {
        self.endpoint.clone().unwrap_or_else(|| format!("http://localhost:{port}"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_loopback_3001_embedded_es256() {
        let s = parse(&[]).unwrap();
        assert_eq!(s.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(s.port, 3001);
        assert_eq!(s.store, StoreKind::Embedded { data_dir: PathBuf::from(".edgeid") });
        assert_eq!(s.signing_alg, Alg::ES256);
        assert!(!s.dev_admin);
        assert_eq!(s.endpoint_for(3001), "http://localhost:3001");
    }

    #[test]
    fn endpoint_loses_its_trailing_slash() {
        let s = parse(&[("EDGEID_ENDPOINT", "https://id.example.com/")]).unwrap();
        assert_eq!(s.endpoint_for(3001), "https://id.example.com");
    }

    #[test]
    fn dev_admin_is_refused_off_loopback() {
        let e = parse(&[("EDGEID_DEV_ADMIN", "1"), ("EDGEID_HOST", "0.0.0.0")]).unwrap_err();
        assert!(e.0.contains("refusing"), "{e}");
        assert!(parse(&[("EDGEID_DEV_ADMIN", "1"), ("EDGEID_HOST", "::1")]).unwrap().dev_admin);
        assert!(parse(&[("EDGEID_DEV_ADMIN", "1"), ("EDGEID_HOST", "localhost")]).unwrap().dev_admin);
    }

    #[test]
    fn bootstrap_credentials_come_in_pairs() {
        assert!(parse(&[("EDGEID_BOOTSTRAP_CLIENT_ID", "admin")]).is_err());
        let s =
            parse(&[("EDGEID_BOOTSTRAP_CLIENT_ID", "admin"), ("EDGEID_BOOTSTRAP_CLIENT_SECRET", "s3cret")]).unwrap();
        assert_eq!(s.bootstrap_client.unwrap().id, "admin");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (name, value) in [
            ("EDGEID_PORT", "http"),
            ("EDGEID_HOST", "example.com"),
            ("EDGEID_STORE", "postgres"),
            ("EDGEID_SIGNING_ALG", "HS256"),
            ("EDGEID_WORKERS", "0"),
            ("EDGEID_ENDPOINT", "localhost:3001"),
            ("EDGEID_LOG_FORMAT", "xml"),
        ] {
            let e = parse(&[(name, value)]).unwrap_err();
            assert!(e.0.contains(name), "{name}: {e}");
        }
    }

    #[test]
    fn memory_store_and_lowercase_alg() {
        let s = parse(&[("EDGEID_STORE", "memory"), ("EDGEID_SIGNING_ALG", "es384")]).unwrap();
        assert_eq!(s.store, StoreKind::Memory);
        assert_eq!(s.signing_alg, Alg::ES384);
    }
}
