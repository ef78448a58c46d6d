//! Finding (and building) the real binaries (`edgeid-local`, `edgeid`) for process tests.
//!
//! Cargo only hands `CARGO_BIN_EXE_*` to integration tests of the package that owns the binary,
//! so this crate asks cargo to build it once per test run, into the same target directory and
//! profile as the test binary itself (a no-op when it is fresh). `EDGEID_LOCAL_BIN` /
//! `EDGEID_CLI_BIN` override this, e.g. to test a release build.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The local server.
pub fn edgeid_local_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| locate_or_build("EDGEID_LOCAL_BIN", "functions/local", "edgeid-local")).clone()
}

/// The admin CLI.
pub fn edgeid_cli_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| locate_or_build("EDGEID_CLI_BIN", "infra", "edgeid")).clone()
}

fn locate_or_build(override_var: &str, package_dir: &str, bin: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(override_var) {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "{override_var}={} is not a file", path.display());
        return path;
    }
    // The test binary is <target>/<profile>/deps/it-<hash>.
    let exe = std::env::current_exe().expect("path of the test binary");
    let profile_dir = exe.parent().and_then(Path::parent).expect("test binary under <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("profile dir under the target dir");
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).expect("profile dir name");

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(package_dir).join("Cargo.toml");
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "--bin", bin, "--manifest-path"]).arg(&manifest);
    build.arg("--target-dir").arg(target_dir);
    match profile {
        "debug" => {}
        "release" => {
            build.arg("--release");
        }
        other => {
            build.args(["--profile", other]);
        }
    }
    let status = build.status().expect("running cargo to build a binary");
    assert!(status.success(), "cargo build --bin {bin} failed ({status})");

    let binary = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    assert!(binary.is_file(), "built {bin} but {} does not exist", binary.display());
    binary
}
