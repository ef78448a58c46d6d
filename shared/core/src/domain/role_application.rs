//! Which applications hold an M2M role (Logto's `applications_roles`).
//!
//! The application record carries its role ids (read by the token endpoint with the client);
//! `role_app/<role>/<app>` is the other direction, for `/api/roles/:id/applications`. Both are
//! written in one commit.

use super::application::{self, ApplicationRecord, WriteError};
use super::table::{self, Versioned};
use crate::error::Internal;
use crate::store::{Condition, Store, StoreError, keys};

/// Assign the role to every application, all or nothing. `Taken(role_application)` names an
/// application that has the role already; `Stale` means an app changed since it was read.
pub async fn insert(store: &dyn Store, role_id: &str, apps: &[Versioned<ApplicationRecord>]) -> Result<(), WriteError> {
    let mut groups = Vec::with_capacity(apps.len());
    let mut seen = std::collections::BTreeSet::new();
    for app in apps.iter().filter(|a| seen.insert(a.value.app.id.as_str())) {
        let mut next = app.value.clone();
        if !next.role_ids.iter().any(|r| r == role_id) {
            next.role_ids.push(role_id.to_owned());
        }
        let mut group = application::update_ops(app, &next)?;
        group.push(table::put(keys::role_application(role_id, &next.app.id), Vec::new(), Condition::IfAbsent));
        groups.push(group);
    }
    table::commit_grouped(store, groups, Vec::new(), &[]).await.map_err(|e| match e {
        StoreError::Conflict { key } if key.is_under(&keys::role_applications(role_id)) => WriteError::Taken(key),
        StoreError::Conflict { .. } => WriteError::Stale,
        other => WriteError::Internal(other.into()),
    })
}

/// Set one application's roles: add `add` and remove `remove` in one commit (the app record
/// and every relation key). `Stale` means the app changed since it was read.
pub async fn replace_for_application(
    store: &dyn Store,
    app: &Versioned<ApplicationRecord>,
    add: &[String],
    remove: &[String],
) -> Result<(), WriteError> {
    let mut next = app.value.clone();
    next.role_ids.retain(|r| !remove.contains(r));
    let mut ops = Vec::with_capacity(add.len() + remove.len() + 2);
    for role_id in remove {
        ops.push(table::delete(keys::role_application(role_id, &next.app.id)));
    }
    for role_id in add {
        if !next.role_ids.contains(role_id) {
            next.role_ids.push(role_id.clone());
            ops.push(table::put(keys::role_application(role_id, &next.app.id), Vec::new(), Condition::Always));
        }
    }
    ops.extend(application::update_ops(app, &next)?);
    store.commit(ops).await.map_err(|e| match e {
        StoreError::Conflict { .. } => WriteError::Stale,
        other => WriteError::Internal(other.into()),
    })
}

/// Remove the role from the application (idempotent on the relation).
pub async fn delete(store: &dyn Store, role_id: &str, app: &Versioned<ApplicationRecord>) -> Result<(), WriteError> {
    let mut next = app.value.clone();
    next.role_ids.retain(|r| r != role_id);
    let mut ops = application::update_ops(app, &next)?;
    ops.push(table::delete(keys::role_application(role_id, &next.app.id)));
    store.commit(ops).await.map_err(|e| match e {
        StoreError::Conflict { .. } => WriteError::Stale,
        other => WriteError::Internal(other.into()),
    })
}

/// Ids of the applications holding the role, ordered by id.
pub async fn list_application_ids(store: &dyn Store, role_id: &str) -> Result<Vec<String>, Internal> {
    Ok(table::list_keys(store, &keys::role_applications(role_id)).await?.iter().map(|k| k.last_segment()).collect())
}
