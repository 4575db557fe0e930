//! The Audit Report: who did what, when, to what, from where; filtered,
//! sorted and paged on the server, and exported whole as CSV (streamed).

use super::clock;
use super::csv_out::CsvOut;
use crate::config::Config;
use crate::db::audit::{AuditCursor, AuditEntry, AuditFilter, AuditRow};
use crate::db::{Db, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::audit_view::{
    AuditPage, AuditQuery, AuditRowView, CheckedAuditQuery, check_audit_query,
};
use crate::domain::payment::parse_iso_date;
use crate::domain::staff::StaffUser;
use crate::error::AppError;
use futures::StreamExt;

/// Turns the checked query's dates (biller's zone) into UTC bounds, for
/// the divisions `staff` has chosen.
fn filter(q: &CheckedAuditQuery, tz: &str, staff: &StaffUser) -> AuditFilter {
    let day = |d: &Option<String>, next: bool| {
        d.as_deref()
            .and_then(parse_iso_date)
            .map(|(y, m, day)| clock::day_start_ms(y, m, day, next, tz))
    };
    AuditFilter {
        from_ms: day(&q.from, false),
        until_ms: day(&q.to, true),
        user: q.user.clone(),
        action: q.action.clone(),
        sort: q.sort,
        descending: q.descending,
        divisions: staff.shown(),
    }
}

fn view(r: AuditRow, tz: &str) -> AuditRowView {
    AuditRowView {
        at: clock::display(r.at, tz),
        user: r.actor_login.unwrap_or_default(),
        action: r.action,
        object: r.object.unwrap_or_default(),
        before: r.before_json.unwrap_or_default(),
        after: r.after_json.unwrap_or_default(),
        ip: r.ip.unwrap_or_default(),
    }
}

pub async fn search(
    db: &Db,
    config: &Config,
    staff: &StaffUser,
    query: &AuditQuery,
) -> Result<AuditPage, AppError> {
    let q = check_audit_query(query).map_err(AppError::Invalid)?;
    let f = filter(&q, &config.timezone, staff);
    let total = db.audit_count(&f).await?;
    let pages = (total.max(0) as u32).div_ceil(q.per_page).max(1);
    let page = q.page.min(pages);
    let rows = db
        .audit_search(
            &f,
            i64::from(q.per_page),
            i64::from((page - 1) * q.per_page),
        )
        .await?;
    Ok(AuditPage {
        rows: rows
            .into_iter()
            .map(|r| view(r, &config.timezone))
            .collect(),
        total,
        page,
        pages,
        per_page: q.per_page,
        // The closed list, not a scan of the whole log for what occurred.
        actions: AuditAction::ALL
            .iter()
            .map(|a| (a.code().to_string(), a.label().to_string()))
            .collect(),
    })
}

/// Rows an export reads from the database at a time.
pub const EXPORT_PAGE: i64 = 1_000;

/// The export as it streams out: CSV bytes a page of rows at a time.
pub type CsvStream = futures::stream::BoxStream<'static, Result<Vec<u8>, AppError>>;

/// Every matching row (not only one page) as CSV, streamed: the rows are
/// read a page at a time as the client takes them, so memory stays flat
/// however long the log is. The export is audited when it starts; it holds
/// the rows that existed then.
pub async fn export_csv(
    db: &Db,
    config: &Config,
    query: &AuditQuery,
    who: &StaffUser,
    ip: Option<&str>,
) -> Result<CsvStream, AppError> {
    let q = check_audit_query(query).map_err(AppError::Invalid)?;
    let filter = filter(&q, &config.timezone, who);
    let up_to_id = db.audit_max_id().await?;
    let after = serde_json::json!({ "query": query }).to_string();
    db.audit(&AuditEntry {
        actor_id: Some(who.id),
        actor_login: Some(&who.login),
        object: Some("audit report"),
        after: Some(&after),
        ip,
        ..AuditEntry::new(now_ms(), AuditAction::AuditExport)
    })
    .await?;
    let mut header = CsvOut::new();
    header.row([
        "Time (UTC)",
        "Time",
        "User",
        "Action",
        "Object",
        "Before",
        "After",
        "IP",
    ]);
    let start = Export {
        db: db.clone(),
        tz: config.timezone.clone(),
        filter,
        up_to_id,
        cursor: None,
        done: false,
    };
    let rows = futures::stream::try_unfold(start, |mut x| async move {
        if x.done {
            return Ok(None);
        }
        let rows =
            x.db.audit_export_page(&x.filter, x.up_to_id, x.cursor.as_ref(), EXPORT_PAGE)
                .await?;
        x.done = (rows.len() as i64) < EXPORT_PAGE;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        x.cursor = Some(AuditCursor::after(last, x.filter.sort));
        let mut out = CsvOut::new();
        for r in rows {
            let utc = jiff::Timestamp::from_millisecond(r.at)
                .map(|t| t.to_string())
                .unwrap_or_default();
            let v = view(r, &x.tz);
            out.row([
                &utc, &v.at, &v.user, &v.action, &v.object, &v.before, &v.after, &v.ip,
            ]);
        }
        Ok::<_, AppError>(Some((out.take(), x)))
    });
    Ok(Box::pin(
        futures::stream::once(async move { Ok(header.take()) }).chain(rows),
    ))
}

/// Where a streaming export is.
struct Export {
    db: Db,
    tz: String,
    filter: AuditFilter,
    up_to_id: i64,
    cursor: Option<AuditCursor>,
    done: bool,
}
