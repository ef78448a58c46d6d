//! Configured connectors (Logto's `connectors` table): an instance of a connector factory with
//! its config. What a factory is and what it can do lives in [`crate::connectors`].
//!
//! Invariants kept by the store, not by read-then-write checks:
//! - at most one Email and one Sms connector: the active one is copied to
//!   `idx/connector_type/<type>`, written with `IfAbsent`/`IfVersion`, and a replacement deletes
//!   the old instance in the same commit (so two racing replacements cannot both win, and the
//!   send path finds the connector in one read);
//! - social connectors are unique by (target, platform): `idx/connector_target/..` `IfAbsent`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::TENANT_ID;
use super::table::{self, Versioned};
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Condition, Key, Store, StoreError, WriteOp, keys};

/// Logto's `ConnectorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConnectorType {
    Email,
    Sms,
    Social,
}

impl ConnectorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorType::Email => "Email",
            ConnectorType::Sms => "Sms",
            ConnectorType::Social => "Social",
        }
    }

    /// Email and Sms: at most one instance each.
    pub fn is_passwordless(self) -> bool {
        matches!(self, ConnectorType::Email | ConnectorType::Sms)
    }
}

/// Logto's `ConnectorPlatform` (social connectors only; passwordless ones have `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConnectorPlatform {
    Native,
    Web,
    Universal,
}

impl ConnectorPlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorPlatform::Native => "Native",
            ConnectorPlatform::Web => "Web",
            ConnectorPlatform::Universal => "Universal",
        }
    }
}

/// One row of Logto's `connectors` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorRecord {
    pub tenant_id: String,
    pub id: String,
    pub sync_profile: bool,
    pub enable_token_storage: bool,
    /// The factory id (`mock-email-service`, `http-email`, …).
    pub connector_id: String,
    pub config: Map<String, Value>,
    /// Configurable metadata override (`{target?, name?, logo?, logoDark?}`, standard connectors).
    pub metadata: Map<String, Value>,
    pub created_at: Millis,
    /// The factory's type, kept so the indexes can be maintained without the factory list.
    pub connector_type: ConnectorType,
    /// For social connectors: the (target, platform) claimed in the unique index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_key: Option<(String, String)>,
}

impl ConnectorRecord {
    pub fn new(id: String, connector_id: String, connector_type: ConnectorType, created_at: Millis) -> Self {
        Self {
            tenant_id: TENANT_ID.to_owned(),
            id,
            sync_profile: false,
            enable_token_storage: false,
            connector_id,
            config: Map::new(),
            metadata: Map::new(),
            created_at,
            connector_type,
            social_key: None,
        }
    }
}

/// Why a write did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteError {
    /// The id is taken.
    IdTaken,
    /// Another social connector holds this (target, platform).
    TargetTaken,
    /// Someone else changed the connectors in between; re-read and retry.
    Conflict,
    Internal(Internal),
}

impl From<Internal> for WriteError {
    fn from(e: Internal) -> Self {
        WriteError::Internal(e)
    }
}

fn conflict_on(store: StoreError, id_key: Option<&Key>, target_key: Option<&Key>) -> WriteError {
    match store {
        StoreError::Conflict { ref key } if Some(key) == id_key => WriteError::IdTaken,
        StoreError::Conflict { ref key } if Some(key) == target_key => WriteError::TargetTaken,
        StoreError::Conflict { .. } => WriteError::Conflict,
        other => WriteError::Internal(other.into()),
    }
}

pub async fn find(store: &dyn Store, id: &str) -> Result<Option<Versioned<ConnectorRecord>>, Internal> {
    table::read(store, &keys::connector(id)).await
}

/// The active Email or Sms connector: one read.
pub async fn find_by_type(
    store: &dyn Store,
    connector_type: ConnectorType,
) -> Result<Option<ConnectorRecord>, Internal> {
    Ok(table::read::<ConnectorRecord>(store, &keys::connector_by_type(connector_type.as_str())).await?.map(|v| v.value))
}

/// Every configured connector, oldest first (a tenant has a handful).
pub async fn list(store: &dyn Store) -> Result<Vec<ConnectorRecord>, Internal> {
    let mut all: Vec<ConnectorRecord> = table::list(store, &keys::connectors(), None).await?;
    all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
    Ok(all)
}

fn target_key(record: &ConnectorRecord) -> Option<Key> {
    record.social_key.as_ref().map(|(target, platform)| keys::connector_by_target(target, platform))
}

/// Insert `record`. An Email/Sms connector replaces the active one of its type (deleted in the
/// same commit); a social one claims its (target, platform).
pub async fn insert(store: &dyn Store, record: &ConnectorRecord) -> Result<(), WriteError> {
    let id_key = keys::connector(&record.id);
    let bytes = table::encode(record)?;
    let mut ops = vec![table::put(id_key.clone(), bytes.clone(), Condition::IfAbsent)];
    let target = target_key(record);
    if let Some(key) = &target {
        ops.push(table::put(key.clone(), table::encode(&record.id)?, Condition::IfAbsent));
    }
    if record.connector_type.is_passwordless() {
        let pointer = keys::connector_by_type(record.connector_type.as_str());
        let current = table::read::<ConnectorRecord>(store, &pointer).await?;
        if let Some(old) = &current {
            if old.value.id == record.id {
                return Err(WriteError::IdTaken);
            }
            ops.push(table::delete(keys::connector(&old.value.id)));
        }
        ops.push(table::put_versioned(pointer, bytes, current.map(|c| c.version)));
    }
    store.commit(ops).await.map_err(|e| conflict_on(e, Some(&id_key), target.as_ref()))
}

/// Write `next` over `current` (same id; config, metadata and flags may change).
pub async fn update(
    store: &dyn Store,
    current: &Versioned<ConnectorRecord>,
    next: &ConnectorRecord,
) -> Result<(), WriteError> {
    let id_key = keys::connector(&next.id);
    let bytes = table::encode(next)?;
    let mut ops = vec![table::put(id_key, bytes.clone(), Condition::IfVersion(current.version))];
    ops.extend(pointer_ops(store, next, Some(bytes)).await?);
    store.commit(ops).await.map_err(|e| conflict_on(e, None, None))
}

/// Delete the connector and its index entries.
pub async fn delete(store: &dyn Store, current: &Versioned<ConnectorRecord>) -> Result<(), WriteError> {
    let id_key = keys::connector(&current.value.id);
    let mut ops = vec![WriteOp::Delete { key: id_key, condition: Condition::IfVersion(current.version) }];
    if let Some(key) = target_key(&current.value) {
        ops.push(table::delete(key));
    }
    ops.extend(pointer_ops(store, &current.value, None).await?);
    store.commit(ops).await.map_err(|e| conflict_on(e, None, None))
}

/// Keep the active-connector copy in step with `record` (`bytes: None` = it is being deleted),
/// only when the copy is of this very connector.
async fn pointer_ops(
    store: &dyn Store,
    record: &ConnectorRecord,
    bytes: Option<Vec<u8>>,
) -> Result<Vec<WriteOp>, Internal> {
    if !record.connector_type.is_passwordless() {
        return Ok(Vec::new());
    }
    let pointer = keys::connector_by_type(record.connector_type.as_str());
    let Some(current) = table::read::<ConnectorRecord>(store, &pointer).await? else {
        return Ok(Vec::new());
    };
    if current.value.id != record.id {
        return Ok(Vec::new());
    }
    Ok(vec![match bytes {
        Some(bytes) => table::put(pointer, bytes, Condition::IfVersion(current.version)),
        None => WriteOp::Delete { key: pointer, condition: Condition::IfVersion(current.version) },
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::store;

    fn email(id: &str, at: Millis) -> ConnectorRecord {
        ConnectorRecord::new(id.into(), "mock-email-service".into(), ConnectorType::Email, at)
    }

    fn social(id: &str, target: &str) -> ConnectorRecord {
        let mut r = ConnectorRecord::new(id.into(), "mock-social-connector".into(), ConnectorType::Social, 1);
        r.social_key = Some((target.into(), "Universal".into()));
        r
    }

    #[tokio::test]
    async fn a_new_email_connector_replaces_the_old_one() {
        let s = store();
        insert(&s, &email("a", 1)).await.unwrap();
        assert_eq!(find_by_type(&s, ConnectorType::Email).await.unwrap().unwrap().id, "a");
        insert(&s, &email("b", 2)).await.unwrap();
        assert_eq!(find_by_type(&s, ConnectorType::Email).await.unwrap().unwrap().id, "b");
        let ids: Vec<String> = list(&s).await.unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["b"]);
        assert!(find_by_type(&s, ConnectorType::Sms).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn updating_and_deleting_keep_the_active_copy_in_step() {
        let s = store();
        insert(&s, &email("a", 1)).await.unwrap();
        let current = find(&s, "a").await.unwrap().unwrap();
        let mut next = current.value.clone();
        next.config.insert("apiKey".into(), "k".into());
        update(&s, &current, &next).await.unwrap();
        assert_eq!(find_by_type(&s, ConnectorType::Email).await.unwrap().unwrap().config["apiKey"], "k");
        assert_eq!(update(&s, &current, &next).await, Err(WriteError::Conflict));
        delete(&s, &find(&s, "a").await.unwrap().unwrap()).await.unwrap();
        assert!(find_by_type(&s, ConnectorType::Email).await.unwrap().is_none());
        assert!(list(&s).await.unwrap().is_empty());
    }

    /// The memory store, but every read yields after reading, so two writers interleave as they would
    /// on a real backend: both read, then both commit.
    struct Interleaving(crate::store::memory::MemoryStore);

    #[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
    #[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
    impl Store for Interleaving {
        async fn get(&self, key: &Key) -> Result<Option<crate::store::Record>, StoreError> {
            let read = self.0.get(key).await;
            tokio::task::yield_now().await;
            read
        }
        async fn put(
            &self,
            key: &Key,
            value: Vec<u8>,
            options: crate::store::PutOptions,
        ) -> Result<crate::store::Version, StoreError> {
            self.0.put(key, value, options).await
        }
        async fn delete(&self, key: &Key) -> Result<(), StoreError> {
            self.0.delete(key).await
        }
        async fn consume(&self, key: &Key) -> Result<crate::store::Consumed, StoreError> {
            self.0.consume(key).await
        }
        async fn list(
            &self,
            prefix: &Key,
            cursor: Option<&str>,
            limit: usize,
        ) -> Result<crate::store::Page, StoreError> {
            self.0.list(prefix, cursor, limit).await
        }
        async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
            self.0.commit(ops).await
        }
        fn capabilities(&self) -> crate::store::Capabilities {
            self.0.capabilities()
        }
    }

    #[tokio::test]
    async fn two_racing_email_connectors_leave_exactly_one() {
        let s = Interleaving(store());
        insert(&s, &email("old", 1)).await.unwrap();
        let (first, second) = (email("a", 2), email("b", 3));
        let (a, b) = tokio::join!(insert(&s, &first), insert(&s, &second));
        // Both read the same active connector; only one replacement can commit.
        assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
        assert!(matches!(a.err().or(b.err()), Some(WriteError::Conflict)));
        let all = list(&s).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(find_by_type(&s, ConnectorType::Email).await.unwrap().unwrap().id, all[0].id);
    }

    #[tokio::test]
    async fn social_targets_and_ids_are_unique() {
        let s = store();
        insert(&s, &social("a", "github")).await.unwrap();
        assert_eq!(insert(&s, &social("b", "github")).await, Err(WriteError::TargetTaken));
        assert_eq!(insert(&s, &social("a", "google")).await, Err(WriteError::IdTaken));
        delete(&s, &find(&s, "a").await.unwrap().unwrap()).await.unwrap();
        insert(&s, &social("b", "github")).await.unwrap();
    }
}
