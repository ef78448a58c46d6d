//! Which scopes a role grants (Logto's `roles_scopes`), stored in both directions.
//!
//! `role_scope/<role>/<resource>/<scope>` holds the scope's name, so the token endpoint gets
//! the names one role grants for one resource with a single prefix listing.

use super::application::{ApplicationRecord, WriteError};
use super::scope::Scope;
use super::table;
use crate::error::Internal;
use crate::store::{Condition, Store, StoreError, WriteOp, keys};

/// A role's grant of one scope: (resource id, scope id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub resource_id: String,
    pub scope_id: String,
}

/// The ops that grant `scope` to the role; they fail with `Conflict` if it is granted already.
pub(crate) fn insert_ops(role_id: &str, scope: &Scope) -> Result<Vec<WriteOp>, Internal> {
    Ok(vec![
        table::put(
            keys::role_scope(role_id, &scope.resource_id, &scope.id),
            table::encode(&scope.name)?,
            Condition::IfAbsent,
        ),
        table::put(keys::scope_role(&scope.id, role_id), Vec::new(), Condition::IfAbsent),
    ])
}

/// Grant every scope, all or nothing (when the store's batch allows). `Taken(role_scope)`
/// names one that was granted already.
pub async fn insert(store: &dyn Store, role_id: &str, scopes: &[Scope]) -> Result<(), WriteError> {
    let mut groups = Vec::with_capacity(scopes.len());
    let mut seen = std::collections::BTreeSet::new();
    for scope in scopes.iter().filter(|s| seen.insert(s.id.as_str())) {
        groups.push(insert_ops(role_id, scope)?);
    }
    table::commit_grouped(store, groups, Vec::new(), &[]).await.map_err(|e| match e {
        StoreError::Conflict { key } => WriteError::Taken(key),
        other => WriteError::Internal(other.into()),
    })
}

/// Revoke one scope from the role (idempotent).
pub async fn delete(store: &dyn Store, role_id: &str, scope: &Scope) -> Result<(), Internal> {
    let ops = vec![
        table::delete(keys::role_scope(role_id, &scope.resource_id, &scope.id)),
        table::delete(keys::scope_role(&scope.id, role_id)),
    ];
    Ok(store.commit(ops).await?)
}

/// Every grant of the role, ordered by resource then scope id.
pub async fn list(store: &dyn Store, role_id: &str) -> Result<Vec<Grant>, Internal> {
    let keys = table::list_keys(store, &keys::role_scopes(role_id)).await?;
    Ok(keys
        .into_iter()
        .filter_map(|key| match key.segments().as_slice() {
            [_, _, resource_id, scope_id] => {
                Some(Grant { resource_id: resource_id.clone(), scope_id: scope_id.clone() })
            }
            _ => None,
        })
        .collect())
}

pub async fn contains(store: &dyn Store, role_id: &str, scope: &Scope) -> Result<bool, Internal> {
    Ok(store.get(&keys::role_scope(role_id, &scope.resource_id, &scope.id)).await?.is_some())
}

/// The token endpoint's question: which scope names do the app's M2M roles grant for this
/// resource? One prefix listing per assigned role, run concurrently. Sorted, no duplicates.
pub async fn names_for_application(
    store: &dyn Store,
    app: &ApplicationRecord,
    resource_id: &str,
) -> Result<Vec<String>, Internal> {
    let lists = app.role_ids.iter().map(|role_id| async move {
        table::list::<String>(store, &keys::role_scopes_for_resource(role_id, resource_id), None).await
    });
    let mut names: Vec<String> = futures::future::try_join_all(lists).await?.into_iter().flatten().collect();
    names.sort_unstable();
    names.dedup();
    Ok(names)
}

/// The same question for a user's JWT access token: which scope names do the user's roles
/// grant for this resource? (Logto's `findUserScopesForResourceIndicator`, without
/// organizations.) One prefix listing per role, run concurrently. Sorted, no duplicates.
pub async fn names_for_user(
    store: &dyn Store,
    user: &super::user::UserRecord,
    resource_id: &str,
) -> Result<Vec<String>, Internal> {
    let lists = user.role_ids.iter().map(|role_id| async move {
        table::list::<String>(store, &keys::role_scopes_for_resource(role_id, resource_id), None).await
    });
    let mut names: Vec<String> = futures::future::try_join_all(lists).await?.into_iter().flatten().collect();
    names.sort_unstable();
    names.dedup();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::{ApplicationRecord, ApplicationType};
    use crate::domain::role::{self, RoleRecord, RoleType};
    use crate::domain::testing::store;
    use crate::domain::{application, role_application};

    fn scope(id: &str, resource: &str, name: &str) -> Scope {
        Scope::new(id.into(), resource.into(), name.into(), None, 1)
    }

    #[tokio::test]
    async fn an_app_gets_exactly_what_its_roles_grant_for_the_resource() {
        let store = store();
        let (read, write, other) = (scope("s1", "api", "read"), scope("s2", "api", "write"), scope("s3", "other", "x"));
        role::insert(
            &store,
            &RoleRecord::new("ra".into(), "A".into(), "d".into(), RoleType::MachineToMachine, 1),
            &[read.clone(), other],
        )
        .await
        .unwrap();
        role::insert(
            &store,
            &RoleRecord::new("rb".into(), "B".into(), "d".into(), RoleType::MachineToMachine, 2),
            &[read, write.clone()],
        )
        .await
        .unwrap();
        role::insert(
            &store,
            &RoleRecord::new("rc".into(), "C".into(), "d".into(), RoleType::MachineToMachine, 3),
            &[write],
        )
        .await
        .unwrap();
        application::insert(
            &store,
            &ApplicationRecord::new("app".into(), "M".into(), ApplicationType::MachineToMachine, 1),
        )
        .await
        .unwrap();
        for role_id in ["ra", "rb"] {
            let app = application::find(&store, "app").await.unwrap().unwrap();
            role_application::insert(&store, role_id, &[app]).await.unwrap();
        }
        let app = application::find(&store, "app").await.unwrap().unwrap().value;
        assert_eq!(names_for_application(&store, &app, "api").await.unwrap(), ["read", "write"]);
        assert_eq!(names_for_application(&store, &app, "other").await.unwrap(), ["x"]);
        assert!(names_for_application(&store, &app, "nope").await.unwrap().is_empty());

        // Removing role B drops `write`; deleting role A drops the rest.
        let current = application::find(&store, "app").await.unwrap().unwrap();
        role_application::delete(&store, "rb", &current).await.unwrap();
        let app = application::find(&store, "app").await.unwrap().unwrap().value;
        assert_eq!(names_for_application(&store, &app, "api").await.unwrap(), ["read"]);
        let ra = role::find(&store, "ra").await.unwrap().unwrap();
        role::delete(&store, &ra).await.unwrap();
        let app = application::find(&store, "app").await.unwrap().unwrap().value;
        assert!(app.role_ids.is_empty());
        assert!(names_for_application(&store, &app, "api").await.unwrap().is_empty());
        assert!(role_application::list_application_ids(&store, "ra").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn granting_an_already_granted_scope_writes_nothing() {
        let store = store();
        let (a, b) = (scope("s1", "api", "a"), scope("s2", "api", "b"));
        insert(&store, "r", std::slice::from_ref(&a)).await.unwrap();
        let err = insert(&store, "r", &[b.clone(), a]).await.unwrap_err();
        assert!(matches!(err, WriteError::Taken(_)));
        assert!(!contains(&store, "r", &b).await.unwrap());
        assert_eq!(list(&store, "r").await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn renaming_a_scope_renames_what_roles_grant() {
        let store = store();
        let s = scope("s1", "api", "read");
        crate::domain::scope::insert(&store, &s).await.unwrap();
        insert(&store, "r", std::slice::from_ref(&s)).await.unwrap();
        let current = crate::domain::scope::find(&store, "s1").await.unwrap().unwrap();
        let mut next = current.value.clone();
        next.name = "read:all".into();
        crate::domain::scope::update(&store, &current, &next).await.unwrap();
        let mut app = ApplicationRecord::new("a".into(), "a".into(), ApplicationType::MachineToMachine, 1);
        app.role_ids.push("r".into());
        assert_eq!(names_for_application(&store, &app, "api").await.unwrap(), ["read:all"]);
    }

    /// On a store that takes few writes per transaction, big cascades still complete.
    #[tokio::test]
    async fn cascades_larger_than_one_batch_complete() {
        use crate::domain::resource::{self, ResourceRecord};
        use crate::domain::testing::SmallBatch;
        let store = SmallBatch(store(), 6);
        resource::insert(&store, &ResourceRecord::new("api".into(), "A".into(), "https://a".into(), 60, 1))
            .await
            .unwrap();
        let scopes: Vec<Scope> = (0..8).map(|i| scope(&format!("s{i}"), "api", &format!("n{i}"))).collect();
        for s in &scopes {
            crate::domain::scope::insert(&store, s).await.unwrap();
        }
        role::insert(
            &store,
            &RoleRecord::new("r".into(), "R".into(), "d".into(), RoleType::MachineToMachine, 1),
            &scopes,
        )
        .await
        .unwrap();
        role::insert(
            &store,
            &RoleRecord::new("r2".into(), "R2".into(), "d".into(), RoleType::MachineToMachine, 1),
            &scopes,
        )
        .await
        .unwrap();
        let mut apps = Vec::new();
        for i in 0..4 {
            let id = format!("app{i}");
            application::insert(
                &store,
                &ApplicationRecord::new(id.clone(), id.clone(), ApplicationType::MachineToMachine, 1),
            )
            .await
            .unwrap();
            apps.push(application::find(&store, &id).await.unwrap().unwrap());
        }
        role_application::insert(&store, "r", &apps).await.unwrap();
        let app = application::find(&store, "app0").await.unwrap().unwrap().value;
        assert_eq!(names_for_application(&store, &app, "api").await.unwrap().len(), 8);

        let current = role::find(&store, "r").await.unwrap().unwrap();
        role::delete(&store, &current).await.unwrap();
        assert!(role::find(&store, "r").await.unwrap().is_none());
        for i in 0..4 {
            assert!(application::find(&store, &format!("app{i}")).await.unwrap().unwrap().value.role_ids.is_empty());
        }
        assert!(list(&store, "r").await.unwrap().is_empty());

        let current = resource::find(&store, "api").await.unwrap().unwrap();
        resource::delete(&store, &current).await.unwrap();
        assert!(list(&store, "r2").await.unwrap().is_empty());
        assert!(crate::domain::scope::find(&store, "s3").await.unwrap().is_none());
        assert_eq!(crate::domain::scope::count(&store, "api").await.unwrap(), 0);
    }
}
