//! Crash safety at the store level: a child process writes as fast as it can and prints an
//! acknowledgement after each write returns; the parent SIGKILLs it mid-stream, reopens the
//! file and checks that every acknowledged write is there, whole, and that nothing else is.
//! Repeated over several kill/restart cycles on the same file.
//!
//! A custom-harness test (`harness = false`): the same binary is the parent (no arguments) and
//! the writer (`EDGEID_CRASH_WRITER=<file>`), so no extra binary has to be built or found.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // a test program

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;

use edgeid_core::ports::FixedClock;
use edgeid_core::store::{Key, PutOptions, Store, WriteOp};
use edgeid_store_embedded::EmbeddedStore;

const WRITER_ENV: &str = "EDGEID_CRASH_WRITER";
const T0: i64 = 1_767_225_600_000;
const CYCLES: usize = 4;

fn item(i: u64) -> Key {
    Key::new(["item".to_owned(), format!("{i:08}")])
}

fn index(i: u64) -> Key {
    Key::new(["idx".to_owned(), "item".to_owned(), format!("{i:08}")])
}

fn value(i: u64) -> Vec<u8> {
    // Big enough that a write spans several pages, so a torn write would be visible.
    format!("{{\"id\":{i},\"pad\":\"{}\"}}", "x".repeat(6_000)).into_bytes()
}

fn main() {
    match std::env::var_os(WRITER_ENV) {
        Some(path) => writer(path.into()),
        None => parent(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().unwrap()
}

/// Write item `n`, `n+1`, ... forever (each an atomic two-key commit), printing `ack <n>` once
/// the commit has returned.
fn writer(path: std::path::PathBuf) {
    let rt = runtime();
    let store = EmbeddedStore::open(&path, Arc::new(FixedClock::new(T0))).unwrap();
    let start = rt.block_on(store.list(&Key::new(["item"]), None, usize::MAX)).unwrap().items.len() as u64;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready {start}").unwrap();
    out.flush().unwrap();
    for i in start.. {
        rt.block_on(store.commit(vec![
            WriteOp::Put { key: item(i), value: value(i), options: PutOptions::IF_ABSENT },
            WriteOp::Put { key: index(i), value: i.to_string().into_bytes(), options: PutOptions::IF_ABSENT },
        ]))
        .unwrap();
        writeln!(out, "ack {i}").unwrap();
        out.flush().unwrap();
    }
}

fn parent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.redb");
    let mut acked: BTreeSet<u64> = BTreeSet::new();
    let mut in_flight_survived = 0;

    for cycle in 0..CYCLES {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(WRITER_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = lines.next().expect("writer said nothing").unwrap();
        let resumed_at: u64 = ready.strip_prefix("ready ").expect("ready line").parse().unwrap();
        // The writer starts after everything that is stored: at least every acknowledged item,
        // plus at most the one write that was in flight when it was killed.
        let expected_min = acked.last().map_or(0, |last| last + 1);
        assert!(
            resumed_at == expected_min || resumed_at == expected_min + 1,
            "cycle {cycle}: store holds {resumed_at} items after restart, {expected_min} were acknowledged"
        );
        if cycle > 0 && resumed_at == expected_min + 1 {
            in_flight_survived += 1;
        }

        // Let it run for a while (different lengths per cycle), then kill it mid-stream.
        let kill_after = 40 + 25 * cycle;
        let mut seen_this_cycle = 0;
        for line in lines.by_ref() {
            let i: u64 = line.unwrap().strip_prefix("ack ").expect("ack line").parse().unwrap();
            acked.insert(i);
            seen_this_cycle += 1;
            if seen_this_cycle == kill_after {
                child.kill().unwrap(); // SIGKILL to this child's pid
                break;
            }
        }
        // Acknowledgements already in the pipe were sent before the kill: they count too.
        for line in lines {
            let Ok(line) = line else { break };
            if let Some(i) = line.strip_prefix("ack ") {
                acked.insert(i.parse().unwrap());
            }
        }
        let status = child.wait().unwrap();
        assert!(!status.success(), "cycle {cycle}: the writer was supposed to die by SIGKILL, it exited {status}");

        check(&path, &acked, cycle);
    }
    println!(
        "crash test: {CYCLES} SIGKILL cycles, {} acknowledged writes, all present and whole; the unacknowledged \
         in-flight write landed whole in {in_flight_survived} of {} restarts and was absent in the others",
        acked.len(),
        CYCLES - 1
    );
}

/// Reopen after a crash: it opens, every acknowledged write is there, both keys of every
/// commit are there or neither, and ids are contiguous (nothing invented, nothing skipped).
fn check(path: &std::path::Path, acked: &BTreeSet<u64>, cycle: usize) {
    let rt = runtime();
    let store = EmbeddedStore::open(path, Arc::new(FixedClock::new(T0)))
        .unwrap_or_else(|e| panic!("cycle {cycle}: the store does not reopen after SIGKILL: {e}"));
    let items = rt.block_on(store.list(&Key::new(["item"]), None, usize::MAX)).unwrap().items;
    let indexes = rt.block_on(store.list(&Key::new(["idx", "item"]), None, usize::MAX)).unwrap().items;
    let ids: Vec<u64> = items.iter().map(|(k, _)| k.last_segment().parse().unwrap()).collect();
    let idx_ids: Vec<u64> = indexes.iter().map(|(k, _)| k.last_segment().parse().unwrap()).collect();

    assert_eq!(ids, idx_ids, "cycle {cycle}: a commit survived halfway (items and index entries differ)");
    assert_eq!(ids, (0..ids.len() as u64).collect::<Vec<_>>(), "cycle {cycle}: ids are not contiguous");
    for i in acked {
        assert!(ids.contains(i), "cycle {cycle}: acknowledged write {i} is missing after SIGKILL");
    }
    assert!(ids.len() as u64 <= acked.len() as u64 + 1, "cycle {cycle}: more writes than were acknowledged + 1");
    for (k, r) in &items {
        let i: u64 = k.last_segment().parse().unwrap();
        assert_eq!(r.value, value(i), "cycle {cycle}: item {i} is not the value that was written");
    }
    for (k, r) in &indexes {
        let i: u64 = k.last_segment().parse().unwrap();
        assert_eq!(r.value, i.to_string().into_bytes(), "cycle {cycle}: index entry {k} is damaged");
    }
}
