use std::sync::Arc;

use super::*;
use crate::domain::testing::store;

fn user(id: &str, username: Option<&str>, email: Option<&str>, phone: Option<&str>) -> UserRecord {
    let mut u = UserRecord::new(id.into(), 1_000);
    u.username = username.map(Into::into);
    u.primary_email = email.map(Into::into);
    u.primary_phone = phone.map(Into::into);
    u
}

/// Two creates that both passed every check race on the same identifier: exactly one wins,
/// and the loser leaves nothing behind (no record, no index, no list copy, no count).
#[tokio::test]
async fn two_concurrent_creates_exactly_one_wins() {
    for (a, b, taken) in [
        (user("u1", Some("alice"), None, None), user("u2", Some("alice"), None, None), Identifier::Username),
        (user("u1", None, Some("A@x.io"), None), user("u2", Some("b"), Some("a@X.io"), None), Identifier::Email),
        (user("u1", None, None, Some("15551234")), user("u2", None, None, Some("15551234")), Identifier::Phone),
    ] {
        let store = Arc::new(store());
        // Joined, not spawned: the store's futures are not `Send` on wasm32 (these tests also
        // run there), and on one thread both interleave at their awaits just the same.
        let (r1, r2) = tokio::join!(insert_record(store.as_ref(), &a), insert_record(store.as_ref(), &b));
        let results = [r1, r2];
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().any(|r| *r == Err(UserError::Taken(taken.clone()))), "{results:?}");
        assert_eq!(count(store.as_ref()).await.unwrap(), 1);
        assert_eq!(list(store.as_ref(), None).await.unwrap().len(), 1);
        let winner = if results[0].is_ok() { "u1" } else { "u2" };
        let loser = if winner == "u1" { "u2" } else { "u1" };
        assert!(find(store.as_ref(), loser).await.unwrap().is_none());
        assert!(find(store.as_ref(), winner).await.unwrap().is_some());
        // The loser's other identifiers were not claimed either ("b" in the email case).
        assert!(find_by_username(store.as_ref(), "b").await.unwrap().is_none() || winner == "u2");
    }
}

#[tokio::test]
async fn many_concurrent_creates_of_one_username_one_winner() {
    let store = Arc::new(store());
    let users: Vec<_> = (0..16).map(|i| user(&format!("u{i}"), Some("same"), None, None)).collect();
    let results = futures::future::join_all(users.iter().map(|u| insert_record(store.as_ref(), u))).await;
    let mut wins = 0;
    for result in results {
        match result {
            Ok(()) => wins += 1,
            Err(e) => assert_eq!(e, UserError::Taken(Identifier::Username)),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(count(store.as_ref()).await.unwrap(), 1);
}

#[tokio::test]
async fn lookups_follow_logtos_case_rules() {
    let store = store();
    insert_record(&store, &user("u1", Some("Alice"), Some("Alice@Example.com"), Some("15550001"))).await.unwrap();
    assert_eq!(find_by_email(&store, "alice@example.COM").await.unwrap().unwrap().value.id, "u1");
    assert_eq!(find_by_username(&store, "Alice").await.unwrap().unwrap().value.id, "u1");
    // Usernames are case-sensitive by default (Logto's `usernamePolicy.caseSensitive: true`).
    assert!(find_by_username(&store, "alice").await.unwrap().is_none());
    insert_record(&store, &user("u2", Some("alice"), None, None)).await.unwrap();
    assert_eq!(find_by_phone(&store, "15550001").await.unwrap().unwrap().value.id, "u1");
}

#[tokio::test]
async fn an_update_moves_its_identifiers_in_one_commit() {
    let store = store();
    insert_record(&store, &user("u1", Some("alice"), Some("a@x.io"), None)).await.unwrap();
    insert_record(&store, &user("u2", Some("bob"), None, None)).await.unwrap();

    // Taking bob's username fails and changes nothing (the email change is not applied either).
    let current = find(&store, "u1").await.unwrap().unwrap();
    let mut next = current.value.clone();
    next.username = Some("bob".into());
    next.primary_email = Some("new@x.io".into());
    assert_eq!(update(&store, &current, &next).await, Err(UserError::Taken(Identifier::Username)));
    assert!(find_by_email(&store, "new@x.io").await.unwrap().is_none());
    assert_eq!(find_by_email(&store, "a@x.io").await.unwrap().unwrap().value.id, "u1");

    // A free username: the old one is released, the new one claimed.
    next.username = Some("carol".into());
    next.primary_email = None;
    update(&store, &current, &next).await.unwrap();
    assert!(find_by_username(&store, "alice").await.unwrap().is_none());
    assert!(find_by_email(&store, "a@x.io").await.unwrap().is_none());
    assert_eq!(find_by_username(&store, "carol").await.unwrap().unwrap().value.id, "u1");
    insert_record(&store, &user("u3", Some("alice"), Some("a@x.io"), None)).await.unwrap();

    // A stale write is refused.
    assert_eq!(update(&store, &current, &next).await, Err(UserError::Stale));
}

#[tokio::test]
async fn delete_releases_everything() {
    let store = store();
    let mut u = user("u1", Some("alice"), Some("a@x.io"), Some("1555"));
    u.identities.insert("github".into(), Identity { user_id: "gh1".into(), details: None });
    u.role_ids.push("r1".into());
    insert_record(&store, &u).await.unwrap();
    assert_eq!(crate::domain::role_user::list_user_ids(&store, "r1").await.unwrap(), ["u1"]);
    assert_eq!(find_by_identity(&store, "github", "gh1").await.unwrap().unwrap().value.id, "u1");
    let current = find(&store, "u1").await.unwrap().unwrap();
    delete(&store, &current).await.unwrap();
    assert!(find(&store, "u1").await.unwrap().is_none());
    assert_eq!(count(&store).await.unwrap(), 0);
    assert!(list(&store, None).await.unwrap().is_empty());
    assert!(crate::domain::role_user::list_user_ids(&store, "r1").await.unwrap().is_empty());
    // Every identifier is free again.
    insert_record(&store, &u).await.unwrap();
}

#[test]
fn the_wire_shape_is_logtos() {
    let mut u = user("u1", Some("alice"), None, None);
    u.password_digest = Some("$argon2id$x".into());
    u.password_algorithm = Some(Algorithm::Argon2id);
    let json = serde_json::to_value(u.response()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "id": "u1", "username": "alice", "primaryEmail": null, "primaryPhone": null, "name": null,
            "avatar": null, "customData": {}, "identities": {}, "lastSignInAt": null, "createdAt": 1000,
            "updatedAt": 1000, "profile": {}, "applicationId": null, "cimdClientId": null,
            "isSuspended": false, "hasPassword": true
        })
    );
    let with_hash = serde_json::to_value(UserResponse::new(&u, true)).unwrap();
    assert_eq!(with_hash["passwordDigest"], "$argon2id$x");
    assert_eq!(with_hash["passwordAlgorithm"], "Argon2id");
}

#[cfg(feature = "ring")]
mod with_app {
    use super::*;

    #[tokio::test]
    async fn insert_hashes_assigns_default_roles_and_verify_upgrades_legacy_digests() {
        let app = crate::testing::app();
        let mut default = role::RoleRecord::new("rd".into(), "default".into(), "d".into(), RoleType::User, 1);
        default.role.is_default = true;
        role::insert(app.store.as_ref(), &default, &[]).await.unwrap();

        let created = insert(
            &app,
            NewUser {
                primary_phone: Some("610412345678".into()),
                username: Some("alice".into()),
                password: Some(NewPassword::Plain("pw-1".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(created.id.len(), 12);
        assert_eq!(created.primary_phone.as_deref(), Some("61412345678"));
        assert_eq!(find_by_phone(app.store.as_ref(), "610412345678").await.unwrap().unwrap().value.id, created.id);
        assert_eq!(created.role_ids, ["rd"]);
        assert_eq!(created.password_algorithm, Some(Algorithm::Argon2id));
        let current = find(app.store.as_ref(), &created.id).await.unwrap().unwrap();
        assert_eq!(verify_password(&app, &current, "pw-1").await.unwrap(), PasswordCheck::Valid);
        assert_eq!(verify_password(&app, &current, "pw-2").await.unwrap(), PasswordCheck::Invalid);

        // An imported MD5 digest: verified, then replaced by Argon2id.
        let imported = insert(
            &app,
            NewUser {
                username: Some("bob".into()),
                password: Some(NewPassword::Digest(
                    password::check_import("5f4dcc3b5aa765d61d8327deb882cf99", Algorithm::Md5).unwrap(),
                )),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let current = find(app.store.as_ref(), &imported.id).await.unwrap().unwrap();
        assert_eq!(verify_password(&app, &current, "wrong").await.unwrap(), PasswordCheck::Invalid);
        assert_eq!(verify_password(&app, &current, "password").await.unwrap(), PasswordCheck::Valid);
        let upgraded = find(app.store.as_ref(), &imported.id).await.unwrap().unwrap();
        assert_eq!(upgraded.value.password_algorithm, Some(Algorithm::Argon2id));
        assert_eq!(verify_password(&app, &upgraded, "password").await.unwrap(), PasswordCheck::Valid);

        record_sign_in(&app, &imported.id).await.unwrap();
        let signed_in = find(app.store.as_ref(), &imported.id).await.unwrap().unwrap();
        assert_eq!(signed_in.value.last_sign_in_at, Some(crate::testing::T0));
    }
}
