//! The real `edgeid-local` binary as a child process, started the way a user starts it.
//!
//! Reusable for crash tests: start on a given data dir, SIGKILL by PID, restart on the same
//! data dir and port (so the issuer stays the same), read what it printed.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use edgeid_local::LISTENING_PREFIX;
use tempfile::TempDir;

use super::client::Client;
use super::edgeid_local_binary;
use super::target::Credentials;

/// How long a debug build may take from spawn to accepting connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the server keeps its data; a temp dir lives as long as any server using it.
#[derive(Clone)]
enum DataDir {
    Temp(Arc<TempDir>),
    Given(PathBuf),
    Memory,
}

#[derive(Clone)]
pub struct LocalServerBuilder {
    data: DataDir,
    port: u16,
    env: Vec<(String, String)>,
}

impl Default for LocalServerBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalServerBuilder {
    /// Embedded store in a fresh temp dir, OS-chosen port, loopback.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("edgeid-test-").tempdir().expect("temp data dir");
        Self { data: DataDir::Temp(Arc::new(dir)), port: 0, env: Vec::new() }
    }

    /// Embedded store in `dir` (kept after the test; the caller owns it).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data = DataDir::Given(dir.into());
        self
    }

    /// `EDGEID_STORE=memory`.
    pub fn memory(mut self) -> Self {
        self.data = DataDir::Memory;
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Any extra environment variable (`EDGEID_SIGNING_ALG`, `RUST_LOG`, …).
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `EDGEID_BOOTSTRAP_CLIENT_ID`/`_SECRET`: the admin M2M app the server ensures at start.
    pub fn bootstrap(self, admin: &Credentials) -> Self {
        self.env("EDGEID_BOOTSTRAP_CLIENT_ID", &admin.id).env("EDGEID_BOOTSTRAP_CLIENT_SECRET", &admin.secret)
    }

    /// Start and wait until it accepts connections; panics with its stderr if it does not.
    #[track_caller]
    pub fn start(self) -> LocalServer {
        match self.try_start() {
            Ok(server) => server,
            Err(failed) => panic!("edgeid-local did not start: {failed}"),
        }
    }

    /// Start, or report how it exited (for tests of refused configurations).
    pub fn try_start(self) -> Result<LocalServer, StartFailed> {
        let mut command = Command::new(edgeid_local_binary());
        // The child sees only what the test configures, not the developer's EDGEID_* shell.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("EDGEID_") {
                command.env_remove(name);
            }
        }
        command.env("EDGEID_HOST", "127.0.0.1").env("EDGEID_PORT", self.port.to_string());
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "info");
        }
        match &self.data {
            DataDir::Temp(dir) => command.env("EDGEID_DATA_DIR", dir.path()),
            DataDir::Given(dir) => command.env("EDGEID_DATA_DIR", dir),
            DataDir::Memory => command.env("EDGEID_STORE", "memory"),
        };
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());

        let mut child = command.spawn().expect("spawning edgeid-local");
        let stdout = Arc::new(Mutex::new(Vec::<String>::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<String>();
        {
            let pipe = child.stdout.take().expect("piped stdout");
            let lines = Arc::clone(&stdout);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
            let mut pipe = child.stderr.take().expect("piped stderr");
            let text = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n @ 1..) = pipe.read(&mut buf) {
                    text.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }

        let started = Instant::now();
        let deadline = started + START_TIMEOUT;
        let base_url = loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(LISTENING_PREFIX) {
                        break rest.split_whitespace().next().expect("URL after the listening prefix").to_owned();
                    }
                }
                Err(_) => {
                    // Stdout closed (it exited) or the timeout passed: report either way.
                    let status = wait_timeout(&mut child, Duration::from_secs(5));
                    if status.is_none() {
                        let _ = child.kill();
                        let _ = child.wait();
                    }
                    std::thread::sleep(Duration::from_millis(50)); // let the stderr reader drain
                    return Err(StartFailed {
                        status,
                        stdout: stdout.lock().unwrap().join("\n"),
                        stderr: stderr.lock().unwrap().clone(),
                    });
                }
            }
        };
        let port = base_url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port in the listening URL");
        Ok(LocalServer { child, base_url, port, started_in: started.elapsed(), builder: self, stdout, stderr })
    }
}

/// Why a server did not come up: its exit status (if it exited) and what it printed.
#[derive(Debug)]
pub struct StartFailed {
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for StartFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(status) => write!(f, "exited with {status}")?,
            None => write!(f, "no listening line within {START_TIMEOUT:?}")?,
        }
        write!(f, "\n--- stdout ---\n{}\n--- stderr ---\n{}", self.stdout, self.stderr)
    }
}

/// A running `edgeid-local`; killed when dropped.
pub struct LocalServer {
    child: Child,
    base_url: String,
    port: u16,
    started_in: Duration,
    builder: LocalServerBuilder,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl LocalServer {
    pub fn builder() -> LocalServerBuilder {
        LocalServerBuilder::new()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// From spawn to the listening line.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// The embedded store's directory (`None` for the memory store).
    pub fn data_dir(&self) -> Option<&Path> {
        match &self.builder.data {
            DataDir::Temp(dir) => Some(dir.path()),
            DataDir::Given(dir) => Some(dir),
            DataDir::Memory => None,
        }
    }

    /// A fresh cookie-keeping HTTP client for this server.
    pub fn client(&self) -> Client {
        Client::http(&self.base_url)
    }

    /// Every line printed on stdout so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The admin credentials the server printed on first start, if it printed any.
    pub fn printed_credentials(&self) -> Option<Credentials> {
        self.stdout_lines().iter().find_map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).ok()?;
            Some(Credentials { id: v["clientId"].as_str()?.to_owned(), secret: v["clientSecret"].as_str()?.to_owned() })
        })
    }

    /// SIGKILL: no chance to flush or clean up (crash tests).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait (up to 30 s) for a graceful exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().expect("running kill");
        assert!(sent.success(), "kill -TERM {} failed", self.pid());
        wait_timeout(&mut self.child, Duration::from_secs(30))
            .expect("edgeid-local did not exit within 30 s of SIGTERM")
    }

    /// Whether the process has exited, without waiting.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stop (SIGKILL if still running) and start again on the same data dir and port.
    #[track_caller]
    pub fn restart(mut self) -> LocalServer {
        self.kill();
        let builder = self.builder.clone().port(self.port);
        builder.start()
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
