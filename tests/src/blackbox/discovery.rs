//! Discovery and JWKS: what every OIDC client fetches first.

use edgeid_tests::harness::Target;

#[tokio::test]
async fn discovery_names_the_issuer_and_endpoints_under_it() {
    let t = Target::from_env();
    let response = t.client.get("/oidc/.well-known/openid-configuration").send().await;
    let doc = response.assert_status(200).json();
    assert!(response.header("content-type").unwrap().starts_with("application/json"));

    let issuer = doc["issuer"].as_str().unwrap();
    assert!(issuer.ends_with("/oidc"), "{issuer}");
    for (field, path) in [
        ("jwks_uri", "/jwks"),
        ("token_endpoint", "/token"),
        ("introspection_endpoint", "/token/introspection"),
        ("revocation_endpoint", "/token/revocation"),
    ] {
        assert_eq!(doc[field], format!("{issuer}{path}"), "{field}");
    }
    let grants = doc["grant_types_supported"].as_array().unwrap();
    assert!(grants.iter().any(|g| g == "client_credentials"), "{doc}");
    let auth_methods = doc["token_endpoint_auth_methods_supported"].as_array().unwrap();
    for method in ["client_secret_basic", "client_secret_post"] {
        assert!(auth_methods.iter().any(|m| m == method), "{method} missing: {doc}");
    }
}

#[tokio::test]
async fn jwks_publishes_the_key_the_discovery_document_promises() {
    let t = Target::from_env();
    let doc = t.client.get("/oidc/.well-known/openid-configuration").send().await.assert_status(200).json();
    let jwks = t.client.get("/oidc/jwks").send().await;
    jwks.assert_status(200);
    let keys = jwks.json()["keys"].as_array().unwrap().clone();
    assert!(!keys.is_empty());
    let algs = doc["id_token_signing_alg_values_supported"].as_array().unwrap();
    for key in &keys {
        assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()), "{key}");
        assert!(key.get("d").is_none() && key.get("p").is_none(), "private material published: {key}");
        assert!(algs.contains(&key["alg"]), "{key} not in {algs:?}");
    }
}
