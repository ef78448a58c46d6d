//! The `edgeid` admin CLI on the local server's data directory.

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_tests::harness::{Credentials, LocalServer, edgeid_cli, jwt};

#[tokio::test]
async fn create_admin_client_before_first_start_gives_working_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let created = edgeid_cli(&["create-admin-client", "--data-dir", data_dir, "--name", "ops"]).json();
    let admin = Credentials {
        id: created["clientId"].as_str().unwrap().to_owned(),
        secret: created["clientSecret"].as_str().unwrap().to_owned(),
    };

    let server = LocalServer::builder().data_dir(dir.path()).start();
    // The store already has an admin app, so the server creates (and prints) none.
    assert_eq!(server.printed_credentials(), None);
    let token = server
        .client()
        .post("/oidc/token")
        .basic_auth(&admin.id, &admin.secret)
        .form(&[("grant_type", "client_credentials"), ("resource", MANAGEMENT_API_INDICATOR), ("scope", "all")])
        .send()
        .await;
    assert_eq!(token.assert_status(200).json()["scope"], "all");
}

#[test]
fn the_cli_refuses_a_store_the_server_has_open() {
    let server = LocalServer::builder().start();
    let data_dir = server.data_dir().unwrap().to_str().unwrap().to_owned();
    let output = edgeid_cli(&["keys", "list", "--data-dir", &data_dir]);
    assert!(!output.status.success());
    assert!(output.stderr.contains("stop it first"), "{}", output.stderr);
}

#[test]
fn keys_list_needs_an_existing_store() {
    let dir = tempfile::tempdir().unwrap();
    let output = edgeid_cli(&["keys", "list", "--data-dir", dir.path().to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(output.stderr.contains("no edgeid store"), "{}", output.stderr);
}

#[tokio::test]
async fn rotated_keys_sign_new_tokens_while_the_old_key_stays_published() {
    let mut server = LocalServer::builder().start();
    let admin = server.printed_credentials().unwrap();
    let data_dir = server.data_dir().unwrap().to_str().unwrap().to_owned();
    let old_kid = server.client().get("/oidc/jwks").send().await.json()["keys"][0]["kid"].as_str().unwrap().to_owned();
    server.terminate();

    let listed = edgeid_cli(&["keys", "list", "--data-dir", &data_dir]).json();
    assert_eq!(listed[0]["kid"], old_kid.as_str());
    assert!(listed[0].get("pkcs8").is_none() && listed[0].get("d").is_none(), "private material: {listed}");
    let rotated = edgeid_cli(&["keys", "rotate", "--data-dir", &data_dir, "--alg", "ES384"]).json();
    assert_eq!(rotated[0]["status"], "Current");
    assert_eq!(rotated[0]["alg"], "ES384");
    assert_eq!(rotated[1]["kid"], old_kid.as_str());
    assert_eq!(rotated[1]["status"], "Previous");

    let server = server.restart();
    let jwks = server.client().get("/oidc/jwks").send().await.assert_status(200).json();
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, [rotated[0]["kid"].as_str().unwrap(), old_kid.as_str()]);
    let token = server
        .client()
        .post("/oidc/token")
        .basic_auth(&admin.id, &admin.secret)
        .form(&[("grant_type", "client_credentials"), ("resource", MANAGEMENT_API_INDICATOR), ("scope", "all")])
        .send()
        .await;
    let access_token = token.assert_status(200).str_field("access_token");
    let (header, _) = jwt::verify(&access_token, &jwks).unwrap();
    assert_eq!(header["alg"], "ES384");
    assert_eq!(header["kid"], rotated[0]["kid"]);
}
