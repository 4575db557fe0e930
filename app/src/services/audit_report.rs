//! The Audit Report: who did what, when, to what, from where; filtered,
//! sorted and paged on the server, and exported whole as CSV.

use super::clock;
use crate::config::Config;
use crate::db::audit::{AuditEntry, AuditFilter, AuditRow};
use crate::db::{Db, now_ms};
use crate::domain::audit_view::{
    AuditPage, AuditQuery, AuditRowView, CheckedAuditQuery, CsvLine, check_audit_query,
};
use crate::domain::payment::parse_iso_date;
use crate::domain::staff::StaffUser;
use crate::error::AppError;

/// Turns the checked query's dates (biller's zone) into UTC bounds.
fn filter(q: &CheckedAuditQuery, tz: &str) -> AuditFilter {
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

pub async fn search(db: &Db, config: &Config, query: &AuditQuery) -> Result<AuditPage, AppError> {
    let q = check_audit_query(query).map_err(AppError::Invalid)?;
    let f = filter(&q, &config.timezone);
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
        actions: db.audit_actions().await?,
    })
}

/// Every matching row (not only one page) as CSV; the export itself is
/// audited.
pub async fn export_csv(
    db: &Db,
    config: &Config,
    query: &AuditQuery,
    who: &StaffUser,
    ip: Option<&str>,
) -> Result<String, AppError> {
    let q = check_audit_query(query).map_err(AppError::Invalid)?;
    let f = filter(&q, &config.timezone);
    let rows = db.audit_search(&f, i64::MAX, 0).await?;
    let mut out = CsvLine(&[
        "Time (UTC)",
        "Time",
        "User",
        "Action",
        "Object",
        "Before",
        "After",
        "IP",
    ])
    .to_string();
    for r in rows {
        let utc = jiff::Timestamp::from_millisecond(r.at)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let v = view(r, &config.timezone);
        out.push_str(
            &CsvLine(&[
                &utc, &v.at, &v.user, &v.action, &v.object, &v.before, &v.after, &v.ip,
            ])
            .to_string(),
        );
    }
    let after = serde_json::json!({ "query": query }).to_string();
    db.audit(&AuditEntry {
        at: now_ms(),
        actor_id: Some(who.id),
        actor_login: Some(&who.login),
        action: "report.audit_export",
        object: Some("audit report"),
        after: Some(&after),
        ip,
        ..Default::default()
    })
    .await?;
    Ok(out)
}
