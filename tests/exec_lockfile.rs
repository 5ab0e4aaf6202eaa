//! NFS-safe lock files: threads and processes racing on one lock take turns (a counter
//! incremented without atomicity under the lock loses no update); a holder that died on
//! this host is replaced at once, a silent holder on another host only after the timeout;
//! the heartbeat keeps a long-held lock fresh; a holder whose lock was broken notices.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use mascot::exec::lockfile::{FileLock, LockConfig, LockOwner, inspect};

const CHILD_ENV: &str = "MASCOT_LOCKFILE_TEST_CHILD";

fn config(stale_ms: u64, heartbeat_ms: u64) -> LockConfig {
    LockConfig {
        stale_after: Duration::from_millis(stale_ms),
        heartbeat_every: Duration::from_millis(heartbeat_ms),
        max_poll: Duration::from_millis(20),
    }
}

/// Reads the counter, waits a little, writes it plus one: loses updates unless serialised.
fn bump(counter: &Path) {
    let n: u64 = std::fs::read_to_string(counter)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    std::thread::sleep(Duration::from_micros(300));
    std::fs::write(counter, (n + 1).to_string()).unwrap();
}

fn count(counter: &Path) -> u64 {
    std::fs::read_to_string(counter)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Only the lock itself may be left once every holder released it.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".lock"))
        .collect()
}

#[test]
fn racing_threads_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("k.lock");
    let counter = dir.path().join("counter");
    let inside = Arc::new(AtomicUsize::new(0));
    let cfg = config(60_000, 10_000);
    std::thread::scope(|s| {
        for _ in 0..8 {
            let (lock, counter, inside) = (&lock, &counter, inside.clone());
            s.spawn(move || {
                for _ in 0..25 {
                    let held = FileLock::acquire(lock, &cfg).unwrap();
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                    bump(counter);
                    inside.fetch_sub(1, Ordering::SeqCst);
                    assert!(held.holds());
                    drop(held);
                }
            });
        }
    });
    assert_eq!(count(&counter), 200);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

fn spawn_child(mode: &str, dir: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, format!("{mode}:{}", dir.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// The body of the child processes (a no-op in a normal test run).
#[test]
fn child_process() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (mode, dir) = spec.split_once(':').unwrap();
    let dir = PathBuf::from(dir);
    let lock = dir.join("k.lock");
    let cfg = config(60_000, 10_000);
    match mode {
        "race" => {
            for _ in 0..25 {
                let _held = FileLock::acquire(&lock, &cfg).unwrap();
                let log = dir.join("log");
                let line = format!("in {}\n", std::process::id());
                append(&log, &line);
                bump(&dir.join("counter"));
                append(&log, &format!("out {}\n", std::process::id()));
            }
        }
        "hold" => {
            let _held = FileLock::acquire(&lock, &cfg).unwrap();
            std::fs::write(dir.join("held"), "").unwrap();
            std::thread::sleep(Duration::from_secs(120));
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn append(path: &Path, line: &str) {
    use std::io::Write;
    let mut f = std::fs::File::options()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(line.as_bytes()).unwrap();
}

#[test]
fn racing_processes_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..4).map(|_| spawn_child("race", dir.path())).collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert_eq!(count(&dir.path().join("counter")), 100);
    // Every "in" is followed by the same process's "out" before anyone else's "in".
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 200);
    for pair in lines.chunks(2) {
        let who_in = pair[0].strip_prefix("in ").unwrap();
        let who_out = pair[1].strip_prefix("out ").unwrap();
        assert_eq!(who_in, who_out, "interleaved holders: {pair:?}");
    }
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

fn wait_for(path: &Path) {
    for _ in 0..600 {
        if path.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never appeared", path.display());
}

#[test]
fn a_holder_killed_on_this_host_is_replaced_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("k.lock");
    let mut child = spawn_child("hold", dir.path());
    wait_for(&dir.path().join("held"));
    let cfg = config(3_600_000, 600_000);
    assert!(FileLock::try_acquire(&lock, &cfg).unwrap().is_none());
    let holder = inspect(&lock).unwrap().unwrap().owner.unwrap();
    assert_eq!(holder.pid, child.id());

    child.kill().unwrap(); // SIGKILL: no cleanup; not reaped yet (a zombie)
    let mine = FileLock::try_acquire(&lock, &cfg).unwrap();
    let _ = child.wait();
    let mine = mine.expect("a dead holder's lock is broken at once");
    assert!(mine.holds());
    let owner = inspect(&lock).unwrap().unwrap().owner.unwrap();
    assert_eq!(owner.pid, std::process::id());
    drop(mine);
    assert!(!lock.exists());
}

fn write_foreign_lock(path: &Path, heartbeat_age: Duration) -> LockOwner {
    let mut owner = LockOwner::current();
    owner.host = "node-that-is-not-this-one".into();
    owner.pid = 1;
    std::fs::write(path, serde_json::to_vec(&owner).unwrap()).unwrap();
    set_age(path, heartbeat_age);
    owner
}

fn set_age(path: &Path, age: Duration) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
}

#[test]
fn a_silent_holder_on_another_host_is_replaced_only_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("k.lock");
    write_foreign_lock(&lock, Duration::from_secs(30));
    let minute = config(60_000, 10_000);
    assert!(FileLock::try_acquire(&lock, &minute).unwrap().is_none());
    let snap = inspect(&lock).unwrap().unwrap();
    assert_eq!(snap.owner.unwrap().host, "node-that-is-not-this-one");

    let ten_s = config(10_000, 2_000);
    let mine = FileLock::try_acquire(&lock, &ten_s)
        .unwrap()
        .expect("stale after 10 s");
    let owner = inspect(&lock).unwrap().unwrap().owner.unwrap();
    assert_eq!(owner.pid, std::process::id());
    drop(mine);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn a_damaged_lock_file_counts_by_its_age() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("k.lock");
    std::fs::write(&lock, "{not json").unwrap();
    let cfg = config(10_000, 2_000);
    assert!(FileLock::try_acquire(&lock, &cfg).unwrap().is_none());
    set_age(&lock, Duration::from_secs(11));
    assert!(FileLock::try_acquire(&lock, &cfg).unwrap().is_some());
}

#[test]
fn the_heartbeat_keeps_a_long_held_lock_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("k.lock");
    let cfg = config(400, 50);
    let held = FileLock::acquire(&lock, &cfg).unwrap();
    // Pretend the holder is on another host, so that only its heartbeat keeps it.
    let mut owner = inspect(&lock).unwrap().unwrap().owner.unwrap();
    owner.host = "node-that-is-not-this-one".into();
    std::fs::write(&lock, serde_json::to_vec(&owner).unwrap()).unwrap();
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            FileLock::try_acquire(&lock, &cfg).unwrap().is_none(),
            "a lock with a running heartbeat was broken"
        );
    }
    let age = SystemTime::now()
        .duration_since(inspect(&lock).unwrap().unwrap().heartbeat)
        .unwrap_or_default();
    assert!(age < Duration::from_millis(400), "heartbeat {age:?} old");
    assert!(held.holds());
}

#[test]
fn a_holder_whose_lock_was_broken_notices_and_leaves_the_new_lock_alone() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("k.lock");
    // A heartbeat far slower than the timeout: the lock goes stale while held.
    let slow = config(100, 3_600_000);
    let first = FileLock::acquire(&lock, &slow).unwrap();
    let mut owner = inspect(&lock).unwrap().unwrap().owner.unwrap();
    owner.host = "node-that-is-not-this-one".into();
    std::fs::write(&lock, serde_json::to_vec(&owner).unwrap()).unwrap();
    set_age(&lock, Duration::from_secs(1));

    let second = FileLock::try_acquire(&lock, &slow)
        .unwrap()
        .expect("stale lock broken");
    assert!(!first.holds());
    assert!(second.holds());
    drop(first);
    assert!(
        lock.exists(),
        "the broken holder removed its successor's lock"
    );
    drop(second);
    assert!(!lock.exists());
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}
