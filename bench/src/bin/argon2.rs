//! Password sign-ins per second per core: the real `domain::password::verify` (Argon2id at
//! `domain::password::PARAMS`) called in a loop on one thread, timed by wall clock and by the
//! process's CPU time. Run it pinned (`taskset -c 0`) from `bench/signin.sh`.
//!
//!   edgeid-bench-argon2 [seconds]   → one human line and one `ARGON2JSON {...}` line
//!   edgeid-bench-argon2 --params    → `m t p` (KiB, passes, lanes), for the peer to match

use std::process::ExitCode;
use std::time::Duration;

use edgeid_core::domain::password::{self, Check, PARAMS};
use edgeid_core::ports::Rng;

/// Issue 5's target for Argon2id sign-ins per second per core.
const TARGET_PER_SECOND: f64 = 45.0;

/// User + system CPU seconds of this process so far, from `/proc/self/stat` (Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(") ")?.1;
    let mut fields = rest.split(' ');
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    // CLK_TCK is 100 on every Linux this runs on (the kernel's USER_HZ).
    Some((utime + stime) / 100.0)
}

/// Where the benchmark hash's salt comes from: the OS natively; under wasm32-wasip1 (node's WASI,
/// which times the verify in V8) a seeded generator, as the salt's value does not change the cost.
#[cfg(not(target_family = "wasm"))]
fn salt_rng() -> impl Rng {
    edgeid_core::ports::OsRng
}
#[cfg(target_family = "wasm")]
fn salt_rng() -> impl Rng {
    edgeid_core::ports::SeededRng::new(7)
}

#[allow(clippy::disallowed_methods)] // A benchmark times itself; the core rule is about the core.
fn now() -> std::time::Instant {
    std::time::Instant::now()
}

fn main() -> ExitCode {
    if let Err(e) = password::check_cpu() {
        eprintln!("edgeid-bench-argon2: {e}");
        return ExitCode::FAILURE;
    }
    let arg = std::env::args().nth(1);
    let (m, t, p) = PARAMS;
    if arg.as_deref() == Some("--params") {
        println!("{m} {t} {p}");
        return ExitCode::SUCCESS;
    }
    let seconds: u64 = match arg.as_deref().map(str::parse).transpose() {
        Ok(s) => s.unwrap_or(10),
        Err(_) => {
            eprintln!("usage: edgeid-bench-argon2 [seconds] | --params");
            return ExitCode::from(2);
        }
    };
    let stored = match password::hash(&salt_rng(), "correct horse battery staple") {
        Ok(stored) => stored,
        Err(e) => {
            eprintln!("edgeid-bench-argon2: cannot hash: {e}");
            return ExitCode::FAILURE;
        }
    };
    // What a sign-in checks: the right password (Valid) and, as often, a wrong one (Invalid),
    // which must cost the same.
    if password::verify(Some(&stored), "correct horse battery staple") != Check::Valid
        || password::verify(Some(&stored), "wrong") != Check::Invalid
    {
        eprintln!("edgeid-bench-argon2: verify does not accept the right password or rejects a wrong one");
        return ExitCode::FAILURE;
    }

    let (cpu_before, started) = (cpu_seconds(), now());
    let mut verified = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        let password = if verified.is_multiple_of(2) { "correct horse battery staple" } else { "wrong" };
        std::hint::black_box(password::verify(Some(&stored), std::hint::black_box(password)));
        verified += 1;
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = match (cpu_before, cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => wall,
    };
    let ms_per_verify = cpu * 1e3 / verified as f64;
    let per_core = verified as f64 / cpu;
    println!(
        "Argon2id m={m} KiB t={t} p={p}: {verified} verifications in {wall:.1} s ({cpu:.1} s CPU): \
         {ms_per_verify:.1} ms CPU each = {per_core:.1} sign-ins/s/core (target ≥ {TARGET_PER_SECOND}), \
         {:.1}/s by wall clock",
        verified as f64 / wall
    );
    println!(
        "ARGON2JSON {{\"m_kib\":{m},\"t\":{t},\"p\":{p},\"verifications\":{verified},\"wall_s\":{wall:.3},\"cpu_s\":{cpu:.3},\"per_core\":{per_core:.2}}}"
    );
    ExitCode::SUCCESS
}
