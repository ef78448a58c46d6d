//! API resources (Logto's `resources`): an audience with its indicator, token TTL and scopes.
//!
//! The indicator index holds a full copy of the resource (indicators never change), so the
//! token endpoint resolves `resource=<indicator>` with one `get`.

use serde::{Deserialize, Serialize};

use super::TENANT_ID;
use super::application::WriteError;
use super::scope;
use super::table::{self, Versioned, Window};
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Condition, Key, Store, WriteOp, keys};

/// Logto's default `access_token_ttl` (seconds).
pub const DEFAULT_ACCESS_TOKEN_TTL: i64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub indicator: String,
    pub is_default: bool,
    pub access_token_ttl: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRecord {
    #[serde(flatten)]
    pub resource: Resource,
    /// Orders the admin list (Logto returns resources in insertion order).
    pub created_at: Millis,
}

impl ResourceRecord {
    pub fn new(id: String, name: String, indicator: String, access_token_ttl: i64, created_at: Millis) -> Self {
        Self {
            resource: Resource {
                tenant_id: TENANT_ID.to_owned(),
                id,
                name,
                indicator,
                is_default: false,
                access_token_ttl,
            },
            created_at,
        }
    }

    fn list_entry_key(&self) -> Key {
        keys::resource_list_entry(&table::sort_ascending(self.created_at), &self.resource.id)
    }

    /// Whether this is the Management API (`https://<tenant>.logto.app/api`), which the API may
    /// neither modify nor delete.
    pub fn is_management_api(&self) -> bool {
        is_management_api(&self.resource.indicator)
    }
}

/// Logto's `isManagementApi`: `https://<tenant>.logto.app/api`.
pub fn is_management_api(indicator: &str) -> bool {
    indicator
        .strip_prefix("https://")
        .and_then(|rest| rest.strip_suffix(".logto.app/api"))
        .is_some_and(|tenant| !tenant.is_empty() && !tenant.contains('/'))
}

const COUNTER: &str = "resource";

pub async fn find(store: &dyn Store, id: &str) -> Result<Option<Versioned<ResourceRecord>>, Internal> {
    table::read(store, &keys::resource(id)).await
}

/// The token endpoint's lookup: one relaxed read (`Store::get_relaxed`). On Workers it is
/// served from KV near the user instead of a Durable Object round trip; elsewhere it is a
/// plain `get`. What the up-to-60 s staleness can do: a resource deleted or changed in the last
/// minute may still be honoured with its previous name, TTL and scope list; the scopes a
/// client actually gets are still capped by its roles, which are read strongly. A resource
/// created a moment ago is found at once (a miss falls through to the authoritative store).
/// Never use this for a read that a write condition is derived from.
pub async fn find_by_indicator(store: &dyn Store, indicator: &str) -> Result<Option<ResourceRecord>, Internal> {
    table::read_relaxed(store, &keys::resource_by_indicator(indicator)).await
}

/// The tenant's default resource, if one is set (added by the oidc helper: `client_credentials`
/// falls back to it when the request names no `resource`, as Logto does). Two reads: the
/// pointer, then the record; only requests without `resource` pay for them.
pub async fn find_default(store: &dyn Store) -> Result<Option<ResourceRecord>, Internal> {
    let Some(pointer) = table::read::<String>(store, &keys::default_resource()).await? else {
        return Ok(None);
    };
    Ok(find(store, &pointer.value).await?.map(|v| v.value))
}

/// Insert; `Taken(resource_by_indicator)` when the indicator is in use.
pub async fn insert(store: &dyn Store, record: &ResourceRecord) -> Result<(), WriteError> {
    let key = keys::resource(&record.resource.id);
    let bytes = table::encode(record)?;
    let ops = vec![
        table::put(key.clone(), bytes.clone(), Condition::IfAbsent),
        table::put(keys::resource_by_indicator(&record.resource.indicator), bytes.clone(), Condition::IfAbsent),
        table::put(record.list_entry_key(), bytes, Condition::Always),
    ];
    table::commit_counted(store, ops, &[(keys::counter(COUNTER), 1)]).await.map_err(|e| WriteError::from_store(e, &key))
}

pub(crate) fn update_ops(current: &Versioned<ResourceRecord>, next: &ResourceRecord) -> Result<Vec<WriteOp>, Internal> {
    let bytes = table::encode(next)?;
    Ok(vec![
        table::put(keys::resource(&next.resource.id), bytes.clone(), Condition::IfVersion(current.version)),
        table::put(keys::resource_by_indicator(&next.resource.indicator), bytes.clone(), Condition::Always),
        table::put(next.list_entry_key(), bytes, Condition::Always),
    ])
}

pub async fn update(
    store: &dyn Store,
    current: &Versioned<ResourceRecord>,
    next: &ResourceRecord,
) -> Result<(), WriteError> {
    let key = keys::resource(&next.resource.id);
    store.commit(update_ops(current, next)?).await.map_err(|e| WriteError::from_store(e, &key))
}

/// Make `current` the default resource (clearing the previous one) or clear its flag.
pub async fn set_default(
    store: &dyn Store,
    current: &Versioned<ResourceRecord>,
    is_default: bool,
) -> Result<ResourceRecord, WriteError> {
    let key = keys::resource(&current.value.resource.id);
    let mut next = current.value.clone();
    next.resource.is_default = is_default;
    let mut ops = update_ops(current, &next)?;
    let pointer = table::read::<String>(store, &keys::default_resource()).await?;
    match (&pointer, is_default) {
        (Some(p), true) if p.value != next.resource.id => {
            // Clear the old default in the same commit (Logto keeps at most one).
            if let Some(old) = find(store, &p.value).await? {
                let mut cleared = old.value.clone();
                cleared.resource.is_default = false;
                ops.extend(update_ops(&old, &cleared)?);
            }
        }
        _ => {}
    }
    let pointer_version = pointer.as_ref().map(|p| p.version);
    if is_default {
        ops.push(table::put_versioned(keys::default_resource(), table::encode(&next.resource.id)?, pointer_version));
    } else if pointer.as_ref().is_some_and(|p| p.value == next.resource.id) {
        ops.push(table::delete(keys::default_resource()));
    }
    store.commit(ops).await.map_err(|e| WriteError::from_store(e, &key))?;
    Ok(next)
}

/// Delete the resource with its scopes and every role's grant of those scopes (one commit
/// when the store's batch allows; otherwise grants go first, then scopes, then the resource).
pub async fn delete(store: &dyn Store, current: &Versioned<ResourceRecord>) -> Result<(), WriteError> {
    let record = &current.value;
    let id = &record.resource.id;
    let key = keys::resource(id);
    let mut last = vec![
        WriteOp::Delete { key: key.clone(), condition: Condition::IfVersion(current.version) },
        table::delete(keys::resource_by_indicator(&record.resource.indicator)),
        table::delete(record.list_entry_key()),
    ];
    if record.resource.is_default {
        last.push(table::delete(keys::default_resource()));
    }
    let scopes = scope::list(store, id, None).await?;
    let mut groups = Vec::new();
    for s in &scopes {
        groups.extend(scope::grant_delete_groups(store, s).await?);
    }
    for s in &scopes {
        groups.push(scope::own_delete_ops(s, Condition::Always));
    }
    let counters = [
        (keys::counter(COUNTER), -1),
        (keys::counter_for(scope::COUNTER, id), -i64::try_from(scopes.len()).unwrap_or(0)),
    ];
    table::commit_grouped(store, groups, last, &counters).await.map_err(|e| WriteError::from_store(e, &key))
}

/// Resources oldest first: a window, or all of them.
pub async fn list(store: &dyn Store, window: Option<Window>) -> Result<Vec<ResourceRecord>, Internal> {
    table::list(store, &keys::resource_list(), window).await
}

pub async fn count(store: &dyn Store) -> Result<u64, Internal> {
    table::count(store, &keys::counter(COUNTER)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn management_api_indicators_are_recognised() {
        assert!(is_management_api("https://default.logto.app/api"));
        assert!(is_management_api("https://admin.logto.app/api"));
        assert!(!is_management_api("https://default.logto.app/api/x"));
        assert!(!is_management_api("https://api.example.com"));
        assert!(!is_management_api("https://.logto.app/api"));
    }
}

#[cfg(test)]
mod store_tests {
    use super::*;
    use crate::domain::testing::store;

    #[tokio::test]
    async fn a_taken_indicator_writes_nothing() {
        let store = store();
        insert(&store, &ResourceRecord::new("r1".into(), "A".into(), "https://a".into(), 3600, 1)).await.unwrap();
        let err = insert(&store, &ResourceRecord::new("r2".into(), "B".into(), "https://a".into(), 3600, 2))
            .await
            .unwrap_err();
        assert_eq!(err, WriteError::Taken(keys::resource_by_indicator("https://a")));
        assert!(find(&store, "r2").await.unwrap().is_none());
        assert_eq!(count(&store).await.unwrap(), 1);
        assert_eq!(list(&store, None).await.unwrap().len(), 1);
        assert_eq!(find_by_indicator(&store, "https://a").await.unwrap().unwrap().resource.id, "r1");
    }

    #[tokio::test]
    async fn deleting_a_resource_removes_its_scopes_and_grants() {
        let store = store();
        let r = ResourceRecord::new("r1".into(), "A".into(), "https://a".into(), 3600, 1);
        insert(&store, &r).await.unwrap();
        let s = scope::Scope::new("s1".into(), "r1".into(), "read".into(), None, 1);
        scope::insert(&store, &s).await.unwrap();
        crate::domain::role_scope::insert(&store, "role1", std::slice::from_ref(&s)).await.unwrap();
        let current = find(&store, "r1").await.unwrap().unwrap();
        delete(&store, &current).await.unwrap();
        assert!(find_by_indicator(&store, "https://a").await.unwrap().is_none());
        assert!(scope::find(&store, "s1").await.unwrap().is_none());
        assert!(crate::domain::role_scope::list(&store, "role1").await.unwrap().is_empty());
        assert!(store.list(&keys::scope_roles("s1"), None, 10).await.unwrap().items.is_empty());
        // The indicator is free again.
        insert(&store, &ResourceRecord::new("r3".into(), "C".into(), "https://a".into(), 3600, 3)).await.unwrap();
    }

    #[tokio::test]
    async fn only_one_resource_is_default() {
        let store = store();
        for (id, ind) in [("r1", "https://a"), ("r2", "https://b")] {
            insert(&store, &ResourceRecord::new(id.into(), id.into(), ind.into(), 3600, 1)).await.unwrap();
        }
        let r1 = find(&store, "r1").await.unwrap().unwrap();
        set_default(&store, &r1, true).await.unwrap();
        let r2 = find(&store, "r2").await.unwrap().unwrap();
        set_default(&store, &r2, true).await.unwrap();
        assert!(!find(&store, "r1").await.unwrap().unwrap().value.resource.is_default);
        assert!(find(&store, "r2").await.unwrap().unwrap().value.resource.is_default);
        let defaults: Vec<_> =
            list(&store, None).await.unwrap().into_iter().filter(|r| r.resource.is_default).collect();
        assert_eq!(defaults.len(), 1);
    }
}
