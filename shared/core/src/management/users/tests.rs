use serde_json::{Value, json};

use crate::management::testing::TestApp;

async fn create(t: &TestApp, body: Value) -> Value {
    let reply = t.call("POST", "/api/users", body).await;
    TestApp::ok(&reply, 200);
    reply.json
}

#[tokio::test]
async fn create_get_update_delete_in_logtos_shape() {
    let t = TestApp::seeded().await;
    let user = create(
        &t,
        json!({"username": "alice", "primaryEmail": "Alice@Example.com", "primaryPhone": "15551234567",
               "password": "s3cret", "name": "Alice", "avatar": "https://a.example/a.png",
               "customData": {"plan": "pro"}, "profile": {"givenName": "A", "address": {"country": "US"}}}),
    )
    .await;
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 12);
    assert_eq!(
        user,
        json!({"id": id, "username": "alice", "primaryEmail": "Alice@Example.com", "primaryPhone": "15551234567",
               "name": "Alice", "avatar": "https://a.example/a.png", "customData": {"plan": "pro"},
               "identities": {}, "lastSignInAt": null, "createdAt": 1_700_000_000_000_i64,
               "updatedAt": 1_700_000_000_000_i64, "profile": {"givenName": "A", "address": {"country": "US"}},
               "applicationId": null, "cimdClientId": null, "isSuspended": false, "hasPassword": true})
    );
    let got = t.call("GET", &format!("/api/users/{id}?includePasswordHash=true"), Value::Null).await;
    assert_eq!(got.json["passwordAlgorithm"], "Argon2id");
    assert!(got.json["passwordDigest"].as_str().unwrap().starts_with("$argon2id$"));
    assert!(t.call("GET", &format!("/api/users/{id}"), Value::Null).await.json.get("passwordDigest").is_none());

    // Duplicates: Logto's 422s (email case-insensitively).
    for (body, code) in [
        (json!({"username": "alice"}), "user.username_already_in_use"),
        (json!({"primaryEmail": "alice@example.COM"}), "user.email_already_in_use"),
        (json!({"primaryPhone": "15551234567"}), "user.phone_already_in_use"),
    ] {
        assert_eq!(t.call("POST", "/api/users", body).await.error(), (422, code));
    }
    // Logto's input rules.
    for body in [
        json!({"username": "1alice"}),
        json!({"username": "a-b"}),
        json!({"primaryEmail": "nope"}),
        json!({"primaryPhone": "+1555"}),
        json!({"password": ""}),
        json!({"avatar": "not a url"}),
        json!({"passwordAlgorithm": "Rot13", "passwordDigest": "x"}),
        json!({"profile": {"givenName": 5}}),
        json!({"username": 5}),
    ] {
        assert_eq!(t.call("POST", "/api/users", body.clone()).await.error(), (400, "guard.invalid_input"), "{body}");
    }
    assert_eq!(
        t.call("POST", "/api/users", json!({"password": "a", "passwordDigest": "b", "passwordAlgorithm": "MD5"}))
            .await
            .error(),
        (400, "user.password_and_digest")
    );
    assert_eq!(
        t.call("POST", "/api/users", json!({"passwordDigest": "b"})).await.error(),
        (400, "user.password_algorithm_required")
    );

    // Phones are stored as Logto stores them (national trunk `0` dropped) and match in both forms.
    let au = create(&t, json!({"primaryPhone": "610412345678"})).await;
    assert_eq!(au["primaryPhone"], "61412345678");
    assert_eq!(
        t.call("POST", "/api/users", json!({"primaryPhone": "61412345678"})).await.error(),
        (422, "user.phone_already_in_use")
    );
    assert_eq!(
        t.call("POST", "/api/users", json!({"primaryPhone": "99999"})).await.error(),
        (422, "user.invalid_phone")
    );

    assert_eq!(t.call("PATCH", &format!("/api/users/{id}"), json!({})).await.error(), (422, "entity.invalid_input"));
    let expire = t.call("PATCH", &format!("/api/users/{id}/password/expiration"), json!({"isExpired": true})).await;
    assert_eq!(expire.error(), (400, "sign_in_experiences.password_expiration_not_enabled"));
    TestApp::ok(
        &t.call("PATCH", &format!("/api/users/{id}/password/expiration"), json!({"isExpired": false})).await,
        200,
    );

    // PATCH replaces; null (and "" for identifiers) clears; the old username is free again at once.
    t.clock.advance_ms(5);
    let patched = t
        .call(
            "PATCH",
            &format!("/api/users/{id}"),
            json!({"username": "alice2", "primaryPhone": null, "name": "", "customData": {"a": 1}}),
        )
        .await;
    TestApp::ok(&patched, 200);
    assert_eq!(patched.json["username"], "alice2");
    assert_eq!(patched.json["primaryPhone"], Value::Null);
    assert_eq!(patched.json["name"], ""); // Logto stores an empty name as given
    assert_eq!(patched.json["customData"], json!({"a": 1}));
    assert_eq!(patched.json["updatedAt"], 1_700_000_000_005_i64);
    let bob = create(&t, json!({"username": "alice", "primaryPhone": "15551234567"})).await;
    let bob_id = bob["id"].as_str().unwrap();
    assert_eq!(
        t.call("PATCH", &format!("/api/users/{bob_id}"), json!({"primaryEmail": "ALICE@example.com"})).await.error(),
        (422, "user.email_already_in_use")
    );
    assert_eq!(t.call("PATCH", "/api/users/nobody", json!({"name": "x"})).await.error(), (404, "entity.not_found"));

    // Delete frees every identifier; self-deletion is refused.
    assert_eq!(t.call("DELETE", "/api/users/admin", Value::Null).await.error(), (400, "user.cannot_delete_self"));
    TestApp::ok(&t.call("DELETE", &format!("/api/users/{id}"), Value::Null).await, 204);
    assert_eq!(t.call("GET", &format!("/api/users/{id}"), Value::Null).await.error(), (404, "entity.not_found"));
    assert_eq!(t.call("DELETE", &format!("/api/users/{id}"), Value::Null).await.error(), (404, "entity.not_found"));
    create(&t, json!({"username": "alice2", "primaryEmail": "alice@example.com"})).await;
}

#[tokio::test]
async fn two_concurrent_creates_of_one_username_one_wins() {
    let t = TestApp::seeded().await;
    let (a, b) = tokio::join!(
        t.call("POST", "/api/users", json!({"username": "race", "primaryEmail": "a@x.io"})),
        t.call("POST", "/api/users", json!({"username": "race", "primaryEmail": "b@x.io"})),
    );
    let statuses = [a.status.as_u16(), b.status.as_u16()];
    assert!(statuses.contains(&200) && statuses.contains(&422), "{statuses:?}");
    let list = t.call("GET", "/api/users", Value::Null).await;
    assert_eq!(list.headers["total-number"], "1");
    // The loser's email was not claimed.
    let loser_email = if a.status == 422 { "a@x.io" } else { "b@x.io" };
    create(&t, json!({"primaryEmail": loser_email})).await;
}

#[tokio::test]
async fn list_pages_newest_first_and_searches() {
    let t = TestApp::seeded().await;
    for (i, name) in ["ann", "bob", "cid"].iter().enumerate() {
        t.clock.advance_ms(1);
        create(&t, json!({"username": name, "primaryEmail": format!("{name}@x.io"), "name": format!("User {i}")}))
            .await;
    }
    let page = t.call("GET", "/api/users?page=1&page_size=2", Value::Null).await;
    assert_eq!(page.headers["total-number"], "3");
    let names: Vec<_> = page.json.as_array().unwrap().iter().map(|u| u["username"].clone()).collect();
    assert_eq!(names, [json!("cid"), json!("bob")]);
    let found = t.call("GET", "/api/users?search=%25bo%25", Value::Null).await;
    assert_eq!(found.headers["total-number"], "1");
    assert_eq!(found.json[0]["username"], "bob");
    let exact = t.call("GET", "/api/users?search.primaryEmail=ann@x.io&mode.primaryEmail=exact", Value::Null).await;
    assert_eq!(exact.json.as_array().unwrap().len(), 1);
    assert_eq!(
        t.call("GET", "/api/users?search.password=x", Value::Null).await.error(),
        (400, "request.invalid_input")
    );
    assert_eq!(
        t.call("GET", "/api/users?excludeRoleId=a&excludeOrganizationId=b", Value::Null).await.error(),
        (400, "request.invalid_input")
    );
    assert_eq!(t.call("GET", "/api/users?page=0", Value::Null).await.error(), (400, "guard.invalid_pagination"));
    let hashed = t.call("GET", "/api/users?includePasswordHash=true", Value::Null).await;
    assert_eq!(hashed.json[0]["passwordDigest"], Value::Null);
}

#[tokio::test]
async fn passwords_set_verify_import_and_upgrade() {
    let t = TestApp::seeded().await;
    let id = create(&t, json!({"username": "u"})).await["id"].as_str().unwrap().to_owned();
    let has = t.call("GET", &format!("/api/users/{id}/has-password"), Value::Null).await;
    assert_eq!(has.json, json!({"hasPassword": false}));
    let verify_path = format!("/api/users/{id}/password/verify");
    let verify = |pw: &str| t.call("POST", &verify_path, json!({"password": pw}));
    assert_eq!(verify("x").await.error(), (422, "session.invalid_credentials"));
    let set = t.call("PATCH", &format!("/api/users/{id}/password"), json!({"password": "n3w"})).await;
    TestApp::ok(&set, 200);
    assert_eq!(set.json["hasPassword"], true);
    TestApp::ok(&verify("n3w").await, 204);
    assert_eq!(verify("old").await.error(), (422, "session.invalid_credentials"));
    assert_eq!(verify("").await.error(), (400, "guard.invalid_input"));
    assert_eq!(
        t.call("POST", "/api/users/nobody/password/verify", json!({"password": "x"})).await.error(),
        (404, "entity.not_found")
    );

    // Imported digests: verified as Logto does, then re-hashed with Argon2id.
    for (algorithm, digest) in [
        ("MD5", "5f4dcc3b5aa765d61d8327deb882cf99"),
        ("SHA1", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"),
        ("SHA256", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"),
        ("Bcrypt", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i"),
        ("Argon2i", "$argon2i$v=19$m=8192,t=8,p=1$bG9ndG8tZGVjb3ktc2FsdA$mH8wiuxK7kCjJZJRxvXCN5BxUczufmGgV1stRYErj6w"),
        (
            "Legacy",
            r#"["sha256", ["salt123", "@"], "d833bc9900084e742ac71366b0f4f987beb70e8cd8b21a9baf999acc5079437f"]"#,
        ),
    ] {
        let password = match algorithm {
            "Bcrypt" => "abc",
            "Argon2i" => "logto-decoy-do-not-use",
            _ => "password",
        };
        let user = create(&t, json!({"passwordDigest": digest, "passwordAlgorithm": algorithm})).await;
        let uid = user["id"].as_str().unwrap();
        let path = format!("/api/users/{uid}/password/verify");
        assert_eq!(
            t.call("POST", &path, json!({"password": "wrong"})).await.error(),
            (422, "session.invalid_credentials")
        );
        let before = t.call("GET", &format!("/api/users/{uid}?includePasswordHash=1"), Value::Null).await;
        assert_eq!(before.json["passwordAlgorithm"], algorithm);
        TestApp::ok(&t.call("POST", &path, json!({"password": password})).await, 204);
        let after = t.call("GET", &format!("/api/users/{uid}?includePasswordHash=1"), Value::Null).await;
        assert_eq!(after.json["passwordAlgorithm"], "Argon2id", "{algorithm}");
        TestApp::ok(&t.call("POST", &path, json!({"password": password})).await, 204);
    }
    for (digest, code) in [
        ("not json", "password.invalid_legacy_password_format"),
        (r#"["sha256", ["salt"], "x"]"#, "password.invalid_legacy_password_format"),
        (r#"["nope", ["@"], "x"]"#, "password.unsupported_legacy_hash_algorithm"),
    ] {
        let reply =
            t.call("POST", "/api/users", json!({"passwordDigest": digest, "passwordAlgorithm": "Legacy"})).await;
        assert_eq!(reply.error(), (400, code), "{digest}");
    }
}

#[tokio::test]
async fn custom_data_profile_suspension_and_identities() {
    let t = TestApp::seeded().await;
    let id = create(&t, json!({"username": "u", "customData": {"a": 1, "b": {"c": 2}}})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let merged =
        t.call("PATCH", &format!("/api/users/{id}/custom-data"), json!({"customData": {"b": 3, "d": 4}})).await;
    assert_eq!(merged.json, json!({"a": 1, "b": 3, "d": 4}));
    assert_eq!(t.call("GET", &format!("/api/users/{id}/custom-data"), Value::Null).await.json, merged.json);
    assert_eq!(
        t.call("PATCH", &format!("/api/users/{id}/custom-data"), json!({"customData": [1]})).await.error(),
        (400, "guard.invalid_input")
    );
    t.call("PATCH", &format!("/api/users/{id}/profile"), json!({"profile": {"givenName": "G"}})).await;
    let profile = t.call("PATCH", &format!("/api/users/{id}/profile"), json!({"profile": {"familyName": "F"}})).await;
    assert_eq!(profile.json, json!({"givenName": "G", "familyName": "F"}));

    let suspended = t.call("PATCH", &format!("/api/users/{id}/is-suspended"), json!({"isSuspended": true})).await;
    assert_eq!(suspended.json["isSuspended"], true);
    assert_eq!(
        t.call("PATCH", &format!("/api/users/{id}/is-suspended"), json!({"isSuspended": "yes"})).await.error(),
        (400, "guard.invalid_input")
    );

    let path = format!("/api/users/{id}/identities/github");
    let linked = t.call("PUT", &path, json!({"userId": "gh-1", "details": {"email": "u@gh"}})).await;
    TestApp::ok(&linked, 201);
    assert_eq!(linked.json, json!({"github": {"userId": "gh-1", "details": {"email": "u@gh"}}}));
    TestApp::ok(&t.call("PUT", &path, json!({"userId": "gh-2"})).await, 200);
    assert_eq!(t.call("GET", &path, Value::Null).await.json, json!({"identity": {"userId": "gh-2"}}));
    // Another user cannot take the same social account.
    let other = create(&t, json!({"username": "v"})).await["id"].as_str().unwrap().to_owned();
    assert_eq!(
        t.call("PUT", &format!("/api/users/{other}/identities/github"), json!({"userId": "gh-2"})).await.error(),
        (422, "user.identity_already_in_use")
    );
    let unlinked = t.call("DELETE", &path, Value::Null).await;
    TestApp::ok(&unlinked, 200);
    assert_eq!(unlinked.json["identities"], json!({}));
    assert_eq!(t.call("DELETE", &path, Value::Null).await.error(), (404, "user.identity_not_exist"));
    TestApp::ok(&t.call("PUT", &format!("/api/users/{other}/identities/github"), json!({"userId": "gh-2"})).await, 201);
}

#[tokio::test]
async fn user_roles_both_directions() {
    let t = TestApp::seeded().await;
    let role =
        |name: &str, kind: &str| t.call("POST", "/api/roles", json!({"name": name, "description": "d", "type": kind}));
    let editor = role("editor", "User").await.json["id"].as_str().unwrap().to_owned();
    t.clock.advance_ms(1);
    let viewer = role("viewer", "User").await.json["id"].as_str().unwrap().to_owned();
    let machine = role("machine", "MachineToMachine").await.json["id"].as_str().unwrap().to_owned();
    let id = create(&t, json!({"username": "u"})).await["id"].as_str().unwrap().to_owned();
    let roles_path = format!("/api/users/{id}/roles");

    let added = t.call("POST", &roles_path, json!({"roleIds": [editor]})).await;
    TestApp::ok(&added, 201);
    assert_eq!(added.json, json!({"roleIds": [editor], "addedRoleIds": [editor]}));
    let again = t.call("POST", &roles_path, json!({"roleIds": [editor, viewer]})).await;
    assert_eq!(again.json["addedRoleIds"], json!([viewer]));
    assert_eq!(
        t.call("POST", &roles_path, json!({"roleIds": [machine]})).await.error(),
        (422, "user.invalid_role_type")
    );
    assert_eq!(
        t.call("POST", &roles_path, json!({"roleIds": ["missing"]})).await.error(),
        (404, "entity.not_exists_with_id")
    );
    let listed = t.call("GET", &roles_path, Value::Null).await;
    assert_eq!(listed.headers["total-number"], "2");
    assert_eq!(listed.json[0]["name"], "editor");

    let by_role = t.call("GET", &format!("/api/roles/{editor}/users"), Value::Null).await;
    assert_eq!(by_role.headers["total-number"], "1");
    assert_eq!(by_role.json[0]["id"], id.as_str());
    let role_list = t.call("GET", "/api/roles?search.name=editor&mode=exact", Value::Null).await;
    assert_eq!(role_list.json[0]["usersCount"], 1);
    assert_eq!(role_list.json[0]["featuredUsers"], json!([{"id": id, "avatar": null, "name": null}]));
    let not_yet = t.call("GET", &format!("/api/roles?type=User&excludeUserId={id}"), Value::Null).await;
    assert!(not_yet.json.as_array().unwrap().iter().all(|r| r["id"] != editor.as_str() && r["id"] != viewer.as_str()));

    let replaced = t.call("PUT", &roles_path, json!({"roleIds": [viewer, viewer]})).await;
    assert_eq!(replaced.json, json!({"roleIds": [viewer]}));
    assert_eq!(t.call("GET", &format!("/api/roles/{editor}/users"), Value::Null).await.headers["total-number"], "0");
    TestApp::ok(&t.call("DELETE", &format!("{roles_path}/{viewer}"), Value::Null).await, 204);
    assert_eq!(
        t.call("DELETE", &format!("{roles_path}/{viewer}"), Value::Null).await.error(),
        (404, "entity.not_found")
    );

    // From the role's side.
    let other = create(&t, json!({"username": "v"})).await["id"].as_str().unwrap().to_owned();
    let assign = t.call("POST", &format!("/api/roles/{editor}/users"), json!({"userIds": [id, other]})).await;
    TestApp::ok(&assign, 201);
    assert_eq!(
        t.call("POST", &format!("/api/roles/{editor}/users"), json!({"userIds": [id]})).await.error(),
        (422, "role.user_exists")
    );
    assert_eq!(
        t.call("POST", &format!("/api/roles/{machine}/users"), json!({"userIds": [id]})).await.error(),
        (422, "entity.db_constraint_violated")
    );
    assert_eq!(
        t.call("POST", &format!("/api/roles/{editor}/users"), json!({"userIds": ["ghost"]})).await.error(),
        (404, "entity.not_found")
    );
    TestApp::ok(&t.call("DELETE", &format!("/api/roles/{editor}/users/{other}"), Value::Null).await, 204);
    let excluded = t.call("GET", &format!("/api/users?excludeRoleId={editor}"), Value::Null).await;
    assert_eq!(excluded.headers["total-number"], "1");
    assert_eq!(excluded.json[0]["id"], other.as_str());

    // Deleting the role takes it from its users.
    TestApp::ok(&t.call("DELETE", &format!("/api/roles/{editor}"), Value::Null).await, 204);
    assert_eq!(t.call("GET", &roles_path, Value::Null).await.headers["total-number"], "0");
    let user = crate::domain::user::find(t.store.as_ref(), &id).await.unwrap().unwrap();
    assert!(user.value.role_ids.is_empty());
}

#[tokio::test]
async fn usernames_follow_the_sign_in_experiences_case_policy() {
    let t = TestApp::seeded().await;
    create(&t, json!({"username": "Alice"})).await;
    // Case-sensitive by default (Logto's seed): `alice` is another username.
    let lower = create(&t, json!({"username": "alice"})).await;
    assert_eq!(
        t.call("POST", "/api/users", json!({"username": "Alice"})).await.error(),
        (422, "user.username_already_in_use")
    );
    let policy = json!({"usernamePolicy": {"caseSensitive": false, "minLength": 1, "maxLength": 128,
        "allowedChars": {"lowercase": true, "uppercase": true, "numbers": true, "underscore": true}}});
    // Flipping to case-insensitive is refused while `Alice` and `alice` both exist (Logto's guard).
    assert_eq!(
        t.call("PATCH", "/api/sign-in-exp", policy.clone()).await.error(),
        (409, "sign_in_experiences.username_policy_case_conflicts_exist")
    );
    let lower_id = lower["id"].as_str().unwrap();
    TestApp::ok(&t.call("DELETE", &format!("/api/users/{lower_id}"), Value::Null).await, 204);
    TestApp::ok(&t.call("PATCH", "/api/sign-in-exp", policy).await, 200);
    assert_eq!(
        t.call("POST", "/api/users", json!({"username": "ALICE"})).await.error(),
        (422, "user.username_already_in_use")
    );
    let bob = create(&t, json!({"username": "bob"})).await;
    let bob_id = bob["id"].as_str().unwrap();
    assert_eq!(
        t.call("PATCH", &format!("/api/users/{bob_id}"), json!({"username": "ALICE"})).await.error(),
        (422, "user.username_already_in_use")
    );
    // Renaming oneself by case only is fine.
    TestApp::ok(&t.call("PATCH", &format!("/api/users/{bob_id}"), json!({"username": "Bob"})).await, 200);
    let found = crate::domain::user::find_by_username_as(t.store.as_ref(), "BOB", false).await.unwrap().unwrap();
    assert_eq!(found.value.id, bob_id);
    assert!(crate::domain::user::find_by_username_as(t.store.as_ref(), "BOB", true).await.unwrap().is_none());
    let exact = crate::domain::user::find_by_username_as(t.store.as_ref(), "alice", false).await.unwrap().unwrap();
    assert_eq!(exact.value.username.as_deref(), Some("Alice"));
}

#[tokio::test]
async fn logto_configs_default_to_false_and_merge() {
    let t = TestApp::seeded().await;
    let id = create(&t, json!({"username": "u"})).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/users/{id}/logto-configs");
    let initial = t.call("GET", &path, Value::Null).await;
    assert_eq!(
        initial.json,
        json!({"mfa": {"skipped": false, "skipMfaOnSignIn": false}, "passkeySignIn": {"skipped": false}})
    );
    t.call("PATCH", &path, json!({"mfa": {"enabled": true}})).await;
    let merged = t.call("PATCH", &path, json!({"passkeySignIn": {"skipped": true}, "mfa": {"skipped": true}})).await;
    assert_eq!(
        merged.json,
        json!({"mfa": {"enabled": true, "skipped": true, "skipMfaOnSignIn": false}, "passkeySignIn": {"skipped": true}})
    );
    assert_eq!(t.call("PATCH", &path, json!({"mfa": {"enabled": "yes"}})).await.error(), (400, "guard.invalid_input"));
}
