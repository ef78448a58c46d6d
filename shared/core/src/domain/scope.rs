//! Scopes of an API resource (Logto's `scopes`): unique name per resource.

use serde::{Deserialize, Serialize};

use super::TENANT_ID;
use super::application::WriteError;
use super::table::{self, Versioned, Window};
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Condition, Key, Store, WriteOp, keys};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    pub tenant_id: String,
    pub id: String,
    pub resource_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: Millis,
}

impl Scope {
    pub fn new(id: String, resource_id: String, name: String, description: Option<String>, created_at: Millis) -> Self {
        Self { tenant_id: TENANT_ID.to_owned(), id, resource_id, name, description, created_at }
    }

    fn list_entry_key(&self) -> Key {
        keys::resource_scope_list_entry(&self.resource_id, &table::sort_ascending(self.created_at), &self.id)
    }
}

pub(crate) const COUNTER: &str = "scope";

pub async fn find(store: &dyn Store, id: &str) -> Result<Option<Versioned<Scope>>, Internal> {
    table::read(store, &keys::scope(id)).await
}

/// Insert; `Taken(scope_by_name)` when the resource already has a scope of that name.
pub async fn insert(store: &dyn Store, scope: &Scope) -> Result<(), WriteError> {
    let key = keys::scope(&scope.id);
    let bytes = table::encode(scope)?;
    let ops = vec![
        table::put(key.clone(), bytes.clone(), Condition::IfAbsent),
        table::put(
            keys::scope_by_name(&scope.resource_id, &scope.name),
            table::encode(&scope.id)?,
            Condition::IfAbsent,
        ),
        table::put(scope.list_entry_key(), bytes, Condition::Always),
    ];
    let counters = [(keys::counter_for(COUNTER, &scope.resource_id), 1)];
    table::commit_counted(store, ops, &counters).await.map_err(|e| WriteError::from_store(e, &key))
}

/// Update name/description; a rename claims the new name and rewrites every role's copy of it.
pub async fn update(store: &dyn Store, current: &Versioned<Scope>, next: &Scope) -> Result<(), WriteError> {
    let key = keys::scope(&next.id);
    let bytes = table::encode(next)?;
    let mut first = vec![
        table::put(key.clone(), bytes.clone(), Condition::IfVersion(current.version)),
        table::put(next.list_entry_key(), bytes, Condition::Always),
    ];
    let mut groups = Vec::new();
    if next.name != current.value.name {
        first.push(table::delete(keys::scope_by_name(&next.resource_id, &current.value.name)));
        first.push(table::put(
            keys::scope_by_name(&next.resource_id, &next.name),
            table::encode(&next.id)?,
            Condition::IfAbsent,
        ));
        let name = table::encode(&next.name)?;
        for relation in table::list_keys(store, &keys::scope_roles(&next.id)).await? {
            let role_id = relation.last_segment();
            groups.push(vec![table::put(
                keys::role_scope(&role_id, &next.resource_id, &next.id),
                name.clone(),
                Condition::Always,
            )]);
        }
    }
    table::commit_then(store, first, groups, &[]).await.map_err(|e| WriteError::from_store(e, &key))
}

/// The ops deleting `scope`'s own keys (record, name index, list copy).
pub(crate) fn own_delete_ops(scope: &Scope, condition: Condition) -> Vec<WriteOp> {
    vec![
        WriteOp::Delete { key: keys::scope(&scope.id), condition },
        table::delete(keys::scope_by_name(&scope.resource_id, &scope.name)),
        table::delete(scope.list_entry_key()),
    ]
}

/// The groups removing every role's grant of `scope` (each pair kept whole).
pub(crate) async fn grant_delete_groups(store: &dyn Store, scope: &Scope) -> Result<Vec<Vec<WriteOp>>, Internal> {
    let mut groups = Vec::new();
    for relation in table::list_keys(store, &keys::scope_roles(&scope.id)).await? {
        let role_id = relation.last_segment();
        groups.push(vec![
            table::delete(keys::role_scope(&role_id, &scope.resource_id, &scope.id)),
            table::delete(relation),
        ]);
    }
    Ok(groups)
}

/// Delete the scope and every role's grant of it (one commit when the store's batch allows;
/// otherwise grants go first, then the scope).
pub async fn delete(store: &dyn Store, current: &Versioned<Scope>) -> Result<(), WriteError> {
    let scope = &current.value;
    let key = keys::scope(&scope.id);
    let groups = grant_delete_groups(store, scope).await?;
    let last = own_delete_ops(scope, Condition::IfVersion(current.version));
    let counters = [(keys::counter_for(COUNTER, &scope.resource_id), -1)];
    table::commit_grouped(store, groups, last, &counters).await.map_err(|e| WriteError::from_store(e, &key))
}

/// A resource's scopes oldest first: a window, or all of them.
pub async fn list(store: &dyn Store, resource_id: &str, window: Option<Window>) -> Result<Vec<Scope>, Internal> {
    table::list(store, &keys::resource_scope_list(resource_id), window).await
}

pub async fn count(store: &dyn Store, resource_id: &str) -> Result<u64, Internal> {
    table::count(store, &keys::counter_for(COUNTER, resource_id)).await
}
