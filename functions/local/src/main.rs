//! `edgeid-local`: run edgeid on this machine. Configuration is environment variables only
//! (the same names the Workers and Lambda hosts read); see README.md.

use std::process::ExitCode;

use edgeid_local::{Settings, logging};

fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("edgeid-local: {e}");
            return ExitCode::from(2);
        }
    };
    logging::init(settings.log_format);

    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(workers) = settings.workers {
        runtime.worker_threads(workers);
    }
    let runtime = match runtime.build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("edgeid-local: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };

    match runtime.block_on(edgeid_local::run(settings, edgeid_local::shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("edgeid-local: {e}");
            ExitCode::FAILURE
        }
    }
}
