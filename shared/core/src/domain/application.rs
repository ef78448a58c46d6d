//! Applications (Logto's `applications` table) with their secrets and M2M role ids.
//!
//! One record per application is the aggregate the token endpoint needs: a single `get` gives
//! the client's type, metadata, hashed secrets and the roles that decide its scopes. Every
//! change to it is written with `IfVersion`, so concurrent admin edits cannot lose each other.

pub mod secret;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::TENANT_ID;
use super::table::{self, Versioned, Window};
use crate::error::Internal;
use crate::ports::{Millis, Rng};
use crate::store::{Condition, Key, Store, StoreError, WriteOp, keys};

pub use secret::{SecretCheck, StoredSecret};

/// Logto's `application_type` enum (wire names are the variant names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApplicationType {
    Native,
    #[serde(rename = "SPA")]
    Spa,
    Traditional,
    MachineToMachine,
    Protected,
    #[serde(rename = "SAML")]
    Saml,
}

impl ApplicationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "Native",
            Self::Spa => "SPA",
            Self::Traditional => "Traditional",
            Self::MachineToMachine => "MachineToMachine",
            Self::Protected => "Protected",
            Self::Saml => "SAML",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Native, Self::Spa, Self::Traditional, Self::MachineToMachine, Self::Protected, Self::Saml]
            .into_iter()
            .find(|t| t.as_str() == s)
    }

    /// Confidential clients, which get a `Default secret` at creation (Logto's `hasSecrets`).
    pub fn has_secrets(self) -> bool {
        matches!(self, Self::MachineToMachine | Self::Traditional | Self::Protected | Self::Saml)
    }
}

/// `oidcClientMetadata` (Logto's `OidcClientMetadata`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcClientMetadata {
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_session_required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
}

/// `customClientMetadata` (Logto's `CustomClientMetadata`; every key optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomClientMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_allowed_origins: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_ttl: Option<serde_json::Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_ttl: Option<serde_json::Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_ttl_in_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_issue_refresh_token: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_refresh_token: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_token_exchange: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_device_flow: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allowed_grants: Option<i64>,
}

/// An application as the Management API returns it (`applicationResponseGuard`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub app_type: ApplicationType,
    pub oidc_client_metadata: OidcClientMetadata,
    pub custom_client_metadata: CustomClientMetadata,
    pub protected_app_metadata: Option<Value>,
    pub custom_data: Map<String, Value>,
    pub is_third_party: bool,
    pub app_level_access_control_enabled: bool,
    pub created_at: Millis,
}

/// The stored aggregate: the wire entity plus what never leaves the server as is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRecord {
    /// Nested, not `#[serde(flatten)]`: flattening decodes through serde's buffered map and
    /// this record is decoded on every token request.
    pub app: Application,
    /// Hashed secrets, in creation order.
    #[serde(default)]
    pub secrets: Vec<StoredSecret>,
    /// Ids of the MachineToMachine roles assigned to this app (the other direction of the
    /// relation lives under `keys::role_application`).
    #[serde(default)]
    pub role_ids: Vec<String>,
}

impl ApplicationRecord {
    /// A new application with Logto's defaults.
    pub fn new(id: String, name: String, app_type: ApplicationType, created_at: Millis) -> Self {
        Self {
            app: Application {
                tenant_id: TENANT_ID.to_owned(),
                id,
                name,
                description: None,
                app_type,
                oidc_client_metadata: OidcClientMetadata::default(),
                custom_client_metadata: CustomClientMetadata::default(),
                protected_app_metadata: None,
                custom_data: Map::new(),
                is_third_party: false,
                app_level_access_control_enabled: false,
                created_at,
            },
            secrets: Vec::new(),
            role_ids: Vec::new(),
        }
    }

    /// Check a client secret presented at the token endpoint (constant time per secret).
    pub fn verify_secret(&self, presented: &str, now: Millis) -> SecretCheck {
        secret::verify(&self.secrets, presented, now)
    }

    fn list_entry_key(&self) -> Key {
        keys::application_list_entry(&table::sort_descending(self.app.created_at), &self.app.id)
    }
}

/// Logto's `generateStandardId()`: 21 characters of `[0-9a-z]`.
pub fn new_id(rng: &dyn Rng) -> String {
    rng.id(21)
}

/// What a write of an application can run into besides infrastructure failures.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteError {
    /// The record changed (or vanished) since it was read: re-read and try again.
    Stale,
    /// A key that had to be absent exists (an id collision, a taken relation).
    Taken(Key),
    Internal(Internal),
}

impl From<Internal> for WriteError {
    fn from(e: Internal) -> Self {
        WriteError::Internal(e)
    }
}

impl WriteError {
    pub(crate) fn from_store(e: StoreError, record_key: &Key) -> Self {
        match e {
            StoreError::Conflict { key } if &key == record_key => WriteError::Stale,
            StoreError::Conflict { key } => WriteError::Taken(key),
            other => WriteError::Internal(other.into()),
        }
    }
}

const COUNTER: &str = "app";

/// One `get`: the token endpoint's read.
pub async fn find(store: &dyn Store, id: &str) -> Result<Option<Versioned<ApplicationRecord>>, Internal> {
    table::read(store, &keys::application(id)).await
}

pub async fn insert(store: &dyn Store, record: &ApplicationRecord) -> Result<(), WriteError> {
    insert_with(store, record, Vec::new()).await
}

/// Insert with more ops in the same commit. The record's `role_ids` get their reverse
/// relation keys here too, so an app can be created already holding its roles.
pub async fn insert_with(store: &dyn Store, record: &ApplicationRecord, extra: Vec<WriteOp>) -> Result<(), WriteError> {
    let key = keys::application(&record.app.id);
    let bytes = table::encode(record)?;
    let mut ops = vec![
        table::put(key.clone(), bytes.clone(), Condition::IfAbsent),
        table::put(record.list_entry_key(), bytes, Condition::Always),
    ];
    for role_id in &record.role_ids {
        ops.push(table::put(keys::role_application(role_id, &record.app.id), Vec::new(), Condition::Always));
    }
    ops.extend(extra);
    table::commit_counted(store, ops, &[(keys::counter(COUNTER), 1)]).await.map_err(|e| WriteError::from_store(e, &key))
}

/// Write `next` over the record read as `current`, plus `extra` ops in the same commit.
pub async fn update(
    store: &dyn Store,
    current: &Versioned<ApplicationRecord>,
    next: &ApplicationRecord,
    extra: Vec<WriteOp>,
) -> Result<(), WriteError> {
    let key = keys::application(&next.app.id);
    let mut ops = update_ops(current, next)?;
    ops.extend(extra);
    store.commit(ops).await.map_err(|e| WriteError::from_store(e, &key))
}

/// The ops that replace `current` by `next` (for callers that batch more records).
pub(crate) fn update_ops(
    current: &Versioned<ApplicationRecord>,
    next: &ApplicationRecord,
) -> Result<Vec<WriteOp>, Internal> {
    let bytes = table::encode(next)?;
    Ok(vec![
        table::put(keys::application(&next.app.id), bytes.clone(), Condition::IfVersion(current.version)),
        table::put(next.list_entry_key(), bytes, Condition::Always),
    ])
}

/// Delete the application, its list copy and its role relations (one commit when the store's
/// batch allows, see `table::commit_grouped`).
pub async fn delete(store: &dyn Store, current: &Versioned<ApplicationRecord>) -> Result<(), WriteError> {
    let record = &current.value;
    let key = keys::application(&record.app.id);
    let last = vec![
        WriteOp::Delete { key: key.clone(), condition: Condition::IfVersion(current.version) },
        table::delete(record.list_entry_key()),
    ];
    let groups = record
        .role_ids
        .iter()
        .map(|role_id| vec![table::delete(keys::role_application(role_id, &record.app.id))])
        .collect();
    table::commit_grouped(store, groups, last, &[(keys::counter(COUNTER), -1)])
        .await
        .map_err(|e| WriteError::from_store(e, &key))
}

/// Applications newest first: a window, or all of them.
pub async fn list(store: &dyn Store, window: Option<Window>) -> Result<Vec<ApplicationRecord>, Internal> {
    table::list(store, &keys::application_list(), window).await
}

pub async fn count(store: &dyn Store) -> Result<u64, Internal> {
    table::count(store, &keys::counter(COUNTER)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::store;

    #[tokio::test]
    async fn lists_are_newest_first_and_paged_by_the_store() {
        let store = store();
        for i in 0..5 {
            insert(&store, &ApplicationRecord::new(format!("app{i}"), format!("n{i}"), ApplicationType::Spa, 1000 + i))
                .await
                .unwrap();
        }
        let ids = |v: Vec<ApplicationRecord>| v.into_iter().map(|r| r.app.id).collect::<Vec<_>>();
        assert_eq!(ids(list(&store, None).await.unwrap()), ["app4", "app3", "app2", "app1", "app0"]);
        assert_eq!(ids(list(&store, Some(Window { offset: 2, limit: 2 })).await.unwrap()), ["app2", "app1"]);
        assert_eq!(ids(list(&store, Some(Window { offset: 4, limit: 2 })).await.unwrap()), ["app0"]);
        assert_eq!(count(&store).await.unwrap(), 5);

        let current = find(&store, "app2").await.unwrap().unwrap();
        delete(&store, &current).await.unwrap();
        assert_eq!(count(&store).await.unwrap(), 4);
        assert_eq!(ids(list(&store, Some(Window { offset: 2, limit: 2 })).await.unwrap()), ["app1", "app0"]);
    }

    #[tokio::test]
    async fn a_stale_update_is_refused() {
        let store = store();
        insert(&store, &ApplicationRecord::new("a".into(), "n".into(), ApplicationType::Spa, 1)).await.unwrap();
        let first = find(&store, "a").await.unwrap().unwrap();
        let mut next = first.value.clone();
        next.app.name = "one".into();
        update(&store, &first, &next, vec![]).await.unwrap();
        next.app.name = "two".into();
        assert_eq!(update(&store, &first, &next, vec![]).await.unwrap_err(), WriteError::Stale);
        assert_eq!(find(&store, "a").await.unwrap().unwrap().value.app.name, "one");
        assert_eq!(list(&store, None).await.unwrap()[0].app.name, "one");
    }

    #[test]
    fn the_wire_shape_is_logtos() {
        let mut record = ApplicationRecord::new("id1".into(), "App".into(), ApplicationType::Spa, 5);
        record.secrets.push(StoredSecret::new("s".into(), "x", 1, None));
        let json = serde_json::to_value(&record.app).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "tenantId": "default", "id": "id1", "name": "App", "description": null, "type": "SPA",
                "oidcClientMetadata": {"redirectUris": [], "postLogoutRedirectUris": []},
                "customClientMetadata": {}, "protectedAppMetadata": null, "customData": {},
                "isThirdParty": false, "appLevelAccessControlEnabled": false, "createdAt": 5
            })
        );
        let stored: ApplicationRecord = serde_json::from_slice(&serde_json::to_vec(&record).unwrap()).unwrap();
        assert_eq!(stored, record);
    }
}
