//! The plans' scheduler, unattended: `paydesk run-plans` killed with
//! SIGKILL at random moments while it pays thousands of plans, then run to
//! the end; and two `paydesk run-plans` at once. Afterwards every plan paid
//! its date exactly once and has its next month made ahead, no payment is
//! left half-taken, and `paydesk check` passes. On both databases.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

mod support;
use support::{count, drop_postgres, postgres_db};

const PLANS: u64 = 2000;
const KILLS: usize = 6;
/// A Tuesday with no holiday near it: the run date is the date.
const DAY: &str = "2027-03-09";
const NEXT: &str = "2027-04-09";

struct Env {
    db_url: String,
    data: PathBuf,
}

impl Env {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_paydesk"));
        c.args(args)
            .current_dir(self.data.parent().unwrap_or(&self.data))
            .env("DATABASE_URL", &self.db_url)
            .env("PAYDESK_DATA_DIR", &self.data)
            // A payment a kill left at the processor is finished by the
            // next pass once it is this old.
            .env("PAYDESK_RECOVER_AFTER", "5s")
            .env("RUST_LOG", "error");
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("paydesk");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn prepare(db_url: &str, dir: &Path) -> Env {
    let env = Env {
        db_url: db_url.to_string(),
        data: dir.join("data"),
    };
    env.run(&["migrate"]);
    env.run(&["demo"]);
    env.run(&[
        "bench",
        "plans",
        "--count",
        &PLANS.to_string(),
        "--first",
        DAY,
    ]);
    env
}

/// Passes until none is left half-taken (a killed pass's payments are
/// finished once they are `PAYDESK_RECOVER_AFTER` old).
async fn finish(env: &Env, db: &app::db::Db) {
    for _ in 0..60 {
        env.run(&["run-plans", "--today", DAY]);
        if count(
            db,
            "SELECT COUNT(*) FROM payments WHERE status = 'authorizing'",
        )
        .await
            == 0
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("payments were still half-taken after 60 passes");
}

async fn each_plan_paid_once(env: &Env, db: &app::db::Db) {
    let plans = PLANS as i64;
    let bench = "SELECT id FROM plans WHERE idempotency_key LIKE 'bench-plan-%'";
    assert_eq!(
        count(db, &format!("SELECT COUNT(*) FROM plan_occurrences WHERE occurrence_key = '{DAY}' AND plan_id IN ({bench})")).await,
        plans,
        "every plan has its date"
    );
    assert_eq!(
        count(db, &format!("SELECT COUNT(*) FROM plan_occurrences WHERE occurrence_key = '{NEXT}' AND plan_id IN ({bench})")).await,
        plans,
        "and the next month's, made ahead"
    );
    assert_eq!(
        count(
            db,
            &format!("SELECT COUNT(*) FROM plan_occurrences WHERE plan_id IN ({bench})")
        )
        .await,
        2 * plans,
        "and nothing else"
    );
    assert_eq!(
        count(db, &format!("SELECT COUNT(*) FROM payments WHERE status = 'pending' AND scheduled_for = '{DAY}' AND plan_id IN ({bench})")).await,
        plans,
        "each date paid exactly once"
    );
    assert_eq!(
        count(db, &format!("SELECT COUNT(*) FROM payments WHERE status = 'scheduled' AND scheduled_for = '{NEXT}' AND plan_id IN ({bench})")).await,
        plans
    );
    assert_eq!(
        count(
            db,
            &format!("SELECT COUNT(*) FROM payments WHERE plan_id IN ({bench})")
        )
        .await,
        2 * plans,
        "no occurrence made two payments"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM payments p JOIN plan_occurrences o ON o.payment_id = p.id"
        )
        .await,
        count(
            db,
            "SELECT COUNT(*) FROM payments WHERE plan_id IS NOT NULL"
        )
        .await,
        "every plan payment belongs to its occurrence"
    );
    let check = env.command(&["check"]).output().expect("paydesk check");
    assert!(
        check.status.success(),
        "paydesk check: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

async fn survives_kill_9(db_url: String, dir: &Path) {
    let env = prepare(&db_url, dir);
    let db = app::db::Db::connect(&db_url).await.expect("the database");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.subsec_nanos() as u64)
        | 1;
    println!("plans crash test seed {seed} on {db_url}");
    let mut x = seed;
    let mut killed_mid_pass = 0;
    let progress = "SELECT (SELECT COUNT(*) FROM plan_occurrences) + \
                    (SELECT COUNT(*) FROM payments WHERE status IN ('authorizing', 'pending'))";
    for _ in 0..KILLS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let before = count(&db, progress).await;
        let mut child = env
            .command(&["run-plans", "--today", DAY])
            .stdout(Stdio::null())
            .spawn()
            .expect("run-plans");
        // Killed once it has written something (so mid-pass, not before it
        // began), a random moment later.
        for _ in 0..400 {
            if count(&db, progress).await != before || child.try_wait().expect("wait").is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(x % 150)).await;
        if child.try_wait().expect("wait").is_none() {
            killed_mid_pass += 1;
        }
        child.kill().expect("kill -9");
        child.wait().expect("reaped");
    }
    let made = count(&db, "SELECT COUNT(*) FROM plan_occurrences").await;
    println!(
        "{killed_mid_pass} of {KILLS} passes killed mid-way; {made} occurrences made before the last pass"
    );
    finish(&env, &db).await;
    each_plan_paid_once(&env, &db).await;
    // Another pass: nothing more.
    let out = env.run(&["run-plans", "--today", DAY]);
    assert!(
        out.contains(": 0 occurrence(s) made (0 skipped), 0 payment(s) started"),
        "{out}"
    );
    if let app::db::Db::Sqlite(p) = &db {
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(p)
            .await
            .expect("integrity_check");
        assert_eq!(ok, "ok");
    }
    db.close().await;
}

async fn two_at_once(db_url: String, dir: &Path) {
    let env = prepare(&db_url, dir);
    let db = app::db::Db::connect(&db_url).await.expect("the database");
    let a = env
        .command(&["run-plans", "--today", DAY])
        .stdout(Stdio::piped())
        .spawn()
        .expect("first");
    let b = env
        .command(&["run-plans", "--today", DAY])
        .stdout(Stdio::piped())
        .spawn()
        .expect("second");
    for child in [a, b] {
        let out = child.wait_with_output().expect("a pass");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!("{}", String::from_utf8_lossy(&out.stdout).trim());
    }
    finish(&env, &db).await;
    each_plan_paid_once(&env, &db).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_survive_kill_9_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("plans.db").display());
    survives_kill_9(url, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_survive_kill_9_on_postgres() {
    let Some(url) = postgres_db("plans_crash").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    survives_kill_9(url.clone(), dir.path()).await;
    drop_postgres(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_at_once_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("plans.db").display());
    two_at_once(url, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_at_once_on_postgres() {
    let Some(url) = postgres_db("plans_two").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    two_at_once(url.clone(), dir.path()).await;
    drop_postgres(&url).await;
}
