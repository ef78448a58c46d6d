//! Which users hold a User-type role (Logto's `users_roles`).
//!
//! The user record carries its role ids (read with the user by the token endpoint and the
//! `roles` claim); `role_user/<role>/<user>` is the other direction, for
//! `/api/roles/:id/users` and role deletion. Both are written in one commit
//! (`user::update_ops` keeps them in step).

use super::table::{self, Versioned};
use super::user::{self, UserError, UserRecord};
use crate::error::Internal;
use crate::store::{Store, StoreError, keys};

/// Set the user's roles to `role_ids` (order kept, duplicates dropped): one commit of the record
/// and every relation key that changes. `Stale` means the user changed since it was read.
pub async fn replace_for_user(
    store: &dyn Store,
    current: &Versioned<UserRecord>,
    role_ids: &[String],
    now: crate::ports::Millis,
) -> Result<(), UserError> {
    let mut next = current.value.clone();
    next.role_ids.clear();
    for id in role_ids {
        if !next.role_ids.contains(id) {
            next.role_ids.push(id.clone());
        }
    }
    next.updated_at = now;
    user::update(store, current, &next).await
}

/// Give the role to every user, all or nothing (when the store's batch allows); `Stale` means
/// one of them changed since it was read.
pub async fn insert(store: &dyn Store, role_id: &str, users: &[Versioned<UserRecord>]) -> Result<(), UserError> {
    let mut groups = Vec::with_capacity(users.len());
    let mut seen = std::collections::BTreeSet::new();
    for current in users.iter().filter(|u| seen.insert(u.value.id.as_str())) {
        let mut next = current.value.clone();
        if !next.role_ids.iter().any(|r| r == role_id) {
            next.role_ids.push(role_id.to_owned());
        }
        groups.push(user::update_ops(current, &next)?);
    }
    table::commit_grouped(store, groups, Vec::new(), &[]).await.map_err(|e| match e {
        StoreError::Conflict { .. } => UserError::Stale,
        other => UserError::Internal(other.into()),
    })
}

/// Ids of the users holding the role, ordered by id.
pub async fn list_user_ids(store: &dyn Store, role_id: &str) -> Result<Vec<String>, Internal> {
    Ok(table::list_keys(store, &keys::role_users(role_id)).await?.iter().map(|k| k.last_segment()).collect())
}
