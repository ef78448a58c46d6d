//! The mock connectors' outlet on the local host: Logto's `mockConnectorFilePaths` files in
//! `MOCK_CONNECTOR_MESSAGE_DIR`, each overwritten with the latest message (one JSON line), which
//! is where Logto's integration tests and local developers read verification codes.

use std::path::PathBuf;

use edgeid_core::ports::{MockMessageKind, MockMessages};

pub struct FileMockMessages {
    dir: PathBuf,
}

impl FileMockMessages {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }
}

#[async_trait::async_trait]
impl MockMessages for FileMockMessages {
    async fn write(&self, kind: MockMessageKind, line: String) -> Result<(), String> {
        let path = self.dir.join(kind.file_name());
        tokio::fs::create_dir_all(&self.dir).await.map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        tokio::fs::write(&path, line).await.map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_message_replaces_the_record_file() {
        let dir = std::env::temp_dir().join(format!("edgeid-mock-{}", std::process::id()));
        let outlet = FileMockMessages::new(dir.clone());
        outlet.write(MockMessageKind::Sms, "{\"code\":\"1\"}\n".into()).await.unwrap();
        outlet.write(MockMessageKind::Sms, "{\"code\":\"2\"}\n".into()).await.unwrap();
        let text = std::fs::read_to_string(dir.join("mock_sms_record.txt")).unwrap();
        assert_eq!(text, "{\"code\":\"2\"}\n");
        assert!(!dir.join("mock_email_record.txt").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
