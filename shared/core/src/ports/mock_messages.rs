use super::{MaybeSend, MaybeSync};

/// Which record file a mock connector writes (Logto's `mockConnectorFilePaths`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockMessageKind {
    /// `mock_email_record.txt`
    Email,
    /// `mock_sms_record.txt`
    Sms,
}

impl MockMessageKind {
    /// The file's basename, as Logto's integration tests read it from `MOCK_CONNECTOR_MESSAGE_DIR`.
    pub fn file_name(self) -> &'static str {
        match self {
            MockMessageKind::Email => "mock_email_record.txt",
            MockMessageKind::Sms => "mock_sms_record.txt",
        }
    }
}

/// Where Logto's mock email/SMS connectors put each message. The local host writes the line to
/// `<MOCK_CONNECTOR_MESSAGE_DIR>/<file_name>` (overwriting, as Logto does); Workers and Lambda
/// have no such outlet, so the mock factories are not offered there.
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait MockMessages: MaybeSend + MaybeSync {
    /// Replace the record of `kind` with `line` (one JSON document followed by `\n`).
    async fn write(&self, kind: MockMessageKind, line: String) -> Result<(), String>;
}

/// An in-memory outlet for tests: keeps the last line of each kind.
#[derive(Debug, Default)]
pub struct MemoryMockMessages {
    email: std::sync::Mutex<Option<String>>,
    sms: std::sync::Mutex<Option<String>>,
}

impl MemoryMockMessages {
    fn slot(&self, kind: MockMessageKind) -> &std::sync::Mutex<Option<String>> {
        match kind {
            MockMessageKind::Email => &self.email,
            MockMessageKind::Sms => &self.sms,
        }
    }

    /// The last message of `kind`, parsed.
    pub fn last(&self, kind: MockMessageKind) -> Option<serde_json::Value> {
        let line = self.slot(kind).lock().ok()?.clone()?;
        serde_json::from_str(&line).ok()
    }
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl MockMessages for MemoryMockMessages {
    async fn write(&self, kind: MockMessageKind, line: String) -> Result<(), String> {
        let mut slot = self.slot(kind).lock().map_err(|_| "poisoned".to_owned())?;
        *slot = Some(line);
        Ok(())
    }
}
