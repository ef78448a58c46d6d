//! Hostile and sloppy HTTP straight on the socket: hyper must answer or close, never crash
//! the server, and the server must keep serving afterwards.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use edgeid_core::http::MAX_BODY_BYTES;
use edgeid_tests::harness::LocalServer;

/// Send raw bytes, read until the server closes or 2 s pass; the response text.
fn raw(server: &LocalServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let _ = stream.write_all(request);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn still_serves(server: &LocalServer) {
    let response = raw(server, b"GET /oidc/jwks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(response.starts_with("HTTP/1.1 "), "server stopped answering: {response:?}");
}

#[test]
fn garbage_and_malformed_requests_get_400_and_the_server_lives_on() {
    let server = LocalServer::builder().memory().start();
    for request in [
        &b"\x00\x01\x02 garbage\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /oidc/jwks HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n",
        b"POST /oidc/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde",
        b"POST /oidc/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
    ] {
        let response = raw(&server, request);
        assert!(response.is_empty() || response.starts_with("HTTP/1.1 400"), "{request:?} → {response:?}");
        still_serves(&server);
    }
}

#[test]
fn chunked_body_over_the_limit_is_413_while_reading() {
    let server = LocalServer::builder().memory().start();
    let chunk = "a".repeat(16 * 1024);
    let mut request = b"POST /oidc/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n".to_vec();
    for _ in 0..(MAX_BODY_BYTES / chunk.len() + 2) {
        request.extend(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    }
    request.extend(b"0\r\n\r\n");
    let response = raw(&server, &request);
    assert!(response.starts_with("HTTP/1.1 413"), "{response:?}");
    assert!(response.contains("\"error\""), "OAuth wire format expected: {response}");
    still_serves(&server);
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let server = LocalServer::builder().memory().start();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    for _ in 0..3 {
        stream.write_all(b"GET /oidc/no-such-route HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap();
        let response = String::from_utf8_lossy(&buf[..n]);
        assert!(response.starts_with("HTTP/1.1 404"), "{response}");
        assert!(!response.to_ascii_lowercase().contains("connection: close"), "{response}");
    }
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let mut server = LocalServer::builder().memory().start();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // Half a request: the server is now reading its body.
    let body = "grant_type=client_credentials";
    stream
        .write_all(
            format!(
                "POST /oidc/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
                body.len(),
                &body[..10]
            )
            .as_bytes(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = server.pid().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    std::thread::sleep(Duration::from_millis(200));
    assert!(server.exit_status().is_none(), "exited with a request in flight");

    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    // Answered (no client authentication: 400 in OAuth format) and then closed.
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("invalid_request") || response.contains("invalid_client"), "{response}");
    let status = server.terminate();
    assert!(status.success(), "{status}");
}
