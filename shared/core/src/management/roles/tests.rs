use serde_json::{Value, json};

use crate::domain::{application, resource, role_scope};
use crate::management::testing::TestApp;

async fn role(t: &TestApp, body: Value) -> String {
    let reply = t.call("POST", "/api/roles", body).await;
    TestApp::ok(&reply, 200);
    reply.json["id"].as_str().unwrap().to_owned()
}

async fn scope(t: &TestApp, resource: &str, name: &str) -> String {
    let reply = t.call("POST", &format!("/api/resources/{resource}/scopes"), json!({"name": name})).await;
    TestApp::ok(&reply, 201);
    reply.json["id"].as_str().unwrap().to_owned()
}

async fn api(t: &TestApp, indicator: &str) -> String {
    let reply = t.call("POST", "/api/resources", json!({"name": indicator, "indicator": indicator})).await;
    reply.json["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn role_crud_and_lists() {
    let t = TestApp::seeded().await;
    let reply = t.call("POST", "/api/roles", json!({"name": "editor", "description": "Edits"})).await;
    TestApp::ok(&reply, 200);
    let id = reply.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.json,
        json!({"tenantId": "default", "id": id, "name": "editor", "description": "Edits", "type": "User", "isDefault": false})
    );
    let dup = t.call("POST", "/api/roles", json!({"name": "editor", "description": "x"})).await;
    assert_eq!(dup.error(), (422, "role.name_in_use"));
    assert_eq!(dup.json["message"], "This role name editor is already in use");
    for bad in [
        json!({"name": "x"}),
        json!({"name": "x", "description": ""}),
        json!({"name": "x", "description": "d", "type": "Admin"}),
    ] {
        assert_eq!(t.call("POST", "/api/roles", bad.clone()).await.error(), (400, "guard.invalid_input"), "{bad}");
    }
    t.clock.advance_ms(1);
    let m2m = role(&t, json!({"name": "machines", "description": "M", "type": "MachineToMachine"})).await;

    let all = t.call("GET", "/api/roles", Value::Null).await;
    TestApp::ok(&all, 200);
    assert_eq!(all.headers["total-number"], "3");
    let names: Vec<_> = all.json.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["Logto Management API access", "editor", "machines"]);
    assert_eq!(all.json[1]["usersCount"], 0);
    assert_eq!(all.json[1]["applicationsCount"], 0);
    let m2m_only = t.call("GET", "/api/roles?type=MachineToMachine&page_size=1&page=2", Value::Null).await;
    assert_eq!(m2m_only.headers["total-number"], "2");
    assert_eq!(m2m_only.json[0]["id"], m2m.as_str());
    assert_eq!(t.call("GET", "/api/roles?type=Admin", Value::Null).await.error(), (400, "guard.invalid_input"));
    let searched = t.call("GET", "/api/roles?search=%25edit%25", Value::Null).await;
    assert_eq!(searched.headers["total-number"], "1");

    let renamed = t.call("PATCH", &format!("/api/roles/{id}"), json!({"name": "writer", "isDefault": true})).await;
    TestApp::ok(&renamed, 200);
    assert_eq!((renamed.json["name"].clone(), renamed.json["isDefault"].clone()), (json!("writer"), json!(true)));
    assert_eq!(
        t.call("PATCH", &format!("/api/roles/{id}"), json!({"name": "machines"})).await.error(),
        (422, "role.name_in_use")
    );
    TestApp::ok(&t.call("POST", "/api/roles", json!({"name": "editor", "description": "free again"})).await, 200);
    TestApp::ok(&t.call("GET", &format!("/api/roles/{id}"), Value::Null).await, 200);
    TestApp::ok(&t.call("DELETE", &format!("/api/roles/{id}"), Value::Null).await, 204);
    assert_eq!(
        t.call("GET", &format!("/api/roles/{id}"), Value::Null).await.error(),
        (404, "entity.not_exists_with_id")
    );
    assert_eq!(t.call("DELETE", &format!("/api/roles/{id}"), Value::Null).await.error().0, 404);
}

#[tokio::test]
async fn role_scopes() {
    let t = TestApp::seeded().await;
    let orders = api(&t, "https://orders").await;
    let read = scope(&t, &orders, "read").await;
    let write = scope(&t, &orders, "write").await;
    let user_role = role(&t, json!({"name": "u", "description": "d", "scopeIds": [read]})).await;
    let path = format!("/api/roles/{user_role}/scopes");

    let added = t.call("POST", &path, json!({"scopeIds": [write]})).await;
    TestApp::ok(&added, 201);
    assert_eq!(added.json.as_array().unwrap().len(), 2);
    let list = t.call("GET", &path, Value::Null).await;
    assert!(list.headers.get("total-number").is_none());
    assert_eq!(list.json.as_array().unwrap().len(), 2);
    assert_eq!(list.json[0]["resource"]["indicator"], "https://orders");
    let paged = t.call("GET", &format!("{path}?page=1&page_size=1"), Value::Null).await;
    assert_eq!(paged.headers["total-number"], "2");

    let cases = [
        (json!({"scopeIds": [read]}), (422, "role.scope_exists")),
        (json!({"scopeIds": ["missing"]}), (404, "entity.not_exists_with_id")),
        (json!({"scopeIds": ["management-api-all"]}), (400, "role.management_api_scopes_not_assignable_to_user_role")),
        (json!({"scopeIds": []}), (400, "guard.invalid_input")),
    ];
    for (body, expected) in cases {
        assert_eq!(t.call("POST", &path, body.clone()).await.error(), expected, "{body}");
    }
    let create = t
        .call("POST", "/api/roles", json!({"name": "u2", "description": "d", "scopeIds": ["management-api-all"]}))
        .await;
    assert_eq!(create.error(), (400, "role.management_api_scopes_not_assignable_to_user_role"));
    let create = t.call("POST", "/api/roles", json!({"name": "u2", "description": "d", "scopeIds": ["missing"]})).await;
    assert_eq!(create.error(), (404, "entity.not_exists_with_id"));
    // Failed creations wrote nothing: the name is still free.
    role(&t, json!({"name": "u2", "description": "d"})).await;
    // M2M roles may hold the Management API scope.
    role(&t, json!({"name": "m", "description": "d", "type": "MachineToMachine", "scopeIds": ["management-api-all"]}))
        .await;

    TestApp::ok(&t.call("DELETE", &format!("{path}/{read}"), Value::Null).await, 204);
    assert_eq!(t.call("DELETE", &format!("{path}/{read}"), Value::Null).await.error(), (404, "entity.not_found"));
    assert_eq!(t.call("GET", &path, Value::Null).await.json.as_array().unwrap().len(), 1);
    assert_eq!(t.call("GET", "/api/roles/missing/scopes", Value::Null).await.error().0, 404);
}

#[tokio::test]
async fn role_applications() {
    let t = TestApp::seeded().await;
    let m2m_role = role(&t, json!({"name": "m", "description": "d", "type": "MachineToMachine"})).await;
    let user_role = role(&t, json!({"name": "u", "description": "d"})).await;
    let mut apps = Vec::new();
    for i in 0..3 {
        t.clock.advance_ms(1);
        let reply =
            t.call("POST", "/api/applications", json!({"name": format!("a{i}"), "type": "MachineToMachine"})).await;
        apps.push(reply.json["id"].as_str().unwrap().to_owned());
    }
    let path = format!("/api/roles/{m2m_role}/applications");
    TestApp::ok(&t.call("POST", &path, json!({"applicationIds": [apps[0], apps[1]]})).await, 201);
    let dup = t.call("POST", &path, json!({"applicationIds": [apps[2], apps[1]]})).await;
    assert_eq!(dup.error(), (422, "role.application_exists"));
    assert_eq!(
        t.call("POST", &path, json!({"applicationIds": ["missing"]})).await.error(),
        (404, "entity.not_exists_with_id")
    );
    assert_eq!(t.call("POST", &path, json!({"applicationIds": []})).await.error(), (400, "guard.invalid_input"));
    let user_path = format!("/api/roles/{user_role}/applications");
    assert_eq!(
        t.call("POST", &user_path, json!({"applicationIds": [apps[2]]})).await.error(),
        (422, "entity.db_constraint_violated")
    );

    let list = t.call("GET", &path, Value::Null).await;
    TestApp::ok(&list, 200);
    assert_eq!(list.headers["total-number"], "2");
    let ids: Vec<_> = list.json.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, [apps[1].clone(), apps[0].clone()]);
    let roles = t.call("GET", "/api/roles?type=MachineToMachine", Value::Null).await;
    let item = roles.json.as_array().unwrap().iter().find(|r| r["id"] == m2m_role.as_str()).unwrap().clone();
    assert_eq!(item["applicationsCount"], 2);
    assert_eq!(item["featuredApplications"].as_array().unwrap().len(), 2);
    let excluded = t.call("GET", &format!("/api/roles?excludeApplicationId={}", apps[0]), Value::Null).await;
    assert!(excluded.json.as_array().unwrap().iter().all(|r| r["id"] != m2m_role.as_str()));
    let app_roles = t.call("GET", &format!("/api/applications/{}/roles", apps[0]), Value::Null).await;
    assert_eq!(app_roles.json[0]["id"], m2m_role.as_str());

    TestApp::ok(&t.call("DELETE", &format!("{path}/{}", apps[0]), Value::Null).await, 204);
    assert_eq!(t.call("DELETE", &format!("{path}/{}", apps[0]), Value::Null).await.error(), (404, "entity.not_found"));
    // Deleting the role unassigns it everywhere.
    TestApp::ok(&t.call("DELETE", &format!("/api/roles/{m2m_role}"), Value::Null).await, 204);
    let app = application::find(t.store.as_ref(), &apps[1]).await.unwrap().unwrap().value;
    assert!(app.role_ids.is_empty());
}

/// What an M2M app may obtain for a resource is exactly what its roles grant.
#[tokio::test]
async fn an_m2m_app_gets_exactly_its_roles_scopes() {
    let t = TestApp::seeded().await;
    let orders = api(&t, "https://orders").await;
    let read = scope(&t, &orders, "read").await;
    let write = scope(&t, &orders, "write").await;
    let _admin = scope(&t, &orders, "admin").await;
    let reader =
        role(&t, json!({"name": "reader", "description": "d", "type": "MachineToMachine", "scopeIds": [read]})).await;
    let writer =
        role(&t, json!({"name": "writer", "description": "d", "type": "MachineToMachine", "scopeIds": [write, read]}))
            .await;
    let app = t.call("POST", "/api/applications", json!({"name": "svc", "type": "MachineToMachine"})).await;
    let app_id = app.json["id"].as_str().unwrap().to_owned();
    TestApp::ok(
        &t.call("POST", &format!("/api/applications/{app_id}/roles"), json!({"roleIds": [reader, writer]})).await,
        201,
    );

    let resource = resource::find_by_indicator(t.store.as_ref(), "https://orders").await.unwrap().unwrap();
    let record = application::find(t.store.as_ref(), &app_id).await.unwrap().unwrap().value;
    let granted = role_scope::names_for_application(t.store.as_ref(), &record, &resource.resource.id).await.unwrap();
    assert_eq!(granted, ["read", "write"]);
    assert!(role_scope::names_for_application(t.store.as_ref(), &record, "management-api").await.unwrap().is_empty());

    TestApp::ok(&t.call("DELETE", &format!("/api/roles/{writer}/scopes/{write}"), Value::Null).await, 204);
    let granted = role_scope::names_for_application(t.store.as_ref(), &record, &resource.resource.id).await.unwrap();
    assert_eq!(granted, ["read"]);
}
