//! The machine-to-machine journey a back-end developer takes on day one, over the wire:
//! bootstrap app → Management API token → a Traditional app, an API resource with scopes,
//! an M2M role and an M2M app → a token for that resource → verify it → introspect → revoke.

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_tests::harness::{Credentials, Target, jwt};
use serde_json::{Value, json};

#[tokio::test]
async fn m2m_app_gets_exactly_its_roles_scopes_for_a_new_resource() {
    let t = Target::from_env();
    let issuer = t.issuer().await;
    let jwks = t.client.get("/oidc/jwks").send().await.assert_status(200).json();

    // The bootstrap app's Management API token is a JWT the JWKS verifies.
    let admin = t.token_for(&t.admin, MANAGEMENT_API_INDICATOR, Some("all")).await;
    assert_eq!(admin["token_type"], "Bearer");
    assert_eq!(admin["scope"], "all");
    let admin_token = admin["access_token"].as_str().unwrap().to_owned();
    let (_, claims) = jwt::verify(&admin_token, &jwks).unwrap();
    assert_eq!(claims["aud"], MANAGEMENT_API_INDICATOR);
    let api = |method: http::Method, path: &str| t.client.request(method, path).bearer(&admin_token);

    // A Traditional web app gets a usable secret.
    let web = api(http::Method::POST, "/api/applications")
        .json(&json!({
            "name": t.unique("web"),
            "type": "Traditional",
            "oidcClientMetadata": {"redirectUris": ["https://app.example.com/callback"], "postLogoutRedirectUris": []},
        }))
        .send()
        .await;
    let web = web.assert_status(200).json();
    assert_eq!(web["type"], "Traditional");
    let secrets = api(http::Method::GET, &format!("/api/applications/{}/secrets", web["id"].as_str().unwrap()))
        .send()
        .await
        .assert_status(200)
        .json();
    assert!(secrets[0]["value"].as_str().is_some_and(|v| v.len() >= 32), "{secrets}");

    // An API resource with two scopes, and an M2M role holding only one of them.
    let indicator = format!("https://{}.api.example.com", t.unique("orders"));
    let resource =
        api(http::Method::POST, "/api/resources").json(&json!({"name": "Orders", "indicator": indicator})).send().await;
    let resource_id = resource.assert_status(201).str_field("id");
    let mut scope_ids = Vec::new();
    for name in ["read:orders", "write:orders"] {
        let scope = api(http::Method::POST, &format!("/api/resources/{resource_id}/scopes"))
            .json(&json!({"name": name, "description": format!("{name} scope")}))
            .send()
            .await;
        scope_ids.push(scope.assert_status(201).str_field("id"));
    }
    let role = api(http::Method::POST, "/api/roles")
        .json(&json!({
            "name": t.unique("order-reader"),
            "description": "reads orders",
            "type": "MachineToMachine",
            "scopeIds": [scope_ids[0]],
        }))
        .send()
        .await;
    let role_id = role.assert_status(200).str_field("id");

    // The M2M app, its role, and its secret.
    let m2m = api(http::Method::POST, "/api/applications")
        .json(&json!({"name": t.unique("worker"), "type": "MachineToMachine"}))
        .send()
        .await;
    let m2m = m2m.assert_status(200).json();
    let m2m_id = m2m["id"].as_str().unwrap().to_owned();
    api(http::Method::POST, &format!("/api/applications/{m2m_id}/roles"))
        .json(&json!({"roleIds": [role_id]}))
        .send()
        .await
        .assert_status(201);
    // Secrets are stored hashed: the plaintext of the `Default secret` comes once, in the
    // create response (`secret`); the secrets list shows it masked.
    let worker = Credentials { id: m2m_id.clone(), secret: m2m["secret"].as_str().unwrap().to_owned() };

    // It asks for both scopes and gets the one its role grants, in a verifiable JWT.
    let token = t.token_for(&worker, &indicator, Some("read:orders write:orders")).await;
    assert_eq!(token["scope"], "read:orders", "{token}");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    let access_token = token["access_token"].as_str().unwrap();
    let (header, claims) = jwt::verify(access_token, &jwks).unwrap();
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["aud"], indicator.as_str());
    assert_eq!(claims["sub"], m2m_id.as_str());
    assert_eq!(claims["client_id"], m2m_id.as_str());
    assert_eq!(claims["scope"], "read:orders");
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()), "{claims}");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);

    // Introspection says active; after revocation it says inactive.
    let introspect = || async {
        let response = t
            .client
            .post("/oidc/token/introspection")
            .basic_auth(&worker.id, &worker.secret)
            .form(&[("token", access_token)])
            .send()
            .await;
        response.assert_status(200).json()
    };
    let active: Value = introspect().await;
    assert_eq!(active["active"], true, "{active}");
    assert_eq!(active["client_id"], m2m_id.as_str());
    assert_eq!(active["scope"], "read:orders");
    t.client
        .post("/oidc/token/revocation")
        .basic_auth(&worker.id, &worker.secret)
        .form(&[("token", access_token), ("token_type_hint", "access_token")])
        .send()
        .await
        .assert_status(200);
    assert_eq!(introspect().await, json!({"active": false}));
}

#[tokio::test]
async fn a_scope_no_role_grants_is_refused_or_dropped_never_granted() {
    let t = Target::from_env();
    // The bootstrap app holds `all` on the Management API and nothing else.
    let body = t.token_for(&t.admin, MANAGEMENT_API_INDICATOR, Some("all not-a-scope")).await;
    assert_eq!(body["scope"], "all", "{body}");
    let response = t
        .client
        .post("/oidc/token")
        .basic_auth(&t.admin.id, &t.admin.secret)
        .form(&[("grant_type", "client_credentials"), ("resource", "https://unknown.example.com")])
        .send()
        .await;
    response.assert_oauth_error(400, "invalid_target");
}
