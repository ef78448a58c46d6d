//! A tiny HTTP/1.1 server standing in for a provider (an HTTP email/SMS service): it accepts one
//! connection, reads one whole request, answers with the given status and body, and hands the
//! request back to the test, so tests can assert exactly what edgeid sent.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request as the sink saw it.
pub struct SeenRequest {
    /// The request line and headers, without the blank line.
    pub head: String,
    pub body: Vec<u8>,
}

impl SeenRequest {
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// Listen on 127.0.0.1; returns the URL of `/send` on it and the task yielding the request.
pub async fn http_sink(status: &'static str, reply: &'static str) -> (String, JoinHandle<SeenRequest>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        let seen = loop {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before a whole request arrived");
            data.extend_from_slice(&buf[..n]);
            let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
            let head = String::from_utf8(data[..end].to_vec()).unwrap();
            let partial = SeenRequest { head, body: Vec::new() };
            let length: usize = partial.header("content-length").map_or(0, |v| v.parse().unwrap());
            if data.len() >= end + 4 + length {
                break SeenRequest { head: partial.head, body: data[end + 4..end + 4 + length].to_vec() };
            }
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        socket.shutdown().await.unwrap();
        seen
    });
    (url, task)
}
