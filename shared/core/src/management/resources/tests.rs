use serde_json::{Value, json};

use crate::domain::resource;
use crate::management::testing::TestApp;

async fn create(t: &TestApp, name: &str, indicator: &str) -> String {
    let reply = t.call("POST", "/api/resources", json!({"name": name, "indicator": indicator})).await;
    TestApp::ok(&reply, 201);
    reply.json["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn resource_crud() {
    let t = TestApp::seeded().await;
    let reply = t
        .call("POST", "/api/resources", json!({"name": "Orders", "indicator": "https://orders", "accessTokenTtl": 600}))
        .await;
    TestApp::ok(&reply, 201);
    let id = reply.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.json,
        json!({"tenantId": "default", "id": id, "name": "Orders", "indicator": "https://orders", "isDefault": false, "accessTokenTtl": 600, "scopes": []})
    );
    let dup = t.call("POST", "/api/resources", json!({"name": "Again", "indicator": "https://orders"})).await;
    assert_eq!(dup.error(), (422, "resource.resource_identifier_in_use"));
    assert_eq!(dup.json["message"], "The API identifier https://orders is already in use");
    assert_eq!(t.call("POST", "/api/resources", json!({"name": "x"})).await.error(), (400, "guard.invalid_input"));

    let got = t.call("GET", &format!("/api/resources/{id}"), Value::Null).await;
    assert_eq!(got.json["accessTokenTtl"], 600);
    let patched = t
        .call("PATCH", &format!("/api/resources/{id}"), json!({"name": "Orders v2", "indicator": "https://ignored"}))
        .await;
    TestApp::ok(&patched, 200);
    assert_eq!(
        (patched.json["name"].clone(), patched.json["indicator"].clone()),
        (json!("Orders v2"), json!("https://orders"))
    );
    assert_eq!(
        resource::find_by_indicator(t.store.as_ref(), "https://orders").await.unwrap().unwrap().resource.name,
        "Orders v2"
    );

    TestApp::ok(&t.call("DELETE", &format!("/api/resources/{id}"), Value::Null).await, 204);
    assert_eq!(
        t.call("GET", &format!("/api/resources/{id}"), Value::Null).await.error(),
        (404, "entity.not_exists_with_id")
    );
    assert_eq!(t.call("DELETE", &format!("/api/resources/{id}"), Value::Null).await.error().0, 404);
    // The indicator is free again.
    create(&t, "Orders", "https://orders").await;
}

#[tokio::test]
async fn the_management_api_is_seeded_and_protected() {
    let t = TestApp::seeded().await;
    let api = t.call("GET", "/api/resources/management-api", Value::Null).await;
    TestApp::ok(&api, 200);
    assert_eq!(api.json["indicator"], "https://default.logto.app/api");
    assert_eq!(api.json["name"], "Logto Management API");
    let patch = t.call("PATCH", "/api/resources/management-api", json!({"name": "x"})).await;
    assert_eq!(patch.error(), (400, "resource.cannot_modify_management_api"));
    let delete = t.call("DELETE", "/api/resources/management-api", Value::Null).await;
    assert_eq!(delete.error(), (400, "resource.cannot_delete_management_api"));
    let scope = t.call("POST", "/api/resources/management-api/scopes", json!({"name": "more"})).await;
    assert_eq!(scope.error(), (400, "resource.cannot_modify_management_api"));
    let scopes = t.call("GET", "/api/resources/management-api/scopes", Value::Null).await;
    assert_eq!(scopes.json[0]["id"], "management-api-all");
    assert_eq!(scopes.json[0]["name"], "all");
}

#[tokio::test]
async fn lists_and_is_default() {
    let t = TestApp::seeded().await;
    let a = create(&t, "A", "https://a").await;
    t.clock.advance_ms(1);
    let b = create(&t, "B", "https://b").await;
    let all = t.call("GET", "/api/resources", Value::Null).await;
    let ids: Vec<_> = all.json.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["management-api", a.as_str(), b.as_str()]);
    assert!(all.headers.get("total-number").is_none());
    let paged = t.call("GET", "/api/resources?page=1&page_size=1&includeScopes=true", Value::Null).await;
    assert_eq!(paged.headers["total-number"], "3");
    assert_eq!(paged.json[0]["scopes"][0]["name"], "all");

    TestApp::ok(&t.call("PATCH", &format!("/api/resources/{a}/is-default"), json!({"isDefault": true})).await, 200);
    let reply = t.call("PATCH", &format!("/api/resources/{b}/is-default"), json!({"isDefault": true})).await;
    assert_eq!(reply.json["isDefault"], true);
    assert_eq!(t.call("GET", &format!("/api/resources/{a}"), Value::Null).await.json["isDefault"], false);
    let off = t.call("PATCH", &format!("/api/resources/{b}/is-default"), json!({"isDefault": false})).await;
    assert_eq!(off.json["isDefault"], false);
    assert_eq!(
        t.call("PATCH", &format!("/api/resources/{b}/is-default"), json!({})).await.error(),
        (400, "guard.invalid_input")
    );
    assert_eq!(t.call("PATCH", "/api/resources/nope/is-default", json!({"isDefault": true})).await.error().0, 404);
}

#[tokio::test]
async fn scopes_of_a_resource() {
    let t = TestApp::seeded().await;
    let r = create(&t, "A", "https://a").await;
    let path = format!("/api/resources/{r}/scopes");
    let read = t.call("POST", &path, json!({"name": "read:orders", "description": "Read"})).await;
    TestApp::ok(&read, 201);
    assert_eq!(read.json["resourceId"], r.as_str());
    assert_eq!(read.json["description"], "Read");
    let read_id = read.json["id"].as_str().unwrap().to_owned();
    t.clock.advance_ms(1);
    TestApp::ok(&t.call("POST", &path, json!({"name": "write:orders"})).await, 201);

    assert_eq!(t.call("POST", &path, json!({"name": "read:orders"})).await.error(), (422, "scope.name_exists"));
    assert_eq!(t.call("POST", &path, json!({"name": "read orders"})).await.error(), (400, "scope.name_with_space"));
    assert_eq!(t.call("POST", "/api/resources/nope/scopes", json!({"name": "x"})).await.error().0, 404);

    let list = t.call("GET", &path, Value::Null).await;
    assert_eq!(list.headers["total-number"], "2");
    assert_eq!(list.json[0]["name"], "read:orders");
    let page = t.call("GET", &format!("{path}?page=2&page_size=1"), Value::Null).await;
    assert_eq!(page.json[0]["name"], "write:orders");
    let found = t.call("GET", &format!("{path}?search=%25write%25"), Value::Null).await;
    assert_eq!((found.json.as_array().unwrap().len(), found.headers["total-number"].to_str().unwrap()), (1, "1"));

    let renamed = t.call("PATCH", &format!("{path}/{read_id}"), json!({"name": "read:all", "description": null})).await;
    TestApp::ok(&renamed, 200);
    assert_eq!(renamed.json["description"], Value::Null);
    let clash = t.call("PATCH", &format!("{path}/{read_id}"), json!({"name": "write:orders"})).await;
    assert_eq!(clash.error(), (422, "scope.name_exists"));
    // The old name is free again.
    TestApp::ok(&t.call("POST", &path, json!({"name": "read:orders"})).await, 201);

    TestApp::ok(&t.call("DELETE", &format!("{path}/{read_id}"), Value::Null).await, 204);
    assert_eq!(t.call("DELETE", &format!("{path}/{read_id}"), Value::Null).await.error(), (404, "entity.not_found"));
    assert_eq!(t.call("PATCH", &format!("{path}/{read_id}"), json!({})).await.error(), (404, "entity.not_exists"));
    assert_eq!(t.call("GET", &path, Value::Null).await.headers["total-number"], "2");
}
