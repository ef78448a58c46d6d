//! Running the `edgeid` admin CLI as a user would.

use std::process::{Command, ExitStatus};

use super::binary::edgeid_cli_binary;

#[derive(Debug)]
pub struct CliOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    /// Stdout as JSON, asserting the command succeeded.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        assert!(self.status.success(), "edgeid failed ({}): {}", self.status, self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

/// `edgeid <args>` with none of the developer's `EDGEID_*` variables.
pub fn edgeid_cli(args: &[&str]) -> CliOutput {
    let mut command = Command::new(edgeid_cli_binary());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("EDGEID_") {
            command.env_remove(name);
        }
    }
    let output = command.args(args).output().expect("running edgeid");
    CliOutput {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
