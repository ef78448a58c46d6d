//! Roles (Logto's `roles`): unique name, type User or MachineToMachine.

use serde::{Deserialize, Serialize};

use super::TENANT_ID;
use super::application::{self, WriteError};
use super::scope::Scope;
use super::table::{self, Versioned, Window};
use super::{role_application, role_scope};
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Condition, Key, Store, StoreError, WriteOp, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoleType {
    User,
    MachineToMachine,
}

impl RoleType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::MachineToMachine => "MachineToMachine",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "User" => Some(Self::User),
            "MachineToMachine" => Some(Self::MachineToMachine),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub role_type: RoleType,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRecord {
    #[serde(flatten)]
    pub role: Role,
    /// Orders the admin list (Logto returns roles in insertion order).
    pub created_at: Millis,
}

impl RoleRecord {
    pub fn new(id: String, name: String, description: String, role_type: RoleType, created_at: Millis) -> Self {
        Self {
            role: Role { tenant_id: TENANT_ID.to_owned(), id, name, description, role_type, is_default: false },
            created_at,
        }
    }

    fn list_entry_keys(&self) -> [Key; 2] {
        let sort = table::sort_ascending(self.created_at);
        [
            keys::role_list_entry(&sort, &self.role.id),
            keys::role_type_list_entry(self.role.role_type.as_str(), &sort, &self.role.id),
        ]
    }

    fn counters(&self, delta: i64) -> [(Key, i64); 2] {
        [(keys::counter(COUNTER), delta), (keys::counter_for(COUNTER, self.role.role_type.as_str()), delta)]
    }
}

const COUNTER: &str = "role";

/// Logto's prefix for internal roles (`internalRolePrefix`): they exist and grant scopes, but
/// the Management API never lists, counts, edits or deletes them.
pub const INTERNAL_PREFIX: &str = "#internal:";

impl Role {
    pub fn is_internal(&self) -> bool {
        self.name.starts_with(INTERNAL_PREFIX)
    }
}

pub async fn find(store: &dyn Store, id: &str) -> Result<Option<Versioned<RoleRecord>>, Internal> {
    table::read(store, &keys::role(id)).await
}

pub async fn find_by_name(store: &dyn Store, name: &str) -> Result<Option<Versioned<RoleRecord>>, Internal> {
    match table::read::<String>(store, &keys::role_by_name(name)).await? {
        Some(id) => find(store, &id.value).await,
        None => Ok(None),
    }
}

/// Insert the role and its initial scopes in one commit (when the store's batch allows, see
/// `table::commit_then`); `Taken(role_by_name)` when the name is in use.
pub async fn insert(store: &dyn Store, record: &RoleRecord, scopes: &[Scope]) -> Result<(), WriteError> {
    let key = keys::role(&record.role.id);
    let bytes = table::encode(record)?;
    let mut first = vec![
        table::put(key.clone(), bytes.clone(), Condition::IfAbsent),
        table::put(keys::role_by_name(&record.role.name), table::encode(&record.role.id)?, Condition::IfAbsent),
    ];
    // Internal roles stay out of the lists and counters (Logto's queries filter them out).
    let internal = record.role.is_internal();
    if !internal {
        first.extend(record.list_entry_keys().into_iter().map(|k| table::put(k, bytes.clone(), Condition::Always)));
    }
    let mut groups = Vec::with_capacity(scopes.len());
    let mut seen = std::collections::BTreeSet::new();
    for scope in scopes.iter().filter(|s| seen.insert(s.id.as_str())) {
        groups.push(role_scope::insert_ops(&record.role.id, scope)?);
    }
    let counters = if internal { Vec::new() } else { record.counters(1).to_vec() };
    table::commit_then(store, first, groups, &counters).await.map_err(|e| WriteError::from_store(e, &key))
}

/// Update name/description/isDefault (the type is fixed at creation, as in Logto).
pub async fn update(store: &dyn Store, current: &Versioned<RoleRecord>, next: &RoleRecord) -> Result<(), WriteError> {
    let key = keys::role(&next.role.id);
    let bytes = table::encode(next)?;
    let mut ops = vec![table::put(key.clone(), bytes.clone(), Condition::IfVersion(current.version))];
    ops.extend(next.list_entry_keys().into_iter().map(|k| table::put(k, bytes.clone(), Condition::Always)));
    if next.role.name != current.value.role.name {
        ops.push(table::delete(keys::role_by_name(&current.value.role.name)));
        ops.push(table::put(keys::role_by_name(&next.role.name), table::encode(&next.role.id)?, Condition::IfAbsent));
    }
    store.commit(ops).await.map_err(|e| WriteError::from_store(e, &key))
}

/// Delete the role, its application and user assignments and its scope grants (one commit when the
/// store's batch allows; otherwise apps lose the role first, then grants go, then the role).
pub async fn delete(store: &dyn Store, current: &Versioned<RoleRecord>) -> Result<(), WriteError> {
    let record = &current.value;
    let id = &record.role.id;
    let key = keys::role(id);
    let mut last = vec![
        WriteOp::Delete { key: key.clone(), condition: Condition::IfVersion(current.version) },
        table::delete(keys::role_by_name(&record.role.name)),
    ];
    last.extend(record.list_entry_keys().into_iter().map(table::delete));
    let mut groups = Vec::new();
    for app_id in role_application::list_application_ids(store, id).await? {
        let mut group = vec![table::delete(keys::role_application(id, &app_id))];
        if let Some(app) = application::find(store, &app_id).await? {
            let mut next = app.value.clone();
            next.role_ids.retain(|r| r != id);
            group.extend(application::update_ops(&app, &next)?);
        }
        groups.push(group);
    }
    // Users lose the role too (their records and the `role_user` relations, per user).
    for user_id in super::role_user::list_user_ids(store, id).await? {
        match super::user::find(store, &user_id).await? {
            Some(user) => {
                let mut next = user.value.clone();
                next.role_ids.retain(|r| r != id);
                groups.push(super::user::update_ops(&user, &next)?);
            }
            None => groups.push(vec![table::delete(keys::role_user(id, &user_id))]),
        }
    }
    for relation in table::list_keys(store, &keys::role_scopes(id)).await? {
        let scope_id = relation.last_segment();
        groups.push(vec![table::delete(keys::scope_role(&scope_id, id)), table::delete(relation)]);
    }
    table::commit_grouped(store, groups, last, &record.counters(-1)).await.map_err(|e| match e {
        // An assigned app changed meanwhile: the caller retries with fresh reads.
        StoreError::Conflict { .. } => WriteError::Stale,
        other => WriteError::Internal(other.into()),
    })
}

/// Roles oldest first, optionally of one type: a window, or all of them.
pub async fn list(
    store: &dyn Store,
    role_type: Option<RoleType>,
    window: Option<Window>,
) -> Result<Vec<RoleRecord>, Internal> {
    let prefix = match role_type {
        Some(t) => keys::role_type_list(t.as_str()),
        None => keys::role_list(),
    };
    table::list(store, &prefix, window).await
}

pub async fn count(store: &dyn Store, role_type: Option<RoleType>) -> Result<u64, Internal> {
    let key = match role_type {
        Some(t) => keys::counter_for(COUNTER, t.as_str()),
        None => keys::counter(COUNTER),
    };
    table::count(store, &key).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::store;

    /// Two creations that both passed the handler's name check: the commit decides, and the
    /// loser writes nothing (no record, no list copies, no counter change).
    #[tokio::test]
    async fn a_taken_name_is_decided_by_the_commit_and_writes_nothing() {
        let store = store();
        let first = RoleRecord::new("a".into(), "admins".into(), "d".into(), RoleType::User, 1);
        let second = RoleRecord::new("b".into(), "admins".into(), "d".into(), RoleType::MachineToMachine, 2);
        insert(&store, &first, &[]).await.unwrap();
        assert_eq!(insert(&store, &second, &[]).await, Err(WriteError::Taken(keys::role_by_name("admins"))));
        assert!(find(&store, "b").await.unwrap().is_none());
        assert_eq!(count(&store, None).await.unwrap(), 1);
        assert_eq!(count(&store, Some(RoleType::MachineToMachine)).await.unwrap(), 0);
        assert!(list(&store, Some(RoleType::MachineToMachine), None).await.unwrap().is_empty());

        // Renaming onto a taken name is refused the same way; renaming frees the old name.
        let third = RoleRecord::new("c".into(), "ops".into(), "d".into(), RoleType::User, 3);
        insert(&store, &third, &[]).await.unwrap();
        let current = find(&store, "c").await.unwrap().unwrap();
        let mut next = current.value.clone();
        next.role.name = "admins".into();
        assert_eq!(update(&store, &current, &next).await, Err(WriteError::Taken(keys::role_by_name("admins"))));
        next.role.name = "operators".into();
        update(&store, &current, &next).await.unwrap();
        assert_eq!(find_by_name(&store, "operators").await.unwrap().unwrap().value.role.id, "c");
        assert!(find_by_name(&store, "ops").await.unwrap().is_none());
    }
}
