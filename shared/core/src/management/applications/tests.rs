use serde_json::{Value, json};

use crate::domain::application::{self, SecretCheck};
use crate::management::testing::{NOW, TestApp, request};

async fn create(t: &TestApp, body: Value) -> Value {
    let reply = t.call("POST", "/api/applications", body).await;
    TestApp::ok(&reply, 200);
    reply.json
}

#[tokio::test]
async fn create_get_update_delete() {
    let t = TestApp::new(true);
    let app = create(
        &t,
        json!({
            "name": "My SPA", "type": "SPA", "description": "d", "unknownField": 1,
            "oidcClientMetadata": {"redirectUris": ["https://app.example.com/cb"], "postLogoutRedirectUris": []},
            "customClientMetadata": {"idTokenTtl": 3600, "corsAllowedOrigins": ["https://app.example.com"]},
        }),
    )
    .await;
    let id = app["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 21);
    assert_eq!(app["tenantId"], "default");
    assert_eq!(app["type"], "SPA");
    assert_eq!(app["createdAt"], NOW);
    assert_eq!(
        app["customClientMetadata"],
        json!({"idTokenTtl": 3600, "corsAllowedOrigins": ["https://app.example.com"]})
    );
    assert_eq!(app["isThirdParty"], false);
    assert!(app.get("secret").is_none(), "SPAs have no secret");

    let got = t.call("GET", &format!("/api/applications/{id}"), Value::Null).await;
    TestApp::ok(&got, 200);
    assert_eq!(got.json["isAdmin"], false);
    assert_eq!(got.json["oidcClientMetadata"]["redirectUris"], json!(["https://app.example.com/cb"]));

    // PATCH replaces JSON columns wholesale and may clear `description`.
    let patched = t
        .call(
            "PATCH",
            &format!("/api/applications/{id}"),
            json!({"name": "Renamed", "description": null, "customClientMetadata": {"rotateRefreshToken": false}, "type": "Native"}),
        )
        .await;
    TestApp::ok(&patched, 200);
    assert_eq!(patched.json["name"], "Renamed");
    assert_eq!(patched.json["description"], Value::Null);
    assert_eq!(patched.json["type"], "SPA");
    assert_eq!(patched.json["customClientMetadata"], json!({"rotateRefreshToken": false}));
    assert_eq!(t.call("GET", &format!("/api/applications/{id}"), Value::Null).await.json["name"], "Renamed");

    let deleted = t.call("DELETE", &format!("/api/applications/{id}"), Value::Null).await;
    TestApp::ok(&deleted, 204);
    let gone = t.call("GET", &format!("/api/applications/{id}"), Value::Null).await;
    assert_eq!(gone.error(), (404, "entity.not_exists_with_id"));
    assert_eq!(gone.json["message"], format!("The applications with ID `{id}` does not exist."));
    assert_eq!(t.call("DELETE", &format!("/api/applications/{id}"), Value::Null).await.error().0, 404);
    assert_eq!(t.call("PATCH", &format!("/api/applications/{id}"), json!({})).await.error().0, 404);
}

#[tokio::test]
async fn confidential_apps_get_a_default_secret_shown_once() {
    let t = TestApp::new(true);
    let app = create(&t, json!({"name": "M2M", "type": "MachineToMachine"})).await;
    let id = app["id"].as_str().unwrap();
    let plaintext = app["secret"].as_str().unwrap().to_owned();
    assert_eq!(plaintext.len(), 32);

    let record = application::find(t.store.as_ref(), id).await.unwrap().unwrap().value;
    assert_eq!(record.verify_secret(&plaintext, NOW), SecretCheck::Valid);
    assert!(!serde_json::to_string(&record).unwrap().contains(&plaintext), "stored hashed");

    let list = t.call("GET", &format!("/api/applications/{id}/secrets"), Value::Null).await;
    TestApp::ok(&list, 200);
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    assert_eq!(list.json[0]["name"], "Default secret");
    assert_eq!(list.json[0]["applicationId"], id);
    assert_eq!(list.json[0]["expiresAt"], Value::Null);
    let masked = list.json[0]["value"].as_str().unwrap();
    assert_ne!(masked, plaintext);
    assert!(masked.starts_with(&plaintext[..4]) && masked.ends_with("****"));
    // The GET never shows it again either.
    let got = t.call("GET", &format!("/api/applications/{id}"), Value::Null).await;
    assert!(!got.json.to_string().contains(&plaintext));
}

#[tokio::test]
async fn secrets_create_rename_delete_and_expiry() {
    let t = TestApp::new(true);
    let id = create(&t, json!({"name": "Web", "type": "Traditional"})).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/applications/{id}/secrets");

    let created = t.call("POST", &path, json!({"name": "ci", "expiresAt": NOW + 1000})).await;
    TestApp::ok(&created, 201);
    let value = created.json["value"].as_str().unwrap().to_owned();
    assert_eq!(created.json["expiresAt"], NOW + 1000);
    let check = |t: &TestApp, at| {
        let id = id.clone();
        let value = value.clone();
        let store = t.store.clone();
        async move { application::find(store.as_ref(), &id).await.unwrap().unwrap().value.verify_secret(&value, at) }
    };
    assert_eq!(check(&t, NOW).await, SecretCheck::Valid);
    assert_eq!(check(&t, NOW + 1000).await, SecretCheck::Expired);
    assert_eq!(check(&t, NOW).await, SecretCheck::Valid);

    assert_eq!(t.call("POST", &path, json!({"name": "ci"})).await.error(), (422, "application.secret_name_exists"));
    let past = t.call("POST", &path, json!({"name": "old", "expiresAt": NOW - 1})).await;
    assert_eq!(past.error(), (400, "request.invalid_input"));
    assert_eq!(t.call("POST", &path, json!({"name": ""})).await.error(), (400, "guard.invalid_input"));

    let renamed = t.call("PATCH", &format!("{path}/ci"), json!({"name": "ci 2"})).await;
    TestApp::ok(&renamed, 200);
    assert_eq!(renamed.json["name"], "ci 2");
    assert_eq!(
        t.call("PATCH", &format!("{path}/nope"), json!({"name": "x"})).await.error(),
        (404, "entity.not_exists")
    );

    TestApp::ok(&t.call("DELETE", &format!("{path}/ci%202"), Value::Null).await, 204);
    assert_eq!(check(&t, NOW).await, SecretCheck::Wrong);
    assert_eq!(t.call("DELETE", &format!("{path}/ci%202"), Value::Null).await.error(), (404, "entity.not_found"));
    assert_eq!(t.call("GET", &path, Value::Null).await.json.as_array().unwrap().len(), 1);

    // SPAs cannot hold secrets (Logto's check constraint).
    let spa = create(&t, json!({"name": "SPA", "type": "SPA"})).await;
    let reply = t
        .call("POST", &format!("/api/applications/{}/secrets", spa["id"].as_str().unwrap()), json!({"name": "x"}))
        .await;
    assert_eq!(reply.error(), (422, "entity.db_constraint_violated"));
    assert_eq!(t.call("GET", "/api/applications/missing/secrets", Value::Null).await.error().0, 404);
}

#[tokio::test]
async fn create_validation_follows_logto() {
    let t = TestApp::new(true);
    let cases = [
        (json!({"type": "SPA"}), (400, "guard.invalid_input")),
        (json!({"name": "", "type": "SPA"}), (400, "guard.invalid_input")),
        (json!({"name": "x", "type": "Desktop"}), (400, "guard.invalid_input")),
        (json!({"name": "x", "type": "SAML"}), (400, "application.saml.use_saml_app_api")),
        (json!({"name": "x", "type": "Protected"}), (400, "application.protected_app_metadata_is_required")),
        (
            json!({"name": "x", "type": "SPA", "customClientMetadata": {"isDeviceFlow": true}}),
            (422, "application.device_flow_native_only"),
        ),
        (
            json!({"name": "x", "type": "MachineToMachine", "isThirdParty": true}),
            (400, "application.invalid_third_party_application_type"),
        ),
        (
            json!({"name": "x", "type": "SPA", "isThirdParty": true, "customClientMetadata": {"allowTokenExchange": true}}),
            (422, "application.third_party_application_cannot_enable_token_exchange"),
        ),
        (
            json!({"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": ["not a url"], "postLogoutRedirectUris": []}}),
            (400, "guard.invalid_input"),
        ),
        (
            json!({"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": ["https://a.com/cb#x"], "postLogoutRedirectUris": []}}),
            (400, "guard.invalid_input"),
        ),
        (
            json!({"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": [], "postLogoutRedirectUris": ["/relative"]}}),
            (400, "guard.invalid_input"),
        ),
        (
            json!({"name": "x", "type": "SPA", "customClientMetadata": {"refreshTokenTtlInDays": 181}}),
            (400, "guard.invalid_input"),
        ),
        (json!({"name": "x", "type": "SPA", "isThirdParty": "yes"}), (400, "guard.invalid_input")),
        (json!({"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": []}}), (400, "guard.invalid_input")),
        (
            json!({"name": "x", "type": "Protected", "protectedAppMetadata": {"subDomain": "a", "origin": "https://a"}}),
            (501, "application.protected_app_not_configured"),
        ),
    ];
    for (body, expected) in cases {
        let reply = t.call("POST", "/api/applications", body.clone()).await;
        assert_eq!(reply.error(), expected, "{body}");
    }
    // Native apps register custom schemes.
    let native = t
        .call(
            "POST",
            "/api/applications",
            json!({"name": "x", "type": "Native", "oidcClientMetadata": {"redirectUris": ["io.logto://callback"], "postLogoutRedirectUris": []}}),
        )
        .await;
    TestApp::ok(&native, 200);
    // Nothing was written by the refused requests.
    let list = t.call("GET", "/api/applications", Value::Null).await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_bodies_are_400_never_500() {
    let t = TestApp::new(true);
    for (ct, body) in
        [("application/json", "{"), ("application/json", "[]"), ("text/plain", "name=x"), ("application/json", "null")]
    {
        let mut req = request("POST", "/api/applications", body);
        req.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(ct));
        req.headers_mut().insert("development-user-id", http::HeaderValue::from_static("admin"));
        let reply = t.send(req).await;
        assert_eq!(reply.error(), (400, "guard.invalid_input"), "{ct} {body}");
        assert_eq!(reply.json["message"], "The request body is invalid.");
    }
}

#[tokio::test]
async fn patch_rules() {
    let t = TestApp::new(true);
    let native =
        create(&t, json!({"name": "N", "type": "Native", "customClientMetadata": {"isDeviceFlow": true}})).await;
    let path = format!("/api/applications/{}", native["id"].as_str().unwrap());
    let reply = t.call("PATCH", &path, json!({"customClientMetadata": {}})).await;
    assert_eq!(reply.error(), (422, "application.device_flow_not_changeable"));
    TestApp::ok(
        &t.call("PATCH", &path, json!({"customClientMetadata": {"isDeviceFlow": true, "idTokenTtl": 60}})).await,
        200,
    );
    let bad = t
        .call(
            "PATCH",
            &path,
            json!({"oidcClientMetadata": {"redirectUris": ["https://x/#f"], "postLogoutRedirectUris": []}}),
        )
        .await;
    assert_eq!(bad.error(), (400, "guard.invalid_input"));

    let third = create(&t, json!({"name": "T", "type": "Traditional", "isThirdParty": true})).await;
    let path = format!("/api/applications/{}", third["id"].as_str().unwrap());
    let reply = t.call("PATCH", &path, json!({"customClientMetadata": {"allowTokenExchange": true}})).await;
    assert_eq!(reply.error(), (422, "application.third_party_application_cannot_enable_token_exchange"));
}

#[tokio::test]
async fn lists_are_newest_first_with_optional_pagination() {
    let t = TestApp::new(true);
    let mut ids = Vec::new();
    for i in 0..5 {
        t.clock.advance_ms(1);
        let kind = if i % 2 == 0 { "SPA" } else { "MachineToMachine" };
        ids.push(
            create(&t, json!({"name": format!("app {i}"), "type": kind})).await["id"].as_str().unwrap().to_owned(),
        );
    }
    ids.reverse();
    let names =
        |v: &Value| v.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();

    let all = t.call("GET", "/api/applications", Value::Null).await;
    TestApp::ok(&all, 200);
    assert_eq!(names(&all.json), ids);
    assert!(all.headers.get("total-number").is_none(), "unpaginated when not asked");

    let page = t.call("GET", "/api/applications?page=2&page_size=2", Value::Null).await;
    assert_eq!(names(&page.json), &ids[2..4]);
    assert_eq!(page.headers["total-number"], "5");
    let links: Vec<_> = page.headers.get_all("link").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(
        links,
        [
            "<http://localhost:3001/api/applications?page=1&page_size=2>; rel=\"first\"",
            "<http://localhost:3001/api/applications?page=1&page_size=2>; rel=\"prev\"",
            "<http://localhost:3001/api/applications?page=3&page_size=2>; rel=\"last\"",
            "<http://localhost:3001/api/applications?page=3&page_size=2>; rel=\"next\"",
        ]
    );

    let m2m = t.call("GET", "/api/applications?types=MachineToMachine&page=1", Value::Null).await;
    assert_eq!(names(&m2m.json), [ids[1].clone(), ids[3].clone()]);
    assert_eq!(m2m.headers["total-number"], "2");
    let both = t.call("GET", "/api/applications?types=MachineToMachine&types=SPA", Value::Null).await;
    assert_eq!(names(&both.json), ids);
    let search = t.call("GET", "/api/applications?search=%25app%203%25", Value::Null).await;
    assert_eq!(names(&search.json), [ids[1].clone()]);
    let third = t.call("GET", "/api/applications?isThirdParty=true", Value::Null).await;
    assert!(third.json.as_array().unwrap().is_empty());

    for bad in ["page=0", "page_size=101", "page_size=abc"] {
        let reply = t.call("GET", &format!("/api/applications?{bad}"), Value::Null).await;
        assert_eq!(reply.error(), (400, "guard.invalid_pagination"), "{bad}");
    }
    assert_eq!(
        t.call("GET", "/api/applications?types=Desktop", Value::Null).await.error(),
        (400, "guard.invalid_input")
    );
    assert_eq!(
        t.call("GET", "/api/applications?excludeRoleId=a&excludeOrganizationId=b", Value::Null).await.error(),
        (400, "request.invalid_input")
    );
}

#[tokio::test]
async fn built_in_apps_are_served() {
    let t = TestApp::new(true);
    let demo = t.call("GET", "/api/applications/demo-app", Value::Null).await;
    TestApp::ok(&demo, 200);
    assert_eq!(demo.json["name"], "Live Preview");
    assert_eq!(demo.json["type"], "SPA");
}

#[tokio::test]
async fn m2m_roles_of_an_application() {
    let t = TestApp::seeded().await;
    let m2m = create(&t, json!({"name": "M2M", "type": "MachineToMachine"})).await["id"].as_str().unwrap().to_owned();
    let spa = create(&t, json!({"name": "SPA", "type": "SPA"})).await["id"].as_str().unwrap().to_owned();
    let m2m_role =
        t.call("POST", "/api/roles", json!({"name": "m2m", "description": "d", "type": "MachineToMachine"})).await;
    let m2m_role = m2m_role.json["id"].as_str().unwrap().to_owned();
    let user_role = t.call("POST", "/api/roles", json!({"name": "user", "description": "d"})).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/applications/{m2m}/roles");

    let added = t.call("POST", &path, json!({"roleIds": [m2m_role, m2m_role]})).await;
    TestApp::ok(&added, 201);
    assert_eq!(added.json, json!({"roleIds": [m2m_role, m2m_role], "addedRoleIds": [m2m_role]}));
    let again = t.call("POST", &path, json!({"roleIds": [m2m_role, "management-api-access"]})).await;
    assert_eq!(again.json["addedRoleIds"], json!(["management-api-access"]));

    let list = t.call("GET", &path, Value::Null).await;
    TestApp::ok(&list, 200);
    assert_eq!(list.headers["total-number"], "2");
    assert_eq!(list.json.as_array().unwrap().len(), 2);

    let errors = [
        (format!("/api/applications/{spa}/roles"), json!({"roleIds": [m2m_role]}), (422, "application.invalid_type")),
        (path.clone(), json!({"roleIds": [user_role]}), (422, "application.invalid_role_type")),
        (path.clone(), json!({"roleIds": ["missing"]}), (404, "entity.not_exists_with_id")),
        (path.clone(), json!({"roleIds": [""]}), (400, "guard.invalid_input")),
        ("/api/applications/missing/roles".to_owned(), json!({"roleIds": []}), (404, "entity.not_exists_with_id")),
    ];
    for (p, body, expected) in errors {
        assert_eq!(t.call("POST", &p, body.clone()).await.error(), expected, "{p} {body}");
    }
    assert_eq!(
        t.call("GET", &format!("/api/applications/{spa}/roles"), Value::Null).await.error().1,
        "application.invalid_type"
    );

    // PUT replaces the set.
    TestApp::ok(&t.call("PUT", &path, json!({"roleIds": [m2m_role]})).await, 200);
    let list = t.call("GET", &path, Value::Null).await;
    assert_eq!(list.json.as_array().unwrap().iter().map(|r| r["id"].clone()).collect::<Vec<_>>(), [json!(m2m_role)]);

    TestApp::ok(&t.call("DELETE", &format!("{path}/{m2m_role}"), Value::Null).await, 204);
    assert_eq!(t.call("DELETE", &format!("{path}/{m2m_role}"), Value::Null).await.error(), (404, "entity.not_found"));
    assert_eq!(t.call("GET", &path, Value::Null).await.headers["total-number"], "0");
}

#[tokio::test]
async fn custom_data_is_shallow_merged() {
    let t = TestApp::new(true);
    let app = create(&t, json!({"name": "A", "type": "SPA", "customData": {"a": 1, "nested": {"x": 1}}})).await;
    let path = format!("/api/applications/{}/custom-data", app["id"].as_str().unwrap());
    let merged = t.call("PATCH", &path, json!({"b": 2, "nested": {"y": 2}})).await;
    TestApp::ok(&merged, 200);
    assert_eq!(merged.json, json!({"a": 1, "b": 2, "nested": {"y": 2}}));
    assert_eq!(t.call("PATCH", &path, json!([1])).await.error(), (400, "guard.invalid_input"));
    assert_eq!(
        t.call("PATCH", "/api/applications/nope/custom-data", json!({})).await.error(),
        (404, "entity.not_exists")
    );
    let legacy = format!("/api/applications/{}/legacy-secret", app["id"].as_str().unwrap());
    assert_eq!(t.call("DELETE", &legacy, Value::Null).await.error(), (400, "application.no_legacy_secret_found"));
}

/// Logto's deprecated `isAdmin` toggle: the M2M app holds (or drops) the internal
/// `#internal:admin` role, which grants the Management API's `all` scope and is never listed.
#[tokio::test]
async fn is_admin_toggles_the_internal_admin_role() {
    let t = TestApp::seeded().await;
    let app = create(&t, json!({"name": "ops bot", "type": "MachineToMachine"})).await;
    let id = app["id"].as_str().unwrap().to_owned();
    let path = format!("/api/applications/{id}");
    let scopes = |t: &TestApp| {
        let (store, id) = (t.store.clone(), id.clone());
        async move {
            let record = application::find(store.as_ref(), &id).await.unwrap().unwrap().value;
            crate::domain::role_scope::names_for_application(store.as_ref(), &record, "management-api").await.unwrap()
        }
    };

    TestApp::ok(&t.call("PATCH", &path, json!({"isAdmin": true})).await, 200);
    assert_eq!(t.call("GET", &path, Value::Null).await.json["isAdmin"], true);
    assert_eq!(scopes(&t).await, ["all"]);
    // Hidden everywhere the Management API shows roles.
    let roles = t.call("GET", &format!("{path}/roles"), Value::Null).await;
    assert_eq!(roles.json, json!([]));
    let all_roles = t.call("GET", "/api/roles", Value::Null).await;
    assert!(all_roles.json.as_array().unwrap().iter().all(|r| r["id"] != "admin-role"));
    assert_eq!(t.call("GET", "/api/roles/admin-role", Value::Null).await.error(), (404, "entity.not_exists_with_id"));

    // Idempotent, then off again.
    TestApp::ok(&t.call("PATCH", &path, json!({"isAdmin": true})).await, 200);
    TestApp::ok(&t.call("PATCH", &path, json!({"isAdmin": false})).await, 200);
    assert_eq!(t.call("GET", &path, Value::Null).await.json["isAdmin"], false);
    assert!(scopes(&t).await.is_empty());
}

/// `GET /api/status` is Logto's anonymous health check; every response carries a request id.
#[tokio::test]
async fn status_is_anonymous_and_responses_carry_a_request_id() {
    let t = TestApp::new(false);
    let status = t.send(request("GET", "/api/status", "")).await;
    assert_eq!(status.status.as_u16(), 204);
    assert_eq!(status.headers["logto-core-request-id"].len(), 16);
    let denied = t.send(request("GET", "/api/applications", "")).await;
    assert_eq!(denied.status.as_u16(), 401);
    assert!(denied.headers.contains_key("logto-core-request-id"));
}
