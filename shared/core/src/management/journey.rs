//! End to end through the core, with real signatures: an admin M2M app bootstrapped at first
//! start gets a Management API token by `client_credentials`, sets up an API resource, scopes,
//! an M2M role and a service app through `/api`, and the service app then obtains exactly the
//! scopes its role grants.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::testing::{T0, app_with, call, post_form};
use crate::{App, Config};

const MAPI: &str = "https://default.logto.app/api";

async fn token(app: &App, id: &str, secret: &str, resource: &str, scope: &str) -> (u16, Value) {
    let body = format!(
        "grant_type=client_credentials&resource={}&scope={}",
        percent_encoding::utf8_percent_encode(resource, percent_encoding::NON_ALPHANUMERIC),
        percent_encoding::utf8_percent_encode(scope, percent_encoding::NON_ALPHANUMERIC),
    );
    let (status, _, json) = call(app, post_form("/oidc/token", Some((id, secret)), &body)).await;
    (status.as_u16(), json)
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn api(app: &App, bearer: Option<&str>, method: &str, path: &str, body: Value) -> (u16, Value) {
    let mut builder = ::http::Request::builder().method(method).uri(path);
    if let Some(token) = bearer {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let body = if body.is_null() { String::new() } else { body.to_string() };
    if !body.is_empty() {
        builder = builder.header("content-type", "application/json");
    }
    let (status, _, json) = call(app, builder.body(bytes::Bytes::from(body)).unwrap()).await;
    (status.as_u16(), json)
}

#[tokio::test]
async fn an_m2m_app_administers_edgeid_and_a_service_gets_its_roles_scopes() {
    let t = app_with(Config::new(crate::testing::ENDPOINT));
    let admin = crate::bootstrap::run(&t, None).await.unwrap().expect("first start creates an admin app");

    let (status, reply) = token(&t, &admin.client_id, &admin.client_secret, MAPI, "all").await;
    assert_eq!(status, 200, "{reply}");
    let admin_token = reply["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&admin_token)["scope"], "all");
    assert_eq!(claims(&admin_token)["aud"], MAPI);
    let bearer = Some(admin_token.as_str());

    // Set up an API with three scopes and a role granting two of them.
    let (status, resource) =
        api(&t, bearer, "POST", "/api/resources", json!({"name": "Orders", "indicator": "https://orders"})).await;
    assert_eq!(status, 201, "{resource}");
    let resource_id = resource["id"].as_str().unwrap();
    let mut scope_ids = Vec::new();
    for name in ["read", "write", "delete"] {
        let (status, scope) =
            api(&t, bearer, "POST", &format!("/api/resources/{resource_id}/scopes"), json!({"name": name})).await;
        assert_eq!(status, 201);
        scope_ids.push(scope["id"].as_str().unwrap().to_owned());
    }
    let (status, role) = api(
        &t,
        bearer,
        "POST",
        "/api/roles",
        json!({"name": "order-writer", "description": "Orders", "type": "MachineToMachine", "scopeIds": [scope_ids[0], scope_ids[1]]}),
    )
    .await;
    assert_eq!(status, 200, "{role}");
    let (status, service) =
        api(&t, bearer, "POST", "/api/applications", json!({"name": "billing", "type": "MachineToMachine"})).await;
    assert_eq!(status, 200);
    let (service_id, service_secret) = (service["id"].as_str().unwrap(), service["secret"].as_str().unwrap());
    let (status, _) =
        api(&t, bearer, "POST", &format!("/api/applications/{service_id}/roles"), json!({"roleIds": [role["id"]]}))
            .await;
    assert_eq!(status, 201);

    // The service gets exactly what its role grants: `delete` is dropped silently.
    let (status, reply) = token(&t, service_id, service_secret, "https://orders", "read write delete").await;
    assert_eq!(status, 200, "{reply}");
    let jwt = claims(reply["access_token"].as_str().unwrap());
    assert_eq!(jwt["scope"], "read write");
    assert_eq!((jwt["aud"].as_str(), jwt["sub"].as_str()), (Some("https://orders"), Some(service_id)));

    // Its token is not a Management API token: wrong audience → 401; no `all` → 403.
    let orders_token = reply["access_token"].as_str().unwrap().to_owned();
    let (status, reply) = api(&t, Some(&orders_token), "GET", "/api/applications", Value::Null).await;
    assert_eq!((status, reply["code"].as_str()), (401, Some("auth.unauthorized")));
    let (_, reply) = token(&t, service_id, service_secret, MAPI, "all").await;
    let no_all = reply["access_token"].as_str().unwrap().to_owned();
    assert!(claims(&no_all).get("scope").is_none());
    let (status, reply) = api(&t, Some(&no_all), "GET", "/api/applications", Value::Null).await;
    assert_eq!((status, reply["code"].as_str()), (403, Some("auth.forbidden")));

    // Removing the role's scope takes effect on the next token.
    let (status, _) = api(
        &t,
        bearer,
        "DELETE",
        &format!("/api/roles/{}/scopes/{}", role["id"].as_str().unwrap(), scope_ids[1]),
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let (_, reply) = token(&t, service_id, service_secret, "https://orders", "read write").await;
    assert_eq!(claims(reply["access_token"].as_str().unwrap())["scope"], "read");

    // A secret deleted through the API no longer authenticates.
    let (status, _) =
        api(&t, bearer, "DELETE", &format!("/api/applications/{service_id}/secrets/Default%20secret"), Value::Null)
            .await;
    assert_eq!(status, 204);
    let (status, reply) = token(&t, service_id, service_secret, "https://orders", "read").await;
    assert_eq!((status, reply["error"].as_str()), (401, Some("invalid_client")));

    // The admin token expires like any other.
    t.clock.set_ms(T0 + 3_700_000);
    let (status, reply) = api(&t, bearer, "GET", "/api/applications", Value::Null).await;
    assert_eq!((status, reply["code"].as_str()), (401, Some("auth.unauthorized")));
}

#[tokio::test]
async fn tampered_or_foreign_tokens_are_unauthorized() {
    let t = app_with(Config::new(crate::testing::ENDPOINT));
    let admin = crate::bootstrap::run(&t, None).await.unwrap().unwrap();
    let (_, reply) = token(&t, &admin.client_id, &admin.client_secret, MAPI, "all").await;
    let good = reply["access_token"].as_str().unwrap().to_owned();
    assert_eq!(api(&t, Some(&good), "GET", "/api/roles", Value::Null).await.0, 200);

    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut payload = claims(&good);
    payload["sub"] = json!("someone-else");
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    let forged = parts.join(".");
    for bad in [forged.as_str(), "not.a.jwt", ""] {
        let (status, reply) = api(&t, Some(bad), "GET", "/api/roles", Value::Null).await;
        assert_eq!((status, reply["code"].as_str()), (401, Some("auth.unauthorized")), "{bad}");
    }
    // Another deployment's token (different issuer and keys).
    let other = app_with(Config::new("http://other.example"));
    let other_admin = crate::bootstrap::run(&other, None).await.unwrap().unwrap();
    let (_, reply) = token(&other, &other_admin.client_id, &other_admin.client_secret, MAPI, "all").await;
    let foreign = reply["access_token"].as_str().unwrap().to_owned();
    assert_eq!(api(&t, Some(&foreign), "GET", "/api/roles", Value::Null).await.0, 401);
    // Without dev-admin mode the development header grants nothing.
    let req =
        ::http::Request::get("/api/roles").header("development-user-id", "admin").body(bytes::Bytes::new()).unwrap();
    assert_eq!(call(&t, req).await.0.as_u16(), 401);
}
