//! The payment lifecycle as a state machine, tested with random sequences
//! of submit (now or scheduled), settle, cancel, void, full and partial refunds, ACH refunds,
//! returns (the sandbox bank's), retries of used keys and actions racing
//! settlement, on both databases. After every step:
//! - every balance equals the sum of its journal entries (and every other
//!   `paydesk check` invariant holds);
//! - refunds never exceed the payment;
//! - no payment leaves a final state, and every recorded transition is one
//!   the state machine allows;
//! - a repeated idempotency key changes nothing;
//! - what happened is what the pure rules (`domain::lifecycle::plan`) say.

use crate::support::{self, CSR, TestDb};
use app::domain::lifecycle::{ActionKind, PaymentState, can_transition, is_final, plan};
use app::domain::money::Money;
use app::domain::payment::{PaymentStatus, Reference};
use app::domain::payment_view::CancelReverseForm;
use app::domain::staff::StaffUser;
use app::error::AppError;
use app::web::AppState;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    PayCard(u32),
    /// A card payment scheduled for a later date.
    PaySched(u32),
    /// An ACH debit; `returned` uses an account the sandbox bank returns.
    PayAch(u32, bool),
    Settle,
    Act(ActionKind, usize, u32),
    /// Sends a form again with a key already used.
    Retry(usize),
    /// A refund or void at the same moment as a settlement run.
    RaceSettle(ActionKind, usize, u32),
    /// Two different refunds of one payment at once.
    RaceRefunds(usize, u32, u32),
}

fn kind() -> impl Strategy<Value = ActionKind> {
    prop_oneof![
        Just(ActionKind::Cancel),
        Just(ActionKind::Void),
        Just(ActionKind::FullReversal),
        Just(ActionKind::PartialRefund),
        Just(ActionKind::AchRefund),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (100u32..20_000).prop_map(Op::PayCard),
        1 => (100u32..20_000).prop_map(Op::PaySched),
        3 => ((100u32..20_000), any::<bool>()).prop_map(|(c, r)| Op::PayAch(c, r)),
        2 => Just(Op::Settle),
        6 => (kind(), 0usize..8, 1u32..12_000).prop_map(|(k, i, c)| Op::Act(k, i, c)),
        2 => (0usize..16).prop_map(Op::Retry),
        1 => (kind(), 0usize..8, 1u32..12_000).prop_map(|(k, i, c)| Op::RaceSettle(k, i, c)),
        1 => ((0usize..8), (1u32..8_000), (1u32..8_000)).prop_map(|(i, a, b)| Op::RaceRefunds(i, a, b)),
    ]
}

struct World<'a> {
    t: &'a TestDb,
    state: &'a AppState,
    staff: StaffUser,
    /// References of the payments made, in order.
    payments: Vec<String>,
    /// Forms sent so far, for retries.
    sent: Vec<CancelReverseForm>,
    keys: u32,
}

impl World<'_> {
    fn form(&mut self, kind: ActionKind, i: usize, cents: u32) -> Option<CancelReverseForm> {
        let reference = self.payments.get(i % self.payments.len().max(1))?.clone();
        self.keys += 1;
        Some(CancelReverseForm {
            reference,
            key: format!("prop-key-{:012}", self.keys),
            action: kind.code().into(),
            amount: Money::from_cents(cents as i64).plain(),
            reason: "payer_request".into(),
            reason_text: String::new(),
            confirm: "yes".into(),
        })
    }

    async fn send(&self, form: &CancelReverseForm) -> Result<(), AppError> {
        app::services::lifecycle::cancel_reverse(
            &self.t.db,
            &self.state.processor,
            self.state.config.refund_approval_threshold,
            &self.staff,
            form,
            None,
        )
        .await
        .map(|_| ())
    }

    async fn settle(&self) {
        app::services::settlement::settle(
            &self.t.db,
            &self.state.config,
            &self.state.keys,
            app::db::now_ms() + 1,
            "prop",
        )
        .await
        .expect("settlement never fails");
    }

    async fn state_of(&self, reference: &str) -> PaymentState {
        let r = Reference::parse(reference).unwrap();
        self.t
            .db
            .payment_by_reference(r.as_str())
            .await
            .unwrap()
            .unwrap()
            .state()
            .expect("a known status")
    }

    async fn all_states(&self) -> Vec<PaymentState> {
        let mut out = Vec::new();
        for r in &self.payments {
            out.push(self.state_of(r).await);
        }
        out
    }

    /// Everything a repeat must leave alone.
    async fn snapshot(&self) -> (i64, i64, i64, Vec<PaymentState>) {
        let db = &self.t.db;
        (
            support::count(db, "SELECT COUNT(*) FROM journal").await,
            support::count(db, "SELECT COUNT(*) FROM payment_actions").await,
            support::count(
                db,
                "SELECT CAST(COALESCE(SUM(balance_cents), 0) AS BIGINT) FROM accounts",
            )
            .await,
            self.all_states().await,
        )
    }

    async fn run(&mut self, op: Op) {
        match op {
            Op::PayCard(c) => {
                let r = support::pay(
                    self.state,
                    &self.staff,
                    "100003",
                    &Money::from_cents(c as i64).plain(),
                    None,
                )
                .await;
                self.payments.push(r);
            }
            Op::PaySched(c) => {
                let later = support::next_month(self.state);
                let r = support::pay_on(
                    self.state,
                    &self.staff,
                    "100003",
                    &Money::from_cents(c as i64).plain(),
                    None,
                    Some(&later),
                )
                .await;
                self.payments.push(r);
            }
            Op::PayAch(c, returned) => {
                let account = if returned { "5550001" } else { "5559999" };
                let r = support::pay(
                    self.state,
                    &self.staff,
                    "100041",
                    &Money::from_cents(c as i64).plain(),
                    Some(account),
                )
                .await;
                self.payments.push(r);
            }
            Op::Settle => self.settle().await,
            Op::Act(kind, i, cents) => {
                let Some(form) = self.form(kind, i, cents) else {
                    return;
                };
                let before = self.state_of(&form.reference).await;
                let amount = matches!(kind, ActionKind::PartialRefund | ActionKind::AchRefund)
                    .then(|| Money::from_cents(cents as i64));
                let expected = plan(&before, kind, amount, false);
                let result = self.send(&form).await;
                let after = self.state_of(&form.reference).await;
                match (&expected, &result) {
                    (Ok(p), Ok(())) => {
                        assert_eq!(after.status, p.to, "{kind:?} on {before:?}");
                        let refunded = if matches!(kind, ActionKind::Cancel | ActionKind::Void) {
                            0
                        } else {
                            p.amount.cents()
                        };
                        assert_eq!(after.refunded.cents(), before.refunded.cents() + refunded);
                    }
                    (Err(_), Err(AppError::Invalid(_) | AppError::Conflict(_))) => {
                        assert_eq!(after, before, "a refusal changes nothing")
                    }
                    _ => panic!(
                        "{kind:?} on {before:?}: rules said {expected:?}, server said {result:?}"
                    ),
                }
                self.sent.push(form);
            }
            Op::Retry(i) => {
                let Some(form) = self.sent.get(i % self.sent.len().max(1)).cloned() else {
                    return;
                };
                // A key whose first request was refused was never used: sending
                // it again is a new attempt (the CSR fixed the amount, say).
                if self.t.db.action_by_key(&form.key).await.unwrap().is_none() {
                    return;
                }
                let before = self.snapshot().await;
                let result = self.send(&form).await;
                assert_eq!(
                    self.snapshot().await,
                    before,
                    "a repeated key changed something"
                );
                assert!(
                    result.is_ok(),
                    "a used key answers like the first time: {result:?}"
                );
            }
            Op::RaceSettle(kind, i, cents) => {
                let Some(form) = self.form(kind, i, cents) else {
                    return;
                };
                let (result, ()) = tokio::join!(self.send(&form), self.settle());
                if let Err(e) = result {
                    assert!(
                        matches!(e, AppError::Invalid(_) | AppError::Conflict(_)),
                        "{e:?}"
                    );
                }
                self.sent.push(form);
            }
            Op::RaceRefunds(i, a, b) => {
                let (Some(f1), Some(f2)) = (
                    self.form(ActionKind::PartialRefund, i, a),
                    self.form(ActionKind::PartialRefund, i, b),
                ) else {
                    return;
                };
                let before = self.state_of(&f1.reference).await;
                let (r1, r2) = tokio::join!(self.send(&f1), self.send(&f2));
                let after = self.state_of(&f1.reference).await;
                let won = [(&r1, a), (&r2, b)]
                    .iter()
                    .filter(|(r, _)| r.is_ok())
                    .map(|(_, c)| *c as i64)
                    .sum::<i64>();
                assert_eq!(
                    after.refunded.cents() - before.refunded.cents(),
                    won,
                    "each refund that said yes moved, no other"
                );
                self.sent.push(f1);
                self.sent.push(f2);
            }
        }
    }

    async fn check_invariants(&self, last: &mut Vec<PaymentState>) {
        assert_eq!(
            self.t.db.ledger_breaches().await.unwrap(),
            Vec::<String>::new()
        );
        let now = self.all_states().await;
        for (i, s) in now.iter().enumerate() {
            assert!(s.refunded <= s.amount, "refunds exceed the payment: {s:?}");
            if let Some(prev) = last.get(i)
                && is_final(prev.status)
            {
                assert_eq!(prev.status, s.status, "left a final state");
            }
        }
        *last = now;
        let history: Vec<(String, String)> = match &self.t.db {
            app::db::Db::Sqlite(p) => sqlx::query_as("SELECT from_status, to_status FROM payment_status_history WHERE from_status IS NOT NULL").fetch_all(p).await,
            app::db::Db::Postgres(p) => sqlx::query_as("SELECT from_status, to_status FROM payment_status_history WHERE from_status IS NOT NULL").fetch_all(p).await,
        }
        .unwrap();
        for (from, to) in history {
            let (f, t) = (
                PaymentStatus::from_code(&from).unwrap(),
                PaymentStatus::from_code(&to).unwrap(),
            );
            assert!(
                f == t || can_transition(f, t),
                "history shows {from} → {to}"
            );
        }
    }
}

async fn run_sequence(t: &TestDb, ops: Vec<Op>) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let server = support::serve(t).await;
    let staff = support::staff(&t.db, CSR.0).await;
    let mut world = World {
        t,
        state: &server.state,
        staff,
        payments: vec![],
        sent: vec![],
        keys: 0,
    };
    let mut last = Vec::new();
    for op in ops {
        world.run(op).await;
        world.check_invariants(&mut last).await;
    }
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
        .unwrap_or(16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn lifecycle_invariants_hold_on_sqlite(ops in proptest::collection::vec(op(), 1..28)) {
        runtime().block_on(async {
            let t = support::sqlite().await;
            run_sequence(&t, ops).await;
            t.finish().await;
        });
    }

    #[test]
    fn lifecycle_invariants_hold_on_postgres(ops in proptest::collection::vec(op(), 1..28)) {
        runtime().block_on(async {
            if let Some(t) = support::postgres().await {
                run_sequence(&t, ops).await;
                t.finish().await;
            }
        });
    }
}
