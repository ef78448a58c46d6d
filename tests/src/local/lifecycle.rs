//! `edgeid-local` as a process: start, refuse unsafe settings, stop gracefully.

use edgeid_tests::harness::LocalServer;

#[tokio::test]
async fn starts_quickly_and_answers_discovery() {
    let server = LocalServer::builder().start();
    let response = server.client().get("/oidc/.well-known/openid-configuration").send().await;
    response.assert_status(200);
    assert_eq!(response.json()["issuer"], format!("http://localhost:{}/oidc", server.port()));
    eprintln!("edgeid-local: spawn to listening in {:?}", server.started_in());
}

#[tokio::test]
async fn endpoint_setting_sets_the_issuer() {
    let server = LocalServer::builder().env("EDGEID_ENDPOINT", "https://id.example.com/").start();
    let doc = server.client().get("/oidc/.well-known/openid-configuration").send().await.assert_status(200).json();
    assert_eq!(doc["issuer"], "https://id.example.com/oidc");
}

#[test]
fn dev_admin_mode_is_refused_unless_bound_to_loopback() {
    let failed = LocalServer::builder()
        .env("EDGEID_DEV_ADMIN", "1")
        .env("EDGEID_HOST", "0.0.0.0")
        .try_start()
        .err()
        .expect("the server must refuse to start");
    let status = failed.status.expect("it exits");
    assert!(!status.success(), "{status}");
    assert!(failed.stderr.contains("EDGEID_DEV_ADMIN"), "{}", failed.stderr);
}

#[test]
fn a_bad_setting_names_the_variable_and_exits_non_zero() {
    let failed = LocalServer::builder().env("EDGEID_SIGNING_ALG", "HS256").try_start().err().expect("refused");
    assert_eq!(failed.status.and_then(|s| s.code()), Some(2));
    assert!(failed.stderr.contains("EDGEID_SIGNING_ALG"), "{}", failed.stderr);
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let first = LocalServer::builder().start();
    let failed = LocalServer::builder().port(first.port()).try_start().err().expect("port is taken");
    assert!(!failed.status.expect("it exits").success());
    assert!(failed.stderr.contains("cannot listen"), "{}", failed.stderr);
}

#[tokio::test]
async fn sigterm_finishes_in_flight_work_and_exits_cleanly() {
    let mut server = LocalServer::builder().start();
    let client = server.client();
    client.get("/oidc/jwks").send().await.assert_status(200);
    let status = server.terminate();
    assert!(status.success(), "{status}\n{}", server.stderr());
    assert!(server.stderr().contains("shutting down"), "{}", server.stderr());
}

#[tokio::test]
async fn dev_admin_mode_on_loopback_makes_the_development_header_an_admin() {
    let server = LocalServer::builder().env("EDGEID_DEV_ADMIN", "1").start();
    let client = server.client();
    let response = client.get("/api/applications").header("development-user-id", "integration-test").send().await;
    response.assert_status(200);

    let normal = LocalServer::builder().start();
    let response =
        normal.client().get("/api/applications").header("development-user-id", "integration-test").send().await;
    response.assert_status(401);
}

#[tokio::test]
async fn json_logs_carry_one_access_line_per_request_at_debug() {
    let server =
        LocalServer::builder().memory().env("EDGEID_LOG_FORMAT", "json").env("RUST_LOG", "edgeid_local=debug").start();
    server.client().get("/oidc/jwks").send().await.assert_status(200);
    // The access line is written after the response; give the logger a moment.
    let mut attempts = 0;
    let access = loop {
        let lines: Vec<serde_json::Value> =
            server.stderr().lines().map(|l| serde_json::from_str(l).expect("every log line is JSON")).collect();
        if let Some(line) = lines.into_iter().find(|l| l["message"] == "request") {
            break line;
        }
        attempts += 1;
        assert!(attempts < 250, "no access line within 5 s in {}", server.stderr());
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(access["method"], "GET");
    assert_eq!(access["path"], "/oidc/jwks");
    assert_eq!(access["status"], 200);
    assert_eq!(access["level"], "DEBUG");
}
