//! The function's settings, read once per cold start from the environment that
//! `template.yaml` sets (same variable names as the other hosts).

use edgeid_core::jose::Alg;

#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// Public base URL (`EDGEID_ENDPOINT`), e.g. the HTTP API's URL or a custom domain.
    pub endpoint: String,
    /// The DynamoDB table (`EDGEID_TABLE`).
    pub table: String,
    /// Algorithm of newly generated signing keys (`EDGEID_SIGNING_ALG`, default ES256).
    pub signing_alg: Alg,
    /// `EDGEID_BOOTSTRAP_CLIENT_ID` + `EDGEID_BOOTSTRAP_CLIENT_SECRET`, both or neither. The
    /// template fills the secret from Secrets Manager with a dynamic reference.
    pub bootstrap_client: Option<BootstrapClient>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct BootstrapClient {
    pub id: String,
    pub secret: String,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("endpoint", &self.endpoint)
            .field("table", &self.table)
            .field("signing_alg", &self.signing_alg)
            .field("bootstrap_client", &self.bootstrap_client.as_ref().map(|c| &c.id))
            .finish()
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parse from any lookup; empty values count as unset. Errors name the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let endpoint = match var("EDGEID_ENDPOINT") {
            Some(e) if e.starts_with("https://") || e.starts_with("http://") => e.trim_end_matches('/').to_owned(),
            Some(e) => return Err(format!("EDGEID_ENDPOINT={e:?} must be an https:// URL")),
            None => return Err("EDGEID_ENDPOINT is not set (the public base URL, e.g. https://id.example.com)".into()),
        };
        let table = var("EDGEID_TABLE").ok_or("EDGEID_TABLE is not set (the DynamoDB table name)")?;
        let signing_alg = match var("EDGEID_SIGNING_ALG") {
            None => Alg::ES256,
            Some(a) => Alg::parse(&a.to_ascii_uppercase())
                .ok_or_else(|| format!("EDGEID_SIGNING_ALG={a:?}: expected ES256 (default), ES384 or RS256"))?,
        };
        let bootstrap_client = match (var("EDGEID_BOOTSTRAP_CLIENT_ID"), var("EDGEID_BOOTSTRAP_CLIENT_SECRET")) {
            (Some(id), Some(secret)) => Some(BootstrapClient { id, secret }),
            (None, None) => None,
            (Some(_), None) => {
                return Err("EDGEID_BOOTSTRAP_CLIENT_ID is set without EDGEID_BOOTSTRAP_CLIENT_SECRET".into());
            }
            (None, Some(_)) => {
                return Err("EDGEID_BOOTSTRAP_CLIENT_SECRET is set without EDGEID_BOOTSTRAP_CLIENT_ID".into());
            }
        };
        Ok(Self { endpoint, table, signing_alg, bootstrap_client })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<Settings, String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    const BASE: [(&str, &str); 2] = [("EDGEID_ENDPOINT", "https://id.example.com/"), ("EDGEID_TABLE", "edgeid")];

    #[test]
    fn minimal_settings() {
        let s = parse(&BASE).unwrap();
        assert_eq!(s.endpoint, "https://id.example.com");
        assert_eq!(s.table, "edgeid");
        assert_eq!(s.signing_alg, Alg::ES256);
        assert!(s.bootstrap_client.is_none());
    }

    #[test]
    fn missing_or_bad_values_name_the_variable() {
        assert!(parse(&[("EDGEID_TABLE", "t")]).unwrap_err().contains("EDGEID_ENDPOINT"));
        assert!(parse(&[("EDGEID_ENDPOINT", "https://x")]).unwrap_err().contains("EDGEID_TABLE"));
        assert!(parse(&[BASE[0], BASE[1], ("EDGEID_ENDPOINT", "id.example.com")]).unwrap_err().contains("https://"));
        let bad_alg = parse(&[BASE[0], BASE[1], ("EDGEID_SIGNING_ALG", "HS256")]).unwrap_err();
        assert!(bad_alg.contains("EDGEID_SIGNING_ALG"));
    }

    #[test]
    fn bootstrap_client_needs_both_halves_and_is_never_printed() {
        let only_id = parse(&[BASE[0], BASE[1], ("EDGEID_BOOTSTRAP_CLIENT_ID", "admin")]).unwrap_err();
        assert!(only_id.contains("EDGEID_BOOTSTRAP_CLIENT_SECRET"));
        let s = parse(&[
            BASE[0],
            BASE[1],
            ("EDGEID_BOOTSTRAP_CLIENT_ID", "admin"),
            ("EDGEID_BOOTSTRAP_CLIENT_SECRET", "s3cr3t-value"),
            ("EDGEID_SIGNING_ALG", "rs256"),
        ])
        .unwrap();
        assert_eq!(s.signing_alg, Alg::RS256);
        assert_eq!(s.bootstrap_client.as_ref().map(|c| c.id.as_str()), Some("admin"));
        assert!(!format!("{s:?}").contains("s3cr3t-value"));
    }
}
