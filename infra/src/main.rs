//! `edgeid`: administer an edgeid deployment from the command line.
//!
//! Every command prints its result as JSON on stdout (for scripts) and errors on stderr with a
//! non-zero exit. Commands that work on the local embedded store open it directly, so the
//! server must be stopped (the store file is locked by one process at a time); on a running
//! server, use the Management API instead. Cloud setup commands (DynamoDB table, Workers KV)
//! slot in as further subcommands next to `local`-store ones.

mod commands;
mod local_store;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "edgeid", version, about = "Administer an edgeid deployment", propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an M2M application with Management API access and print its credentials once.
    CreateAdminClient(commands::create_admin_client::Args),
    /// Inspect and rotate the OIDC signing keys.
    #[command(subcommand)]
    Keys(commands::keys::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("edgeid: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::CreateAdminClient(args) => commands::create_admin_client::run(args).await,
            Command::Keys(command) => commands::keys::run(command).await,
        }
    });
    match result {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("edgeid: {e}");
            ExitCode::FAILURE
        }
    }
}
