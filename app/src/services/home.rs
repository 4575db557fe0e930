//! Home: what a billing administrator wants to see first (docs/home.md).
//! Days are civil dates in the biller's zone (`PAYDESK_TIMEZONE`); "this
//! week" is Monday to today there. Every figure carries the address of the
//! report that lists what it counts.

use super::clock;
use crate::db::Db;
use crate::db::home::StatusRow;
use crate::domain::division::DivisionScope;
use crate::domain::home_view::{BillsDue, Day, Figure, HomeView, Line, Period, Returns};
use crate::domain::lifecycle::return_label;
use crate::domain::money::Money;
use crate::domain::payment::{MethodKind, PaymentStatus};
use crate::error::AppError;
use crate::routes;
use jiff::civil::Date;

/// Days in the chart (today and the 29 before it); the returns window too.
pub const DAYS: usize = 30;
/// Bills coming due: within this many days of today, and the nearer part.
const BILLS_NEAR: i64 = 7;
const BILLS_FAR: i64 = 30;

/// The statuses a breakdown always lists, in the order of a payment's life
/// (`Authorizing` is listed only when something is in it).
const STATUSES: [PaymentStatus; 6] = [
    PaymentStatus::Scheduled,
    PaymentStatus::Pending,
    PaymentStatus::Processed,
    PaymentStatus::Cancelled,
    PaymentStatus::Declined,
    PaymentStatus::Failed,
];

/// Home as of `now_ms` over the divisions `shown` (docs/divisions.md).
pub async fn load(
    db: &Db,
    tz: &str,
    now_ms: i64,
    shown: &DivisionScope,
) -> Result<HomeView, AppError> {
    let (dates, bounds) = clock::recent_days(now_ms, tz, DAYS);
    let (Some(&first), Some(&today)) = (dates.first(), dates.last()) else {
        return Err(AppError::Internal(super::incident_id()));
    };
    let iso = |d: Date| d.to_string();
    let by_day = db.payments_by_day(&bounds, shown).await?;
    let pending = db.pending_ach(shown).await?;
    let window_start = bounds.first().copied().unwrap_or(0);
    let window_end = bounds.last().copied().unwrap_or(i64::MAX);
    // Returns open the Settlement report, narrowed the same way: the two
    // agree.
    let returns = db.returns_between(window_start, window_end, shown).await?;
    let near = today
        .checked_add(jiff::Span::new().days(BILLS_NEAR))
        .unwrap_or(today);
    let far = today
        .checked_add(jiff::Span::new().days(BILLS_FAR))
        .unwrap_or(today);
    let bills = db
        .bills_due(&iso(today), &iso(near), &iso(far), shown)
        .await?;

    // Monday of this week: at most 6 days back, so inside the 30.
    let last = dates.len() - 1;
    let monday = last.saturating_sub(today.weekday().to_monday_zero_offset() as usize);
    let rows = db
        .payments_by_status(bounds[monday], bounds[last], window_end, shown)
        .await?;
    let periods = vec![
        period("Today", &rows, true, (today, today))?,
        period("This week", &rows, false, (dates[monday], today))?,
    ];

    let days = dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (count, cents) = by_day
                .iter()
                .find(|r| r.day == i as i64)
                .map_or((0, 0), |r| (r.count, r.total_cents));
            Day {
                date: iso(*d),
                label: d.strftime("%a, %b %-d").to_string(),
                short: d.strftime("%b %-d").to_string(),
                figure: Figure {
                    count,
                    total: Money::from_cents(cents),
                    href: routes::payment_history(&iso(*d), &iso(*d), None, None),
                },
            }
        })
        .collect();

    let oldest = pending
        .oldest_at
        .map(|ms| clock::recent_days(ms, tz, 1).0)
        .and_then(|d| d.first().copied())
        .unwrap_or(today);
    let pending_ach = Figure {
        count: pending.count,
        total: Money::from_cents(pending.total_cents),
        href: routes::payment_history(
            &iso(oldest.min(today)),
            &iso(today),
            Some(PaymentStatus::Pending.code()),
            Some(MethodKind::Ach.code()),
        ),
    };

    let returns_href =
        routes::settlement_report(&iso(first), &iso(today), Some("ach"), Some("error"));
    let mut by_code: Vec<Line> = returns
        .iter()
        .filter(|r| r.outcome == "failed")
        .map(|r| Line {
            code: r.return_code.clone(),
            label: return_label(&r.return_code),
            figure: Figure {
                count: r.count,
                total: Money::from_cents(r.total_cents),
                href: returns_href.clone(),
            },
        })
        .collect();
    by_code.sort_by(|a, b| {
        b.figure
            .count
            .cmp(&a.figure.count)
            .then_with(|| a.code.cmp(&b.code))
    });
    let returns = Returns {
        from: iso(first),
        to: iso(today),
        all: Figure {
            count: by_code.iter().map(|l| l.figure.count).sum(),
            total: Money::from_cents(by_code.iter().map(|l| l.figure.total.cents()).sum()),
            href: returns_href.clone(),
        },
        by_code,
        unmatched: returns
            .iter()
            .filter(|r| r.outcome != "failed")
            .map(|r| r.count)
            .sum(),
    };

    let aging = routes::aging(&iso(today), Some("current"));
    let bills_due = vec![
        BillsDue {
            days: BILLS_NEAR,
            until: iso(near),
            figure: Figure {
                count: bills.near_count,
                total: Money::from_cents(bills.near_cents),
                href: aging.clone(),
            },
        },
        BillsDue {
            days: BILLS_FAR,
            until: iso(far),
            figure: Figure {
                count: bills.far_count,
                total: Money::from_cents(bills.far_cents),
                href: aging,
            },
        },
    ];

    Ok(HomeView {
        today: iso(today),
        today_label: today.strftime("%A, %B %-d, %Y").to_string(),
        periods,
        days,
        pending_ach,
        returns,
        bills_due,
        reconciliation: routes::reconciliation(&iso(today)),
    })
}

/// Payments entered in the days `span` (`today_only`: only those of
/// today), by status and by method. A stored status or method this build
/// does not know is an error, never counted as another.
fn period(
    name: &str,
    rows: &[StatusRow],
    today_only: bool,
    span: (Date, Date),
) -> Result<Period, AppError> {
    let from = span.0.to_string();
    let to = span.1.to_string();
    let inside: Vec<&StatusRow> = rows
        .iter()
        .filter(|r| !today_only || r.today == 1)
        .collect();
    let mut statuses: Vec<(PaymentStatus, i64, i64)> =
        STATUSES.iter().map(|s| (*s, 0, 0)).collect();
    let mut methods: Vec<(MethodKind, i64, i64)> =
        MethodKind::ALL.iter().map(|m| (*m, 0, 0)).collect();
    for r in &inside {
        let status = PaymentStatus::decode(&r.status)?;
        let method = MethodKind::decode(&r.method_kind)?;
        match statuses.iter_mut().find(|(s, _, _)| *s == status) {
            Some(slot) => {
                slot.1 += r.count;
                slot.2 += r.total_cents;
            }
            None => statuses.push((status, r.count, r.total_cents)),
        }
        if let Some(slot) = methods.iter_mut().find(|(m, _, _)| *m == method) {
            slot.1 += r.count;
            slot.2 += r.total_cents;
        }
    }
    let link = |status: Option<&str>, method: Option<&str>| {
        routes::payment_history(&from, &to, status, method)
    };
    let by_status = statuses
        .into_iter()
        .map(|(s, count, cents)| Line {
            code: s.code().into(),
            label: s.label().into(),
            figure: Figure {
                count,
                total: Money::from_cents(cents),
                // The report has no filter for the moment a payment is being
                // authorized: its row links to the whole period.
                href: link((s != PaymentStatus::Authorizing).then_some(s.code()), None),
            },
        })
        .collect();
    let by_method = methods
        .into_iter()
        .map(|(m, count, cents)| Line {
            code: m.code().into(),
            // Administrators say ACH where CSRs see "Bank account".
            label: match m {
                MethodKind::Card => "Card",
                MethodKind::Ach => "ACH",
            }
            .into(),
            figure: Figure {
                count,
                total: Money::from_cents(cents),
                href: link(None, Some(m.code())),
            },
        })
        .collect();
    Ok(Period {
        name: name.into(),
        all: Figure {
            count: inside.iter().map(|r| r.count).sum(),
            total: Money::from_cents(inside.iter().map(|r| r.total_cents).sum()),
            href: link(None, None),
        },
        from,
        to,
        by_status,
        by_method,
    })
}
