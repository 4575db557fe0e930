//! The figures of the Reconciliation and Settlement reports, and whether
//! they tie out (docs/reports.md has the definitions). Pure: the server
//! fills them from the database, the page shows them, and the arithmetic
//! (net deposit, the differences named) is unit-tested here.
//!
//! A **processing cycle** is the settlement runs of one civil date in
//! `PAYDESK_TIMEZONE`. Its **window** runs from just after the last run
//! before that date to its own last run, inclusive: card refunds and ACH
//! returns recorded in the window belong to the cycle.

use super::account::coded_enum;
use super::money::Money;
use super::payment::{MethodKind, Today};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A civil date (year, month, day) in the biller's zone.
pub type CivilDate = Today;

/// A count and a total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub count: i64,
    pub amount: Money,
}

impl Tally {
    pub const ZERO: Tally = Tally {
        count: 0,
        amount: Money::ZERO,
    };

    pub const fn new(count: i64, cents: i64) -> Tally {
        Tally {
            count,
            amount: Money::from_cents(cents),
        }
    }

    /// Both added; saturating, since a report never panics on its input.
    pub fn plus(self, other: Tally) -> Tally {
        Tally::new(
            self.count.saturating_add(other.count),
            self.amount.cents().saturating_add(other.amount.cents()),
        )
    }
}

/// Failed ACH debits of one return reason code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeTally {
    /// `R01`.
    pub code: String,
    pub tally: Tally,
}

coded_enum!(
    /// A cell of the Reconciliation report (the `kind` of its detail rows).
    ReconciliationKind {
        Processed => "processed", "Processed",
        Reversal => "reversal", "Reversals",
        Failed => "failed", "Failed",
    }
);

coded_enum!(
    /// A cell of the Settlement report (the `kind` of its detail rows).
    SettlementKind {
        Debit => "debit", "Debits",
        Credit => "credit", "Credits",
        Cleared => "cleared", "Cleared",
        Error => "error", "Errors",
    }
);

/// One method's figures for a cycle, as one source (the operational
/// tables, or the journal) has them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MethodFigures {
    /// Card captures / ACH debit entries of the cycle's runs.
    pub processed: Tally,
    /// Card refunds of captured cards in the window / ACH refund credits in
    /// the cycle's files.
    pub reversals: Tally,
    /// ACH returns received in the window (never for cards).
    pub failed: Tally,
    /// `failed` by R-code, ordered by code.
    pub failed_codes: Vec<CodeTally>,
}

impl MethodFigures {
    /// Processed − Reversals − Failed: what the bank statement should show.
    pub fn net_deposit(&self) -> Money {
        Money::from_cents(
            self.processed
                .amount
                .cents()
                .saturating_sub(self.reversals.amount.cents())
                .saturating_sub(self.failed.amount.cents()),
        )
    }

    pub fn tally(&self, kind: ReconciliationKind) -> Tally {
        match kind {
            ReconciliationKind::Processed => self.processed,
            ReconciliationKind::Reversal => self.reversals,
            ReconciliationKind::Failed => self.failed,
        }
    }

    pub fn tally_mut(&mut self, kind: ReconciliationKind) -> &mut Tally {
        match kind {
            ReconciliationKind::Processed => &mut self.processed,
            ReconciliationKind::Reversal => &mut self.reversals,
            ReconciliationKind::Failed => &mut self.failed,
        }
    }
}

/// Both methods' figures from one source.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CycleFigures {
    pub card: MethodFigures,
    pub ach: MethodFigures,
}

impl CycleFigures {
    pub fn method(&self, method: MethodKind) -> &MethodFigures {
        match method {
            MethodKind::Card => &self.card,
            MethodKind::Ach => &self.ach,
        }
    }

    pub fn method_mut(&mut self, method: MethodKind) -> &mut MethodFigures {
        match method {
            MethodKind::Card => &mut self.card,
            MethodKind::Ach => &mut self.ach,
        }
    }

    /// Both methods' net deposits together.
    pub fn total_deposit(&self) -> Money {
        Money::from_cents(
            self.card
                .net_deposit()
                .cents()
                .saturating_add(self.ach.net_deposit().cents()),
        )
    }
}

/// What one journal line that touches the bank book is, for the report:
/// `inflow` is a debit to the bank (money in), else a credit (money out).
/// `None` for a line the report has no figure for; such lines are named
/// as a difference, never dropped silently.
pub fn bank_line_figure(
    kind: &str,
    method: Option<MethodKind>,
    inflow: bool,
) -> Option<(MethodKind, ReconciliationKind)> {
    use MethodKind::*;
    use ReconciliationKind::*;
    match (kind, method?, inflow) {
        ("capture", m, true) => Some((m, Processed)),
        ("full_reversal" | "partial_refund", Card, false) => Some((Card, Reversal)),
        ("ach_credit", Ach, false) => Some((Ach, Reversal)),
        ("return", Ach, false) => Some((Ach, Failed)),
        _ => None,
    }
}

/// The journal's side of a cycle: the bank lines in the window sorted into
/// the report's figures, and those that fit none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LedgerFigures {
    pub figures: CycleFigures,
    /// Bank lines in the window the report has no figure for.
    pub unexplained: Tally,
}

/// The cycle's NACHA files (and their batch control records) as stored:
/// the ACH figures must equal them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileTotals {
    pub files: i64,
    pub entry_count: i64,
    pub debit: Money,
    pub credit: Money,
    pub batch_entry_count: i64,
    pub batch_debit: Money,
    pub batch_credit: Money,
    /// The runs' own card totals (`settlement_runs.card_total_cents`);
    /// `None` for some divisions: a run keeps one total for the biller.
    pub run_card_total: Option<Money>,
}

coded_enum!(
    /// A figure that can differ.
    Figure {
        Processed => "processed", "Processed",
        Reversals => "reversals", "Reversals",
        Failed => "failed", "Failed",
        NetDeposit => "net_deposit", "Net deposit",
        Entries => "entries", "Entries",
        OtherBankLines => "other_bank_lines", "Bank entries outside the report",
    }
);

coded_enum!(
    /// What a figure is compared with.
    Source {
        Journal => "journal", "journal",
        AchFiles => "ach_files", "ACH files",
        AchBatches => "ach_batches", "ACH batch controls",
        Runs => "runs", "settlement runs",
    }
);

coded_enum!(
    /// Which part of a figure differs.
    Measure {
        Count => "count", "count",
        Amount => "amount", "amount",
    }
);

/// One figure that does not tie out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    /// `None` for lines that belong to no method.
    pub method: Option<MethodKind>,
    pub figure: Figure,
    pub measure: Measure,
    pub against: Source,
    /// The report's value (cents for an amount).
    pub report: i64,
    /// The other source's value.
    pub other: i64,
}

impl fmt::Display for Difference {
    /// `ACH Processed amount: report $10.00, journal $12.00`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = match self.method {
            Some(MethodKind::Card) => "Card ",
            Some(MethodKind::Ach) => "ACH ",
            None => "",
        };
        let show = |v: i64| match self.measure {
            Measure::Count => v.to_string(),
            Measure::Amount => Money::from_cents(v).to_string(),
        };
        write!(
            f,
            "{method}{} {}: report {}, {} {}",
            self.figure.label(),
            self.measure.label(),
            show(self.report),
            self.against.label(),
            show(self.other)
        )
    }
}

/// Whether the report ties out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Balance {
    Balanced,
    /// Each figure that differs, named.
    Differs(Vec<Difference>),
}

impl Balance {
    pub fn is_balanced(&self) -> bool {
        matches!(self, Balance::Balanced)
    }
}

/// Compares the report's figures with the journal's and, for ACH, with the
/// stored files; every count and amount that differs is named.
pub fn balance(report: &CycleFigures, ledger: &LedgerFigures, files: &FileTotals) -> Balance {
    let mut out = Vec::new();
    let mut cmp = |method, figure, measure, against, report: i64, other: i64| {
        if report != other {
            out.push(Difference {
                method,
                figure,
                measure,
                against,
                report,
                other,
            });
        }
    };
    for method in [MethodKind::Card, MethodKind::Ach] {
        let r = report.method(method);
        let j = ledger.figures.method(method);
        for (figure, a, b) in [
            (Figure::Processed, r.processed, j.processed),
            (Figure::Reversals, r.reversals, j.reversals),
            (Figure::Failed, r.failed, j.failed),
        ] {
            let m = Some(method);
            cmp(m, figure, Measure::Count, Source::Journal, a.count, b.count);
            cmp(
                m,
                figure,
                Measure::Amount,
                Source::Journal,
                a.amount.cents(),
                b.amount.cents(),
            );
        }
        cmp(
            Some(method),
            Figure::NetDeposit,
            Measure::Amount,
            Source::Journal,
            r.net_deposit().cents(),
            j.net_deposit().cents(),
        );
    }
    let ach = &report.ach;
    let amount = Measure::Amount;
    let a = Some(MethodKind::Ach);
    let entries = ach.processed.count.saturating_add(ach.reversals.count);
    for (against, count, debit, credit) in [
        (
            Source::AchFiles,
            files.entry_count,
            files.debit,
            files.credit,
        ),
        (
            Source::AchBatches,
            files.batch_entry_count,
            files.batch_debit,
            files.batch_credit,
        ),
    ] {
        cmp(a, Figure::Entries, Measure::Count, against, entries, count);
        let p = ach.processed.amount.cents();
        cmp(a, Figure::Processed, amount, against, p, debit.cents());
        let r = ach.reversals.amount.cents();
        cmp(a, Figure::Reversals, amount, against, r, credit.cents());
    }
    if let Some(runs) = files.run_card_total {
        cmp(
            Some(MethodKind::Card),
            Figure::Processed,
            amount,
            Source::Runs,
            report.card.processed.amount.cents(),
            runs.cents(),
        );
    }
    let u = ledger.unexplained;
    cmp(
        None,
        Figure::OtherBankLines,
        Measure::Count,
        Source::Journal,
        0,
        u.count,
    );
    cmp(
        None,
        Figure::OtherBankLines,
        amount,
        Source::Journal,
        0,
        u.amount.cents(),
    );
    if out.is_empty() {
        Balance::Balanced
    } else {
        Balance::Differs(out)
    }
}

/// A settlement run of the cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleRun {
    pub id: i64,
    /// When it ran, epoch ms.
    pub at_ms: i64,
    /// Its NACHA file, if it wrote one.
    pub ach_file: Option<String>,
}

/// The cycle's window: after `after_ms` (exclusive; `None` when no run came
/// before) through `through_ms` (inclusive), epoch ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub after_ms: Option<i64>,
    pub through_ms: i64,
}

impl Window {
    /// The exclusive lower bound as a number a query can bind.
    pub fn after_or_min(&self) -> i64 {
        self.after_ms.unwrap_or(i64::MIN)
    }

    pub fn contains(&self, ms: i64) -> bool {
        ms > self.after_or_min() && ms <= self.through_ms
    }
}

/// One method's row of the Reconciliation report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodSummary {
    pub method: MethodKind,
    /// ACH: the file's effective entry date; card: the capture date (the
    /// cycle's date). `None` when nothing of this method settled.
    pub effective_date: Option<CivilDate>,
    pub processed: Tally,
    pub reversals: Tally,
    pub failed: Tally,
    pub failed_codes: Vec<CodeTally>,
    pub net_deposit: Money,
}

impl MethodSummary {
    pub fn new(
        method: MethodKind,
        figures: &MethodFigures,
        effective_date: Option<CivilDate>,
    ) -> Self {
        MethodSummary {
            method,
            effective_date,
            processed: figures.processed,
            reversals: figures.reversals,
            failed: figures.failed,
            failed_codes: figures.failed_codes.clone(),
            net_deposit: figures.net_deposit(),
        }
    }

    pub fn tally(&self, kind: ReconciliationKind) -> Tally {
        match kind {
            ReconciliationKind::Processed => self.processed,
            ReconciliationKind::Reversal => self.reversals,
            ReconciliationKind::Failed => self.failed,
        }
    }
}

/// The Reconciliation report of one processing cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconciliationSummary {
    pub date: CivilDate,
    /// The cycle's runs, oldest first; empty when none ran that day (then
    /// every figure is zero and the returns wait for the next cycle).
    pub runs: Vec<CycleRun>,
    pub window: Option<Window>,
    pub card: MethodSummary,
    pub ach: MethodSummary,
    pub total_deposit: Money,
    /// The journal's figures for the same window, shown when they differ.
    pub ledger: LedgerFigures,
    pub files: FileTotals,
    pub balance: Balance,
}

/// One section (ACH or Credit Card) of the Settlement report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SettlementSection {
    /// Payments entered in the timeframe that were sent or are ready:
    /// Pending, Processed, or Failed (sent, then returned).
    pub debits: Tally,
    /// Refunds and reversals of those payments (actions, whenever made).
    pub credits: Tally,
    /// Settled without a return (Processed).
    pub cleared: Tally,
    /// Returned (Failed): ACH only.
    pub errors: Tally,
    /// Not settled yet (Pending). Debits = Pending + Cleared + Errors.
    pub pending: Tally,
}

impl SettlementSection {
    pub fn tally(&self, kind: SettlementKind) -> Tally {
        match kind {
            SettlementKind::Debit => self.debits,
            SettlementKind::Credit => self.credits,
            SettlementKind::Cleared => self.cleared,
            SettlementKind::Error => self.errors,
        }
    }
}

/// The Settlement report for a timeframe of entered dates (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementSummary {
    pub from: CivilDate,
    pub to: CivilDate,
    pub ach: SettlementSection,
    pub card: SettlementSection,
}

impl SettlementSummary {
    pub fn section(&self, method: MethodKind) -> &SettlementSection {
        match method {
            MethodKind::Card => &self.card,
            MethodKind::Ach => &self.ach,
        }
    }
}

/// A detail row behind a cell of either report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailRow {
    pub payment_id: i64,
    /// The refund action, for a reversal or a credit.
    pub action_id: Option<i64>,
    /// Transaction ID: the payment's reference as shown (`ABCD-EFGH`).
    pub reference: String,
    pub account_number: String,
    pub customer_name: String,
    pub invoice_number: Option<String>,
    pub method: MethodKind,
    pub amount: Money,
    /// Reconciliation: the effective date of the row (ACH: its file's;
    /// card: the capture or refund date; a return: the date received).
    /// Settlement: the date entered.
    pub date: CivilDate,
    /// The event's time, epoch ms (for sorting).
    pub at_ms: i64,
    pub return_code: Option<String>,
}

/// A page of detail rows and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailPage {
    pub rows: Vec<DetailRow>,
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(p: (i64, i64), r: (i64, i64), f: (i64, i64)) -> MethodFigures {
        MethodFigures {
            processed: Tally::new(p.0, p.1),
            reversals: Tally::new(r.0, r.1),
            failed: Tally::new(f.0, f.1),
            failed_codes: vec![],
        }
    }

    fn tied(report: &CycleFigures) -> (LedgerFigures, FileTotals) {
        let ach = &report.ach;
        (
            LedgerFigures {
                figures: report.clone(),
                unexplained: Tally::ZERO,
            },
            FileTotals {
                files: 1,
                entry_count: ach.processed.count + ach.reversals.count,
                debit: ach.processed.amount,
                credit: ach.reversals.amount,
                batch_entry_count: ach.processed.count + ach.reversals.count,
                batch_debit: ach.processed.amount,
                batch_credit: ach.reversals.amount,
                run_card_total: Some(report.card.processed.amount),
            },
        )
    }

    #[test]
    fn the_net_deposit_is_processed_less_reversals_less_failed() {
        let m = figures((3, 30_000), (1, 2_500), (1, 5_000));
        assert_eq!(m.net_deposit(), Money::from_cents(22_500));
        let c = CycleFigures {
            card: figures((2, 10_000), (1, 12_000), (0, 0)),
            ach: m,
        };
        assert_eq!(
            c.card.net_deposit(),
            Money::from_cents(-2_000),
            "refunds above the day's captures make a withdrawal"
        );
        assert_eq!(c.total_deposit(), Money::from_cents(20_500));
        assert_eq!(CycleFigures::default().total_deposit(), Money::ZERO);
    }

    #[test]
    fn equal_figures_balance() {
        let report = CycleFigures {
            card: figures((2, 10_000), (1, 1_000), (0, 0)),
            ach: figures((3, 30_000), (1, 2_500), (1, 5_000)),
        };
        let (ledger, files) = tied(&report);
        assert_eq!(balance(&report, &ledger, &files), Balance::Balanced);
        assert!(balance(&report, &ledger, &files).is_balanced());
    }

    #[test]
    fn each_difference_is_named() {
        let report = CycleFigures {
            card: figures((2, 10_000), (1, 1_000), (0, 0)),
            ach: figures((3, 30_000), (1, 2_500), (1, 5_000)),
        };
        let (mut ledger, files) = tied(&report);
        ledger.figures.card.reversals = Tally::new(2, 1_500);
        let Balance::Differs(d) = balance(&report, &ledger, &files) else {
            panic!("a missing refund must not balance");
        };
        let names: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            vec![
                "Card Reversals count: report 1, journal 2",
                "Card Reversals amount: report $10.00, journal $15.00",
                "Card Net deposit amount: report $90.00, journal $85.00",
            ]
        );
    }

    #[test]
    fn ach_figures_must_equal_the_files_and_their_batches() {
        let report = CycleFigures {
            card: MethodFigures::default(),
            ach: figures((3, 30_000), (1, 2_500), (0, 0)),
        };
        let (ledger, mut files) = tied(&report);
        files.credit = Money::from_cents(2_000);
        files.batch_entry_count = 5;
        let Balance::Differs(d) = balance(&report, &ledger, &files) else {
            panic!("files that differ must not balance");
        };
        assert_eq!(
            d,
            vec![
                Difference {
                    method: Some(MethodKind::Ach),
                    figure: Figure::Reversals,
                    measure: Measure::Amount,
                    against: Source::AchFiles,
                    report: 2_500,
                    other: 2_000,
                },
                Difference {
                    method: Some(MethodKind::Ach),
                    figure: Figure::Entries,
                    measure: Measure::Count,
                    against: Source::AchBatches,
                    report: 4,
                    other: 5,
                },
            ]
        );
    }

    #[test]
    fn bank_lines_outside_every_figure_are_a_difference() {
        let report = CycleFigures::default();
        let (mut ledger, files) = tied(&report);
        ledger.unexplained = Tally::new(1, 700);
        let Balance::Differs(d) = balance(&report, &ledger, &files) else {
            panic!("an unexplained bank line must not balance");
        };
        assert_eq!(
            d[1].to_string(),
            "Bank entries outside the report amount: report $0.00, journal $7.00"
        );
    }

    #[test]
    fn bank_lines_are_sorted_into_the_reports_figures() {
        use MethodKind::*;
        use ReconciliationKind::*;
        assert_eq!(
            bank_line_figure("capture", Some(Card), true),
            Some((Card, Processed))
        );
        assert_eq!(
            bank_line_figure("capture", Some(Ach), true),
            Some((Ach, Processed))
        );
        assert_eq!(
            bank_line_figure("partial_refund", Some(Card), false),
            Some((Card, Reversal))
        );
        assert_eq!(
            bank_line_figure("full_reversal", Some(Card), false),
            Some((Card, Reversal))
        );
        assert_eq!(
            bank_line_figure("ach_credit", Some(Ach), false),
            Some((Ach, Reversal))
        );
        assert_eq!(
            bank_line_figure("return", Some(Ach), false),
            Some((Ach, Failed))
        );
        assert_eq!(bank_line_figure("capture", Some(Card), false), None);
        assert_eq!(bank_line_figure("return", Some(Card), false), None);
        assert_eq!(bank_line_figure("capture", None, true), None);
        assert_eq!(bank_line_figure("adjustment", Some(Ach), true), None);
    }

    #[test]
    fn a_window_excludes_its_start_and_includes_its_end() {
        let w = Window {
            after_ms: Some(100),
            through_ms: 200,
        };
        assert!(!w.contains(100));
        assert!(w.contains(101));
        assert!(w.contains(200));
        assert!(!w.contains(201));
        let first = Window {
            after_ms: None,
            through_ms: 200,
        };
        assert!(first.contains(i64::MIN + 1));
        assert_eq!(first.after_or_min(), i64::MIN);
    }

    #[test]
    fn summaries_cross_the_wire_unchanged() {
        let s = SettlementSummary {
            from: Today {
                year: 2026,
                month: 3,
                day: 1,
            },
            to: Today {
                year: 2026,
                month: 3,
                day: 31,
            },
            ach: SettlementSection {
                debits: Tally::new(2, 300),
                ..SettlementSection::default()
            },
            card: SettlementSection::default(),
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<SettlementSummary>(&json).unwrap(), s);
        assert_eq!(
            ReconciliationKind::from_code("reversal"),
            Some(ReconciliationKind::Reversal)
        );
        assert_eq!(
            SettlementKind::from_code("error"),
            Some(SettlementKind::Error)
        );
    }
}
