//! Crash safety of the real server on its embedded store: hammer the Management API with
//! creates from several connections, SIGKILL `edgeid-local` by its PID mid-stream, restart it on
//! the same data dir, and check what a user would check: it starts, every create it
//! acknowledged (2xx) is there with the data that was sent, tokens it issued before the crash
//! still work, and the store is consistent (the row count matches the rows, unique indicators
//! are still enforced, nothing exists that was neither acknowledged nor in flight).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_core::ports::Rng as _;
use edgeid_tests::harness::{Credentials, LocalServer, Target};
use serde_json::{Value, json};

/// Connections creating resources at the same time.
const WRITERS: usize = 4;
/// Acknowledged creates per cycle before the kill.
const KILL_AFTER: usize = 100;
const CYCLES: usize = 3;

/// Indicator → id of every create the server acknowledged.
type Acked = BTreeMap<String, String>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill() {
    let admin = Credentials { id: "crash-admin".to_owned(), secret: edgeid_core::ports::OsRng.token(32) };
    let mut server = LocalServer::builder().bootstrap(&admin).start();
    let mut acked = Acked::new();
    let mut token = admin_token(&server, &admin).await;

    for cycle in 0..CYCLES {
        acked.extend(hammer_then_kill(&mut server, &token, cycle).await);

        server = server.restart(); // same data dir, same port (so the same issuer)
        eprintln!("cycle {cycle}: restarted in {:?}", server.started_in());
        let (indicator, id) = verify(&server, &token, &acked, cycle).await;
        acked.insert(indicator, id);
        // A fresh token works too (the bootstrap app and signing keys survived).
        token = admin_token(&server, &admin).await;
    }
    eprintln!("crash test: {CYCLES} SIGKILLs, {} acknowledged creates all present and whole", acked.len());
}

async fn admin_token(server: &LocalServer, admin: &Credentials) -> String {
    let target = Target { client: server.client(), admin: admin.clone(), server: None };
    let body = target.token_for(admin, MANAGEMENT_API_INDICATOR, Some("all")).await;
    body["access_token"].as_str().expect("access_token").to_owned()
}

/// Create resources from `WRITERS` connections until `KILL_AFTER` are acknowledged, then
/// SIGKILL the server while requests are still in flight. Returns what was acknowledged.
async fn hammer_then_kill(server: &mut LocalServer, token: &str, cycle: usize) -> Acked {
    let acked: Arc<Mutex<Acked>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (acked, failures, sent, stop) = (acked.clone(), failures.clone(), sent.clone(), stop.clone());
        let url = format!("{}/api/resources", server.base_url());
        let token = token.to_owned();
        writers.push(tokio::spawn(async move {
            // A plain client: after the kill, requests fail and the writer stops (the harness
            // client would panic on a transport error).
            let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
            for n in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let indicator = format!("https://crash-{cycle}-{w}-{n}.example.com");
                sent.fetch_add(1, Ordering::SeqCst);
                let response = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(json!({"name": format!("crash {cycle}/{w}/{n}"), "indicator": indicator}).to_string())
                    .send()
                    .await;
                let Ok(response) = response else { break }; // the server is gone
                let status = response.status();
                let Ok(body) = response.bytes().await else { break };
                if status.is_success() {
                    let body: Value = serde_json::from_slice(&body).expect("a 2xx create returns JSON");
                    let id = body["id"].as_str().expect("created resource has an id").to_owned();
                    acked.lock().unwrap().insert(indicator, id);
                } else {
                    failures.lock().unwrap().push(format!("{status}: {}", String::from_utf8_lossy(&body)));
                }
            }
        }));
    }

    let enough = async {
        while acked.lock().unwrap().len() < KILL_AFTER {
            assert!(
                failures.lock().unwrap().is_empty(),
                "cycle {cycle}: creates failed: {:?}",
                failures.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    let waited = tokio::time::timeout(Duration::from_secs(120), enough).await;
    assert!(waited.is_ok(), "cycle {cycle}: the server acknowledged too few creates in 2 minutes");
    let pid = server.pid();
    server.kill(); // SIGKILL to that PID, with requests in flight
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await.unwrap();
    }
    let failures = failures.lock().unwrap().clone();
    assert!(failures.is_empty(), "cycle {cycle}: creates failed before the kill: {failures:?}");
    let acked = acked.lock().unwrap().clone();
    let sent = sent.load(Ordering::SeqCst);
    eprintln!("cycle {cycle}: SIGKILLed pid {pid} after {} acknowledged of {sent} sent creates", acked.len());
    acked
}

/// Everything acknowledged is there and whole, and the store is consistent; then one more
/// create, whose indicator and id are returned.
async fn verify(server: &LocalServer, token: &str, acked: &Acked, cycle: usize) -> (String, String) {
    let client = server.client();
    let api = |method: http::Method, path: &str| client.request(method, path).bearer(token);

    // `token` was issued before the crash: it still verifies, so the signing keys were durable.
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    let mut total_number = None;
    for page in 1.. {
        let response = api(http::Method::GET, &format!("/api/resources?page={page}&page_size=100")).send().await;
        response.assert_status(200);
        let total = response.header("total-number").expect("a paged list carries Total-Number");
        total_number = Some(total.parse::<usize>().expect("Total-Number is a number"));
        let rows = response.json();
        let rows = rows.as_array().expect("a list of resources");
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let indicator = row["indicator"].as_str().expect("indicator").to_owned();
            let id = row["id"].as_str().expect("id").to_owned();
            assert!(listed.insert(indicator.clone(), id).is_none(), "cycle {cycle}: {indicator} listed twice");
        }
    }
    let ours: BTreeMap<&String, &String> = listed.iter().filter(|(i, _)| i.starts_with("https://crash-")).collect();

    for (indicator, id) in acked {
        assert_eq!(
            ours.get(indicator).copied(),
            Some(id),
            "cycle {cycle}: acknowledged create {indicator} ({id}) is missing after SIGKILL + restart"
        );
    }
    // At most the creates that were in flight at the kill may exist without an acknowledgement.
    let unacked = ours.len() - acked.len();
    assert!(
        unacked <= WRITERS * (cycle + 1),
        "cycle {cycle}: {unacked} unacknowledged resources; only in-flight creates may land"
    );
    if let Some(total) = total_number {
        assert_eq!(
            total,
            listed.len(),
            "cycle {cycle}: Total-Number disagrees with the rows (counter not committed with them)"
        );
    }

    // Each acknowledged resource reads back whole.
    for (indicator, id) in acked {
        let one = api(http::Method::GET, &format!("/api/resources/{id}")).send().await;
        assert_eq!(
            one.assert_status(200).json()["indicator"],
            indicator.as_str(),
            "cycle {cycle}: {id} came back different"
        );
    }

    // The unique indicator index survived with its rows: claiming a taken indicator is refused.
    let (taken, _) = acked.iter().next().expect("something was acknowledged");
    let again =
        api(http::Method::POST, "/api/resources").json(&json!({"name": "dup", "indicator": taken})).send().await;
    assert!(
        again.status.is_client_error(),
        "cycle {cycle}: re-creating {taken} after the crash returned {} {}",
        again.status,
        again.text()
    );

    // And it takes writes again.
    let fresh = format!("https://crash-{cycle}-after-restart.example.com");
    let created =
        api(http::Method::POST, "/api/resources").json(&json!({"name": "after", "indicator": fresh})).send().await;
    assert!(created.status.is_success(), "cycle {cycle}: create after restart: {} {}", created.status, created.text());
    (fresh, created.str_field("id"))
}
