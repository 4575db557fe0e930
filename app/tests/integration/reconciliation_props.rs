//! The Reconciliation and Settlement reports against the ledger, on both
//! databases (docs/reports.md).
//!
//! A property test drives random payments, refunds, voids, sandbox returns
//! and settlement runs on a clock of its own: runs and actions are stamped
//! with a simulated time that moves forward by minutes to days, so runs
//! fall on several days, several on one day, and an action can race a run
//! stamped just before it. Then, for every cycle:
//! - the report's figures equal the journal's for the cycle's window
//!   (Balanced), and the ACH figures equal the stored files and batches;
//! - the rows behind each cell add up to the cell;
//! - the cycles together account for every bank line up to the last run;
//! - `paydesk check`'s invariants hold;
//!
//! and the Settlement report of the day the payments were entered matches
//! the payments themselves. Each case runs with convenience fees or
//! without: a flat amount and a percentage per method, and a partial
//! refund that gives the fee back or not (docs/fees.md). Some payments
//! pay category lines instead of a bill: part of them on the balance, part
//! category income (docs/categories.md).

use crate::support::{self, CSR, TestDb};
use app::db::lifecycle::{ActionResult, NewAction};
use app::domain::division::{ALL_DIVISIONS as ALL, DivisionScope};
use app::domain::fee::{FeeRule, FeeSettings};
use app::domain::lifecycle::{ActionKind, ActionReason};
use app::domain::money::Money;
use app::domain::payment::{MethodKind, PaymentStatus, Reference, Today};
use app::domain::reconciliation::{
    Balance, ReconciliationKind, ReconciliationSummary, SettlementKind, SettlementSection, Tally,
};
use app::domain::staff::StaffUser;
use app::services::{clock, reconciliation as recon};
use app::web::AppState;
use proptest::prelude::*;

const TZ: &str = "America/New_York";
const MINUTE: i64 = 60_000;

#[derive(Debug, Clone)]
enum Op {
    PayCard(u32),
    /// Category lines, by card or (`Some(returned)`) ACH: the water bill
    /// (Impact Balance) and a donation (category income), split at `share`
    /// percent.
    PayLines(u32, u32, Option<bool>),
    /// An ACH debit; `returned` uses an account the sandbox bank returns.
    PayAch(u32, bool),
    /// The simulated clock moves on this many minutes.
    Wait(u32),
    Settle,
    Act(ActionKind, usize, u32),
    /// An action stamped just after a run that is stamped just before it,
    /// both at once: the lock decides which one sees the other.
    RaceSettle(ActionKind, usize, u32),
    /// 100041 moves to the other division (East to Main, or back): its
    /// settled ACH entries stay with their batches' division.
    Move,
}

fn kind() -> impl Strategy<Value = ActionKind> {
    prop_oneof![
        Just(ActionKind::Void),
        Just(ActionKind::FullReversal),
        Just(ActionKind::PartialRefund),
        Just(ActionKind::AchRefund),
    ]
}

/// No fees, or a rule per method (flat cents, basis points) and the
/// partial-refund setting.
fn fees() -> impl Strategy<Value = FeeSettings> {
    let rule = (0i64..300, 0i64..500).prop_map(|(flat, rate_bp)| FeeRule {
        flat: Money::from_cents(flat),
        rate_bp,
        min: None,
        max: None,
    });
    prop_oneof![
        Just(FeeSettings::default()),
        (rule.clone(), rule, any::<bool>()).prop_map(|(card, ach, partial)| FeeSettings {
            card,
            ach,
            partial_refund_returns_fee: partial,
            version: 1,
        }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (100u32..20_000).prop_map(Op::PayCard),
        2 => ((100u32..20_000), 0u32..=100, proptest::option::of(any::<bool>()))
            .prop_map(|(c, share, ach)| Op::PayLines(c, share, ach)),
        3 => ((100u32..20_000), any::<bool>()).prop_map(|(c, r)| Op::PayAch(c, r)),
        2 => prop_oneof![1u32..90, 600u32..2_000].prop_map(Op::Wait),
        3 => Just(Op::Settle),
        2 => Just(Op::Move),
        5 => (kind(), 0usize..8, 1u32..12_000).prop_map(|(k, i, c)| Op::Act(k, i, c)),
        1 => (kind(), 0usize..8, 1u32..12_000).prop_map(|(k, i, c)| Op::RaceSettle(k, i, c)),
    ]
}

struct World<'a> {
    t: &'a TestDb,
    state: &'a AppState,
    staff: StaffUser,
    payments: Vec<String>,
    /// The simulated time, epoch ms: always after every payment's entry.
    now: i64,
    /// When each run that made a run row ran.
    runs: Vec<i64>,
    keys: u32,
    /// The biller's setting: a partial refund gives the fee back.
    partial_returns_fee: bool,
    /// The water bill's and the donation's category ids.
    categories: [i64; 2],
}

impl World<'_> {
    async fn settle_at(&self, at: i64) -> Option<i64> {
        let out = app::services::settlement::settle_at(
            &self.t.db,
            &self.state.config,
            &self.state.keys,
            at,
            Some(at),
            "prop",
        )
        .await
        .expect("settlement never fails");
        out.run.map(|_| at)
    }

    async fn act(&mut self, kind: ActionKind, i: usize, cents: u32, at: i64) {
        let Some(reference) = self.payments.get(i % self.payments.len().max(1)).cloned() else {
            return;
        };
        let p = self
            .t
            .db
            .payment_by_reference(Reference::parse(&reference).unwrap().as_str())
            .await
            .unwrap()
            .unwrap();
        self.keys += 1;
        let key = format!("recon-key-{:012}", self.keys);
        let action = NewAction {
            payment_id: p.id,
            idempotency_key: &key,
            kind,
            amount: Some(Money::from_cents(cents as i64)),
            reason: ActionReason::PayerRequest,
            reason_text: None,
            processor_ref: None,
            actor_id: Some(self.staff.id),
            actor_login: &self.staff.login,
            ip: None,
            now: at,
            approval_id: None,
            partial_returns_fee: self.partial_returns_fee,
            approval_threshold: None,
        };
        let result = self.t.db.apply_action(&action).await.expect("no db error");
        assert!(
            matches!(
                result,
                ActionResult::Applied(_) | ActionResult::Refused(_) | ActionResult::Lost
            ),
            "{result:?}"
        );
    }

    /// The bill `run_sequence` issued to `account`, if any: payments go
    /// toward it, so `ledger_breaches` checks what each bill was paid
    /// through approvals, refunds, voids and returns.
    async fn bill_of(&self, account: &str) -> Option<i64> {
        let id = support::count(
            &self.t.db,
            &format!(
                "SELECT COALESCE(MAX(id), 0) FROM bills WHERE invoice_number = 'RECON-{account}'"
            ),
        )
        .await;
        (id > 0).then_some(id)
    }

    async fn run(&mut self, op: Op) {
        match op {
            Op::PayCard(c) => {
                let amount = Money::from_cents(c as i64).plain();
                // Either division's account, by the amount's parity.
                let payer = if c % 2 == 0 { "100003" } else { "100041" };
                let bill = self.bill_of(payer).await;
                let r =
                    support::pay_toward(self.state, &self.staff, payer, &amount, None, None, bill)
                        .await;
                self.payments.push(r);
            }
            Op::PayAch(c, returned) => {
                let account = if returned { "5550001" } else { "5559999" };
                let amount = Money::from_cents(c as i64).plain();
                let payer = if c % 2 == 0 { "100041" } else { "100003" };
                let bill = self.bill_of(payer).await;
                let r = support::pay_toward(
                    self.state,
                    &self.staff,
                    payer,
                    &amount,
                    Some(account),
                    None,
                    bill,
                )
                .await;
                self.payments.push(r);
            }
            Op::PayLines(c, share, ach) => {
                let water = c as i64 * share as i64 / 100;
                let lines = [water, c as i64 - water]
                    .into_iter()
                    .zip(self.categories)
                    .filter(|(cents, _)| *cents > 0)
                    .map(|(cents, id)| app::domain::category_payment::LinePick {
                        category_id: id,
                        checked: true,
                        quantity: String::new(),
                        amount: Money::from_cents(cents).plain(),
                    })
                    .collect();
                let (account, bank) = match ach {
                    None => ("100003", None),
                    Some(true) => ("100041", Some("5550001")),
                    Some(false) => ("100041", Some("5559999")),
                };
                let r = support::pay_lines(self.state, &self.staff, account, bank, lines).await;
                self.payments.push(r);
            }
            Op::Wait(minutes) => self.now += minutes as i64 * MINUTE,
            Op::Move => {
                support::execute(
                    &self.t.db,
                    "UPDATE accounts SET division_id = CASE WHEN division_id = 1 \
                     THEN (SELECT id FROM divisions WHERE name = 'East') ELSE 1 END \
                     WHERE account_number = '100041'",
                )
                .await
                .unwrap();
            }
            Op::Settle => {
                if let Some(at) = self.settle_at(self.now).await {
                    self.runs.push(at);
                }
                self.now += 1;
            }
            Op::Act(kind, i, cents) => {
                let at = self.now;
                self.act(kind, i, cents, at).await;
                self.now += 1;
            }
            Op::RaceSettle(kind, i, cents) => {
                // The run is stamped first but may commit last.
                let (run_at, act_at) = (self.now, self.now + 1);
                let db_world = &*self;
                let settle = db_world.settle_at(run_at);
                let mut me = World {
                    t: self.t,
                    state: self.state,
                    staff: self.staff.clone(),
                    payments: self.payments.clone(),
                    now: self.now,
                    runs: vec![],
                    keys: self.keys,
                    partial_returns_fee: self.partial_returns_fee,
                    categories: self.categories,
                };
                let (ran, ()) = tokio::join!(settle, me.act(kind, i, cents, act_at));
                self.keys = me.keys;
                if let Some(at) = ran {
                    self.runs.push(at);
                }
                self.now += 2;
            }
        }
    }

    /// The case's divisions one at a time, Main and East, with the
    /// accounts each holds now (100041 moves between them). None where the
    /// test made no East.
    async fn divisions(&self) -> Vec<(DivisionScope, Vec<&'static str>)> {
        let db = &self.t.db;
        let east = support::count(
            db,
            "SELECT COALESCE(MAX(id), 0) FROM divisions WHERE name = 'East'",
        )
        .await;
        if east == 0 {
            return vec![];
        }
        let mut out = Vec::new();
        for id in [1, east] {
            let mut holds = Vec::new();
            for account in ["100003", "100041"] {
                let sql = format!(
                    "SELECT COUNT(*) FROM accounts WHERE account_number = '{account}' AND division_id = {id}"
                );
                if support::count(db, &sql).await == 1 {
                    holds.push(account);
                }
            }
            out.push((DivisionScope::limited_to(vec![id]), holds));
        }
        out
    }

    /// Each division's Reconciliation of `day` ties out on its own (its
    /// payments, its journal lines, its NACHA batches, however the account
    /// moved since), its rows add up to its figures, and the divisions'
    /// rows and figures together are the whole biller's, each once.
    async fn check_divisions(&self, day: Today, whole: &ReconciliationSummary) {
        let (db, config) = (&self.t.db, &self.state.config);
        let parts = self.divisions().await;
        if parts.is_empty() {
            return;
        }
        // A cell's row count and its rows, each as (method, kind,
        // reference, action, cents).
        let rows = |scope: &DivisionScope, method: MethodKind, kind: ReconciliationKind| {
            let scope = scope.clone();
            async move {
                let page =
                    recon::reconciliation_rows(db, config, day, method, kind, &scope, 1_000, 0)
                        .await
                        .unwrap();
                let keyed: Vec<_> = page
                    .rows
                    .into_iter()
                    .map(|r| {
                        (
                            method.code(),
                            kind.code(),
                            r.reference,
                            r.action_id,
                            r.amount.cents(),
                        )
                    })
                    .collect();
                (page.total, keyed)
            }
        };
        let mut sum = vec![0; figures(whole).len()];
        let mut parts_rows = Vec::new();
        for (scope, _) in &parts {
            let s = recon::reconciliation(db, config, day, scope).await.unwrap();
            assert_eq!(
                s.balance,
                Balance::Balanced,
                "{} {scope:?}: {s:#?}",
                day.iso()
            );
            assert_eq!(
                s.files.run_card_total, None,
                "a run's card total is the biller's"
            );
            for (a, b) in sum.iter_mut().zip(figures(&s)) {
                *a += b;
            }
            for method in [MethodKind::Card, MethodKind::Ach] {
                for kind in ReconciliationKind::ALL {
                    let (total, keyed) = rows(scope, method, *kind).await;
                    let m = if method == MethodKind::Card {
                        &s.card
                    } else {
                        &s.ach
                    };
                    let want = match kind {
                        ReconciliationKind::Processed => m.processed,
                        ReconciliationKind::Reversal => m.reversals,
                        ReconciliationKind::Failed => m.failed,
                    };
                    let got: i64 = keyed.iter().map(|r| r.4).sum();
                    assert_eq!((total, got), (want.count, want.amount.cents()));
                    parts_rows.extend(keyed);
                }
            }
        }
        assert_eq!(sum, figures(whole), "the divisions add up on {}", day.iso());
        let mut whole_rows = Vec::new();
        for method in [MethodKind::Card, MethodKind::Ach] {
            for kind in ReconciliationKind::ALL {
                whole_rows.extend(rows(&ALL, method, *kind).await.1);
            }
        }
        parts_rows.sort();
        whole_rows.sort();
        assert_eq!(
            parts_rows,
            whole_rows,
            "each row in one division on {}",
            day.iso()
        );
    }

    async fn check(&self) {
        let db = &self.t.db;
        let config = &self.state.config;
        assert_eq!(db.ledger_breaches().await.unwrap(), Vec::<String>::new());
        // The cycles, newest first, are the days the runs fell on.
        let mut days: Vec<Today> = self
            .runs
            .iter()
            .map(|&at| clock::civil_date(at, TZ))
            .collect();
        days.sort_by_key(|d| std::cmp::Reverse((d.year, d.month, d.day)));
        days.dedup();
        assert_eq!(
            recon::recent_cycle_dates(db, config, 1_000).await.unwrap(),
            days
        );
        let mut net_of_cycles = 0;
        for day in &days {
            let s = recon::reconciliation(db, config, *day, &ALL).await.unwrap();
            assert_eq!(s.balance, Balance::Balanced, "{}: {s:#?}", day.iso());
            self.check_divisions(*day, &s).await;
            let ran_that_day = self
                .runs
                .iter()
                .filter(|&&at| clock::civil_date(at, TZ) == *day)
                .count();
            assert_eq!(s.runs.len(), ran_that_day);
            // Balanced means these, among others; said here in full.
            assert_eq!(s.ach.processed.amount, s.files.debit);
            assert_eq!(s.ach.reversals.amount, s.files.credit);
            assert_eq!(
                s.ach.processed.count + s.ach.reversals.count,
                s.files.entry_count
            );
            assert_eq!(s.card.failed, Tally::ZERO);
            assert_eq!(
                s.ach
                    .failed_codes
                    .iter()
                    .fold(Tally::ZERO, |a, c| a.plus(c.tally)),
                s.ach.failed
            );
            assert_eq!(
                s.total_deposit.cents(),
                s.card.net_deposit.cents() + s.ach.net_deposit.cents()
            );
            if s.ach.processed.count + s.ach.reversals.count > 0 {
                assert!(s.ach.effective_date.is_some());
            }
            net_of_cycles += s.total_deposit.cents();
            for method in [MethodKind::Card, MethodKind::Ach] {
                let m = if method == MethodKind::Card {
                    &s.card
                } else {
                    &s.ach
                };
                for kind in ReconciliationKind::ALL {
                    let page =
                        recon::reconciliation_rows(db, config, *day, method, *kind, &ALL, 1_000, 0)
                            .await
                            .unwrap();
                    let sum: i64 = page.rows.iter().map(|r| r.amount.cents()).sum();
                    let want = match kind {
                        ReconciliationKind::Processed => m.processed,
                        ReconciliationKind::Reversal => m.reversals,
                        ReconciliationKind::Failed => m.failed,
                    };
                    assert_eq!(
                        (page.total, page.rows.len() as i64, sum),
                        (want.count, want.count, want.amount.cents()),
                        "{method:?} {kind:?} rows on {}",
                        day.iso()
                    );
                    assert!(page.rows.iter().all(|r| r.method == method));
                }
            }
        }
        // Every bank line up to the last run is in exactly one cycle.
        if let Some(last) = self.runs.iter().max() {
            let bank = support::count(
                db,
                &format!(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN debit_book = 'bank' THEN amount_cents ELSE -amount_cents END), 0) AS BIGINT) \
                     FROM journal WHERE (debit_book = 'bank' OR credit_book = 'bank') AND created_at <= {last}"
                ),
            )
            .await;
            assert_eq!(net_of_cycles, bank, "the cycles miss bank lines");
        }
        self.check_settlement().await;
    }

    /// The Settlement report of today (when every payment was entered)
    /// against the payments as the lifecycle left them.
    async fn check_settlement(&self) {
        let db = &self.t.db;
        let config = &self.state.config;
        let today = clock::today(&config.timezone);
        let s = recon::settlement_summary(db, config, today, today, &ALL)
            .await
            .unwrap();
        let (mut want_card, mut want_ach) = (Expected::default(), Expected::default());
        for reference in &self.payments {
            let r = Reference::parse(reference).unwrap();
            let p = db.payment_by_reference(r.as_str()).await.unwrap().unwrap();
            let state = p.state().unwrap();
            let e = match state.method {
                MethodKind::Card => &mut want_card,
                MethodKind::Ach => &mut want_ach,
            };
            // What the payer paid: the amount and its fee.
            let t = Tally::new(1, state.amount.cents() + state.fee.cents());
            match state.status {
                PaymentStatus::Pending => e.pending = e.pending.plus(t),
                PaymentStatus::Processed => e.cleared = e.cleared.plus(t),
                PaymentStatus::Failed => e.errors = e.errors.plus(t),
                _ => continue,
            }
            e.debits = e.debits.plus(t);
            e.refunded += state.refunded.cents() + state.fee_refunded.cents();
        }
        for (got, want, method) in [
            (&s.card, &want_card, MethodKind::Card),
            (&s.ach, &want_ach, MethodKind::Ach),
        ] {
            assert_eq!(
                (got.debits, got.cleared, got.errors, got.pending),
                (want.debits, want.cleared, want.errors, want.pending),
                "{method:?}"
            );
            assert_eq!(got.credits.amount.cents(), want.refunded, "{method:?}");
            for kind in SettlementKind::ALL {
                let page =
                    recon::settlement_rows(db, config, today, today, method, *kind, &ALL, 1_000, 0)
                        .await
                        .unwrap();
                let sum: i64 = page.rows.iter().map(|r| r.amount.cents()).sum();
                let cell = got.tally(*kind);
                assert_eq!((page.total, sum), (cell.count, cell.amount.cents()));
            }
        }
        assert_eq!(s.card.errors, Tally::ZERO, "cards never come back");
        // Each division's Settlement: its accounts' rows, adding up to the
        // biller's.
        let parts = self.divisions().await;
        if parts.is_empty() {
            return;
        }
        let tallies = |x: &SettlementSection| [x.debits, x.credits, x.cleared, x.errors, x.pending];
        let mut sum = [Tally::ZERO; 10];
        for (scope, holds) in &parts {
            let d = recon::settlement_summary(db, config, today, today, scope)
                .await
                .unwrap();
            let part = tallies(&d.card).into_iter().chain(tallies(&d.ach));
            for (total, t) in sum.iter_mut().zip(part) {
                *total = total.plus(t);
            }
            for method in [MethodKind::Card, MethodKind::Ach] {
                let page = recon::settlement_rows(
                    db,
                    config,
                    today,
                    today,
                    method,
                    SettlementKind::Debit,
                    scope,
                    1_000,
                    0,
                )
                .await
                .unwrap();
                assert!(
                    page.rows
                        .iter()
                        .all(|r| holds.contains(&r.account_number.as_str())),
                    "Settlement is by the account's division now"
                );
            }
        }
        let whole: Vec<Tally> = tallies(&s.card)
            .into_iter()
            .chain(tallies(&s.ach))
            .collect();
        assert_eq!(sum.to_vec(), whole, "the divisions' Settlement adds up");
    }
}

/// A Reconciliation's figures in a row: per method, processed, reversals
/// and failed (count, cents), then the deposit.
fn figures(s: &ReconciliationSummary) -> Vec<i64> {
    [&s.card, &s.ach]
        .into_iter()
        .flat_map(|m| [m.processed, m.reversals, m.failed])
        .flat_map(|t| [t.count, t.amount.cents()])
        .chain([s.total_deposit.cents()])
        .collect()
}

#[derive(Default)]
struct Expected {
    debits: Tally,
    cleared: Tally,
    errors: Tally,
    pending: Tally,
    refunded: i64,
}

async fn run_sequence(t: &TestDb, fees: FeeSettings, ops: Vec<Op>) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    if fees.any() {
        let audit = app::db::audit::AuditEntry::new(
            app::db::now_ms(),
            app::domain::audit_action::AuditAction::FeesSaved,
        );
        assert!(
            t.db.save_fee_settings(app::db::fees::FeeOwner::Biller, &fees, 0, &audit)
                .await
                .unwrap()
        );
    }
    // Two divisions: 100003 stays in Main, 100041 moves to East. Each
    // takes cards and ACH (by the amount's parity), so each has batches.
    support::execute(
        &t.db,
        "INSERT INTO divisions (name, created_at) VALUES ('East', 0)",
    )
    .await
    .unwrap();
    support::execute(
        &t.db,
        "UPDATE accounts SET division_id = (SELECT id FROM divisions WHERE name = 'East') \
         WHERE account_number = '100041'",
    )
    .await
    .unwrap();
    let server = support::serve_with(t, &[("PAYDESK_TIMEZONE", TZ)]).await;
    let staff = support::staff(&t.db, CSR.0).await;
    for account in ["100003", "100041"] {
        support::execute(
            &t.db,
            &format!(
                "INSERT INTO bills (account_id, invoice_number, invoice_date, due_date, amount_due_cents, \
                 minimum_due_cents, created_at, updated_at) \
                 SELECT id, 'RECON-{account}', '2026-01-01', '2026-02-01', 100000000, 0, 0, 0 \
                 FROM accounts WHERE account_number = '{account}'"
            ),
        )
        .await
        .unwrap();
    }
    let mut categories = [0; 2];
    for (i, (code, impact_balance)) in [("WATER", true), ("GIFT", false)].into_iter().enumerate() {
        support::execute(
            &t.db,
            &format!(
                "INSERT INTO categories (description, charge_code, amount_cents, quantity, impact_balance, \
                 amount_editable, show_quantity, required, version, created_at, updated_at) \
                 VALUES ('{code}', '{code}', 0, 1, {impact_balance}, TRUE, FALSE, FALSE, 1, 0, 0)"
            ),
        )
        .await
        .unwrap();
        categories[i] = support::count(
            &t.db,
            &format!("SELECT id FROM categories WHERE charge_code = '{code}'"),
        )
        .await;
    }
    // Three days ahead at 9 AM, so every payment entered now comes first.
    let ahead = clock::civil_date(app::db::now_ms() + 3 * 86_400_000, TZ);
    let start = clock::day_start_ms(ahead.year, ahead.month, ahead.day, false, TZ) + 540 * MINUTE;
    let mut world = World {
        t,
        state: &server.state,
        staff,
        payments: vec![],
        now: start,
        runs: vec![],
        keys: 0,
        partial_returns_fee: fees.partial_refund_returns_fee,
        categories,
    };
    for op in ops {
        world.run(op).await;
    }
    // A last run settles what is left, so every cycle is complete.
    world.now += 600 * MINUTE;
    if let Some(at) = world.settle_at(world.now).await {
        world.runs.push(at);
    }
    world.check().await;
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 32, ..ProptestConfig::default() })]

    #[test]
    fn reconciliation_ties_out_on_sqlite(fees in fees(), ops in proptest::collection::vec(op(), 1..30)) {
        runtime().block_on(async {
            let t = support::sqlite().await;
            run_sequence(&t, fees, ops).await;
            t.finish().await;
        });
    }

    #[test]
    fn reconciliation_ties_out_on_postgres(fees in fees(), ops in proptest::collection::vec(op(), 1..30)) {
        runtime().block_on(async {
            if let Some(t) = support::postgres().await {
                run_sequence(&t, fees, ops).await;
                t.finish().await;
            }
        });
    }
}

fn ms(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn day(year: u16, month: u8, day: u8) -> Today {
    Today { year, month, day }
}

/// Cycles are the biller's days, a DST change included: a run at 11:30 PM
/// on the day New York springs forward (03:30 UTC the next day) is that
/// day's; the next day's cycle starts after it; a day without a run has no
/// cycle; a return belongs to the cycle that received it.
async fn cycles_follow_the_billers_days(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let server = support::serve_with(t, &[("PAYDESK_TIMEZONE", TZ)]).await;
    let staff = support::staff(&t.db, CSR.0).await;
    let mut w = World {
        t,
        state: &server.state,
        staff,
        payments: vec![],
        now: 0,
        runs: vec![],
        keys: 0,
        partial_returns_fee: false,
        // No category payments here.
        categories: [0; 2],
    };
    let (db, config) = (&t.db, &server.state.config);
    w.run(Op::PayCard(1_000)).await;
    let first = ms("2030-03-11T03:30:00Z");
    assert_eq!(w.settle_at(first).await, Some(first));
    w.run(Op::PayAch(2_000, false)).await;
    w.act(
        ActionKind::PartialRefund,
        0,
        300,
        ms("2030-03-11T13:00:00Z"),
    )
    .await;
    let second = ms("2030-03-11T14:00:00Z");
    assert!(w.settle_at(second).await.is_some());
    w.run(Op::PayAch(700, true)).await;
    assert!(w.settle_at(ms("2030-03-11T22:00:00Z")).await.is_some());
    // The sandbox bank returns the 0001 debit at the next run, Wednesday.
    assert!(w.settle_at(ms("2030-03-13T22:00:00Z")).await.is_some());

    let sunday = recon::reconciliation(db, config, day(2030, 3, 10), &ALL)
        .await
        .unwrap();
    assert_eq!(sunday.balance, Balance::Balanced, "{sunday:#?}");
    assert_eq!(sunday.runs.len(), 1);
    assert_eq!(sunday.runs[0].at_ms, first);
    assert_eq!(sunday.window.unwrap().after_ms, None);
    assert_eq!(sunday.card.processed, Tally::new(1, 1_000));
    assert_eq!(sunday.card.effective_date, Some(day(2030, 3, 10)));
    assert_eq!(sunday.ach.processed, Tally::ZERO);
    assert_eq!(sunday.ach.effective_date, None);
    assert_eq!(sunday.total_deposit, Money::from_cents(1_000));

    let monday = recon::reconciliation(db, config, day(2030, 3, 11), &ALL)
        .await
        .unwrap();
    assert_eq!(monday.balance, Balance::Balanced, "{monday:#?}");
    assert_eq!(monday.runs.len(), 2);
    assert_eq!(monday.window.unwrap().after_ms, Some(first));
    assert_eq!(monday.card.processed, Tally::ZERO);
    assert_eq!(monday.card.reversals, Tally::new(1, 300));
    assert_eq!(monday.card.net_deposit, Money::from_cents(-300));
    assert_eq!(monday.ach.processed, Tally::new(2, 2_700));
    assert_eq!(monday.ach.effective_date, Some(day(2030, 3, 12)));
    assert_eq!(monday.files.files, 2);
    assert_eq!(monday.total_deposit, Money::from_cents(2_400));

    let tuesday = recon::reconciliation(db, config, day(2030, 3, 12), &ALL)
        .await
        .unwrap();
    assert!(tuesday.runs.is_empty() && tuesday.window.is_none());
    assert_eq!(tuesday.total_deposit, Money::ZERO);

    let wednesday = recon::reconciliation(db, config, day(2030, 3, 13), &ALL)
        .await
        .unwrap();
    assert_eq!(wednesday.balance, Balance::Balanced, "{wednesday:#?}");
    assert_eq!(wednesday.ach.failed, Tally::new(1, 700));
    assert_eq!(wednesday.ach.failed_codes[0].code, "R01");
    assert_eq!(wednesday.ach.net_deposit, Money::from_cents(-700));
    let failed = recon::reconciliation_rows(
        db,
        config,
        day(2030, 3, 13),
        MethodKind::Ach,
        ReconciliationKind::Failed,
        &ALL,
        10,
        0,
    )
    .await
    .unwrap();
    assert_eq!(failed.total, 1);
    assert_eq!(failed.rows[0].reference, w.payments[2]);
    assert_eq!(failed.rows[0].return_code.as_deref(), Some("R01"));
    assert_eq!(failed.rows[0].account_number, "100041");
    let debits = recon::reconciliation_rows(
        db,
        config,
        day(2030, 3, 11),
        MethodKind::Ach,
        ReconciliationKind::Processed,
        &ALL,
        1,
        1,
    )
    .await
    .unwrap();
    assert_eq!(debits.total, 2, "the count is of all rows, not the page");
    assert_eq!(debits.rows.len(), 1);
    assert_eq!(debits.rows[0].reference, w.payments[2]);
    assert_eq!(
        debits.rows[0].date,
        day(2030, 3, 12),
        "the file's effective date"
    );

    assert_eq!(
        recon::recent_cycle_dates(db, config, 10).await.unwrap(),
        vec![day(2030, 3, 13), day(2030, 3, 11), day(2030, 3, 10)]
    );
    assert_eq!(
        recon::recent_cycle_dates(db, config, 2)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(matches!(
        recon::reconciliation(db, config, day(2030, 2, 30), &ALL).await,
        Err(app::error::AppError::Invalid(_))
    ));
    assert!(matches!(
        recon::settlement_summary(db, config, day(2030, 3, 2), day(2030, 3, 1), &ALL).await,
        Err(app::error::AppError::Invalid(_))
    ));
}

/// An account that moves keeps its settled ACH entries in its old
/// division's cycles, as their batches do: 100041 pays by ACH in East,
/// settles, moves to Main, pays again and settles the next day, then gets
/// an ACH refund of the first payment, which goes out in Main's batch.
/// Every cycle of both divisions is Balanced (`check_divisions`).
async fn a_moved_account_keeps_its_past_cycles_in_its_old_division(t: &TestDb) {
    run_sequence(
        t,
        FeeSettings::default(),
        vec![
            Op::PayAch(2_000, false),
            Op::Settle,
            Op::Move,
            Op::Wait(1_500),
            Op::PayAch(3_000, false),
            Op::Settle,
            Op::Wait(1_500),
            Op::Act(ActionKind::AchRefund, 0, 500),
            Op::Settle,
        ],
    )
    .await;
    let east_batches = support::count(
        &t.db,
        "SELECT COUNT(*) FROM ach_batches b JOIN divisions d ON d.id = b.division_id WHERE d.name = 'East'",
    )
    .await;
    let main_batches = support::count(
        &t.db,
        "SELECT COUNT(*) FROM ach_batches WHERE division_id = 1",
    )
    .await;
    assert_eq!(
        (east_batches, main_batches),
        (1, 2),
        "the first debit in East's batch, the rest in Main's"
    );
}

on_both_backends!(
    cycles_follow_the_billers_days,
    a_moved_account_keeps_its_past_cycles_in_its_old_division
);
