//! `edgeid-local`: run edgeid on this machine. Configuration is environment variables only
//! (the same names the Workers and Lambda hosts read); see README.md.

use std::process::ExitCode;

use edgeid_local::{Settings, logging};

fn main() -> ExitCode {
    // Before anything else: a binary built for x86-64-v3 must not die of SIGILL on an old CPU.
    if let Err(e) = edgeid_core::domain::password::check_cpu() {
        eprintln!("edgeid-local: {e}");
        return ExitCode::FAILURE;
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("edgeid-local: {e}");
            return ExitCode::from(2);
        }
    };
    logging::init(settings.log_format);

    let runtime = match runtime(settings.workers) {
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

/// One worker thread (`EDGEID_WORKERS=1`, or a process allowed only one CPU, e.g. a container
/// with one core or `taskset -c 0`): tokio's single-threaded scheduler, which skips the
/// work-stealing queues, cross-thread wake-ups and their atomics on every task switch.
/// Otherwise the multi-threaded runtime with one worker per core (or `EDGEID_WORKERS`).
fn runtime(workers: Option<usize>) -> std::io::Result<tokio::runtime::Runtime> {
    let one_cpu = std::thread::available_parallelism().is_ok_and(|n| n.get() == 1);
    if workers == Some(1) || (workers.is_none() && one_cpu) {
        return tokio::runtime::Builder::new_current_thread().enable_all().build();
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(workers) = workers {
        runtime.worker_threads(workers);
    }
    runtime.build()
}
