//! Speed of the executor's cache checks: hashing a large external input with and without
//! the (path, size, mtime) fast path, and a run where every stage is cached.

#[path = "../tests/exec_support/mod.rs"]
mod exec_support;

use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use mascot::exec::hash_cache::HashCache;
use mascot::exec::{RunOptions, Store, run_plan};

fn external_hashing(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("weights.bin");
    std::fs::write(&file, vec![7u8; 64 << 20]).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(60))
        .unwrap();
    let mut g = c.benchmark_group("external_64MiB");
    g.sample_size(10);
    g.bench_function("cold (full blake3)", |b| {
        b.iter(|| {
            let cache = HashCache::load(&dir.path().join("none.json"));
            cache.content_hash(&file).unwrap()
        })
    });
    let warm = HashCache::load(&dir.path().join("warm.json"));
    warm.content_hash(&file).unwrap();
    g.bench_function("warm (size + mtime)", |b| {
        b.iter(|| warm.content_hash(&file).unwrap())
    });
    g.finish();
}

fn cached_run(c: &mut Criterion) {
    let ws = exec_support::Workspace::new();
    let plan = exec_support::standard_plan("Bench", &["INFP"]);
    let store = Store::open(&ws.store()).unwrap();
    run_plan(&plan, ws.path(), &store, &RunOptions::default()).unwrap();
    c.bench_function("fully cached run (5 stages)", |b| {
        b.iter(|| run_plan(&plan, ws.path(), &store, &RunOptions::default()).unwrap())
    });
}

criterion_group!(benches, external_hashing, cached_run);
criterion_main!(benches);
