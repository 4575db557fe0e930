//! Caps glibc's malloc arenas at the number of cores.
//!
//! By default glibc gives threads that allocate at the same time arenas of
//! their own, up to eight per core. The server's threads are tokio's workers
//! plus one per SQLite connection (sqlx runs each on a thread of its own), and
//! memory freed in one arena cannot serve another, so under a steady load the
//! resident size kept creeping up. In a 3-minute soak of 100 simulated CSRs
//! on 200,000 accounts it ended at 73 MB, 12.7% above its size at 36 s; with
//! the cap, 59 MB and 6.3%, flat for the last two minutes (docs/benchmarks.md).
//! `MALLOC_ARENA_MAX` in the environment still wins.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn cap_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
    // SAFETY: called first thing in `main`, before any other thread exists;
    // mallopt only sets one of the allocator's tunables.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn cap_arenas() {}
