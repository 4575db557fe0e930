//! The Reconciliation report (one processing cycle) and the Settlement
//! report (a timeframe): their figures, whether they tie out to the journal
//! and the stored NACHA files, and the rows behind each figure. The
//! definitions are in docs/reports.md; the SQL in `db/reconciliation.rs`.
//!
//! **The cycle of a date D** is the settlement runs whose `created_at` falls
//! on D in `PAYDESK_TIMEZONE` (from D's midnight to the next, however long
//! a DST change makes the day). Several runs that day make one cycle; its
//! window runs from just after the last run before D through D's last run.
//! With no run on D there is no cycle: every figure is zero, and whatever
//! happened that day (refunds, returns) belongs to the next day's cycle.

use super::clock;
use crate::config::Config;
use crate::db::Db;
use crate::db::reconciliation::DetailDbRow;
use crate::domain::division::DivisionScope;
use crate::domain::money::Money;
use crate::domain::payment::{MethodKind, Reference};
use crate::domain::reconciliation::{
    CivilDate, CycleFigures, CycleRun, DetailPage, DetailRow, FileTotals, LedgerFigures,
    MethodSummary, ReconciliationKind, ReconciliationSummary, SettlementKind, SettlementSummary,
    Window, balance,
};
use crate::error::{AppError, FieldErrors};

/// The most rows one detail page returns.
pub const MAX_PAGE: i64 = 1_000;

fn check_date(field: &str, d: CivilDate, errs: &mut FieldErrors) {
    if !clock::is_date(d) {
        errs.add(field, "Enter a real date.");
    }
}

/// [start, end) of a civil date in the biller's zone, epoch ms.
fn day_bounds(d: CivilDate, tz: &str) -> (i64, i64) {
    (
        clock::day_start_ms(d.year, d.month, d.day, false, tz),
        clock::day_start_ms(d.year, d.month, d.day, true, tz),
    )
}

/// The cycle of `date`: its runs (oldest first) and its window; `None`
/// when no run was made that day.
pub async fn cycle(
    db: &Db,
    config: &Config,
    date: CivilDate,
) -> Result<Option<(Vec<CycleRun>, Window)>, AppError> {
    let mut errs = FieldErrors::new();
    check_date("date", date, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let (start, end) = day_bounds(date, &config.timezone);
    let runs = db.runs_between(start, end).await?;
    let Some(last) = runs.last() else {
        return Ok(None);
    };
    let window = Window {
        after_ms: db.last_run_before(start).await?,
        through_ms: last.created_at,
    };
    let runs = runs
        .into_iter()
        .map(|r| CycleRun {
            id: r.id,
            at_ms: r.created_at,
            ach_file: r.file_name,
        })
        .collect();
    Ok(Some((runs, window)))
}

/// The Reconciliation report of the processing cycle of `date`, for the
/// accounts of the divisions `shown` (docs/divisions.md): their payments,
/// their journal lines and their NACHA batches.
pub async fn reconciliation(
    db: &Db,
    config: &Config,
    date: CivilDate,
    shown: &DivisionScope,
) -> Result<ReconciliationSummary, AppError> {
    let Some((runs, window)) = cycle(db, config, date).await? else {
        let none = CycleFigures::default();
        return Ok(ReconciliationSummary {
            date,
            runs: vec![],
            window: None,
            card: MethodSummary::new(MethodKind::Card, &none.card, None),
            ach: MethodSummary::new(MethodKind::Ach, &none.ach, None),
            total_deposit: Money::ZERO,
            ledger: LedgerFigures::default(),
            files: FileTotals::default(),
            balance: crate::domain::reconciliation::Balance::Balanced,
        });
    };
    let report = db.cycle_figures(&window, shown).await?;
    let ledger = db.ledger_figures(&window, shown).await?;
    let files = db.cycle_file_totals(&window, shown).await?;
    let tz = &config.timezone;
    let card_date =
        (report.card.processed.count > 0 || report.card.reversals.count > 0).then_some(date);
    // Every run of the day makes a file with the same effective date (the
    // next banking day), so the first file's run gives it; none when the
    // divisions shown had no entry in them.
    let ach_date = runs
        .iter()
        .find(|r| r.ach_file.is_some())
        .filter(|_| report.ach.processed.count > 0 || report.ach.reversals.count > 0)
        .map(|r| clock::ach_effective_date(r.at_ms, tz));
    Ok(ReconciliationSummary {
        date,
        card: MethodSummary::new(MethodKind::Card, &report.card, card_date),
        ach: MethodSummary::new(MethodKind::Ach, &report.ach, ach_date),
        total_deposit: report.total_deposit(),
        balance: balance(&report, &ledger, &files),
        runs,
        window: Some(window),
        ledger,
        files,
    })
}

/// The dates of the newest `n` cycles, newest first (for a date picker).
/// One query per date, each on the runs' time index, so a day with many
/// runs costs no more than one with a single run.
pub async fn recent_cycle_dates(
    db: &Db,
    config: &Config,
    n: usize,
) -> Result<Vec<CivilDate>, AppError> {
    let tz = &config.timezone;
    let mut out = Vec::new();
    let mut before = i64::MAX;
    while out.len() < n {
        let Some(at) = db.last_run_before(before).await? else {
            break;
        };
        let date = clock::civil_date(at, tz);
        out.push(date);
        before = day_bounds(date, tz).0;
    }
    Ok(out)
}

fn detail_row(r: DetailDbRow, date: CivilDate) -> Result<DetailRow, AppError> {
    let name = match r.company_name.as_deref().map(str::trim) {
        Some(company) if !company.is_empty() => company.to_string(),
        _ => [r.first_name.as_deref(), r.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    };
    Ok(DetailRow {
        payment_id: r.payment_id,
        action_id: r.action_id,
        // The Transaction ID as shown, with its dash.
        reference: Reference::shown(&r.reference),
        account_number: r.account_number,
        customer_name: name,
        invoice_number: r.invoice_number,
        method: MethodKind::decode(&r.method_kind).map_err(crate::db::DbError::from)?,
        amount: Money::from_cents(r.amount_cents),
        date,
        at_ms: r.at_ms,
        return_code: r.return_code,
    })
}

/// A page of the rows behind one cell of the Reconciliation report of
/// `date` (`method` = card|ach, `kind` = processed|reversal|failed). Their
/// sum is the cell's figure. Each row's date is its effective date: the
/// file's for ACH entries, the capture or refund date for cards, the date
/// received for a return. Of the accounts of the divisions `shown`.
#[allow(clippy::too_many_arguments)]
pub async fn reconciliation_rows(
    db: &Db,
    config: &Config,
    date: CivilDate,
    method: MethodKind,
    kind: ReconciliationKind,
    shown: &DivisionScope,
    limit: i64,
    offset: i64,
) -> Result<DetailPage, AppError> {
    let Some((_, window)) = cycle(db, config, date).await? else {
        return Ok(DetailPage {
            rows: vec![],
            total: 0,
        });
    };
    let (rows, total) = db
        .reconciliation_rows(
            &window,
            method,
            kind,
            shown,
            limit.clamp(0, MAX_PAGE),
            offset,
        )
        .await?;
    let tz = &config.timezone;
    let rows = rows
        .into_iter()
        .map(|r| {
            let date = match (method, kind) {
                (MethodKind::Ach, ReconciliationKind::Processed | ReconciliationKind::Reversal) => {
                    clock::ach_effective_date(r.at_ms, tz)
                }
                _ => clock::civil_date(r.at_ms, tz),
            };
            detail_row(r, date)
        })
        .collect::<Result<_, _>>()?;
    Ok(DetailPage { rows, total })
}

/// [start, end) of the entered-date range `from`..=`to`, checked.
fn range(config: &Config, from: CivilDate, to: CivilDate) -> Result<(i64, i64), AppError> {
    let mut errs = FieldErrors::new();
    check_date("from", from, &mut errs);
    check_date("to", to, &mut errs);
    if errs.is_empty() && (to.year, to.month, to.day) < (from.year, from.month, from.day) {
        errs.add("to", "The end date is before the start date.");
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tz = &config.timezone;
    Ok((day_bounds(from, tz).0, day_bounds(to, tz).1))
}

/// The Settlement report over payments entered from `from` to `to`
/// (both included, in the biller's zone) on the accounts of the divisions
/// `shown`.
pub async fn settlement_summary(
    db: &Db,
    config: &Config,
    from: CivilDate,
    to: CivilDate,
    shown: &DivisionScope,
) -> Result<SettlementSummary, AppError> {
    let (start, end) = range(config, from, to)?;
    let (card, ach) = db.settlement_figures(start, end, shown).await?;
    Ok(SettlementSummary {
        from,
        to,
        ach,
        card,
    })
}

/// A page of the rows behind one cell of the Settlement report
/// (`method` = card|ach, `kind` = debit|credit|cleared|error); each row's
/// date is the date entered.
#[allow(clippy::too_many_arguments)]
pub async fn settlement_rows(
    db: &Db,
    config: &Config,
    from: CivilDate,
    to: CivilDate,
    method: MethodKind,
    kind: SettlementKind,
    shown: &DivisionScope,
    limit: i64,
    offset: i64,
) -> Result<DetailPage, AppError> {
    let (start, end) = range(config, from, to)?;
    let (rows, total) = db
        .settlement_rows(
            start,
            end,
            method,
            kind,
            shown,
            limit.clamp(0, MAX_PAGE),
            offset,
        )
        .await?;
    let tz = &config.timezone;
    let rows = rows
        .into_iter()
        .map(|r| {
            let date = clock::civil_date(r.at_ms, tz);
            detail_row(r, date)
        })
        .collect::<Result<_, _>>()?;
    Ok(DetailPage { rows, total })
}
