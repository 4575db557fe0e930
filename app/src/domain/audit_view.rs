//! The Audit Report: its query (filters, sort, paging) as it travels in the
//! page's address, the rows it shows, and CSV export cells that a
//! spreadsheet will never run as formulas.

use super::account::coded_enum;
use super::payment::parse_iso_date;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;

coded_enum!(
    /// The columns the report sorts by.
    AuditSort {
        At => "at", "Time",
        User => "user", "User",
        Action => "action", "Action",
        Object => "object", "Object",
        Ip => "ip", "IP",
    }
);

pub const PAGE_SIZES: [u32; 3] = [10, 50, 100];

/// The report's query as typed (and as found in the address).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub per: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAuditQuery {
    /// `YYYY-MM-DD` in the biller's zone, both ends included.
    pub from: Option<String>,
    pub to: Option<String>,
    pub user: Option<String>,
    pub action: Option<String>,
    pub sort: AuditSort,
    pub descending: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// Checks the query; empty fields mean "any". The newest rows come first
/// unless another order is asked for.
pub fn check_audit_query(q: &AuditQuery) -> Result<CheckedAuditQuery, FieldErrors> {
    let mut errs = FieldErrors::new();
    let date = |field: &str, value: &str, errs: &mut FieldErrors| -> Option<String> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        if parse_iso_date(v).is_none() {
            errs.add(field, "Enter the date as YYYY-MM-DD.");
            return None;
        }
        Some(v.to_string())
    };
    let from = date("from", &q.from, &mut errs);
    let to = date("to", &q.to, &mut errs);
    if let (Some(f), Some(t)) = (&from, &to)
        && f > t
    {
        errs.add("to", "The end date is before the start date.");
    }
    let text =
        |v: &str| Some(v.trim().to_string()).filter(|s| !s.is_empty() && s.chars().count() <= 200);
    let per_page = q
        .per
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|p| PAGE_SIZES.contains(p))
        .unwrap_or(50);
    let page = q
        .page
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let sort = AuditSort::from_code(q.sort.trim()).unwrap_or(AuditSort::At);
    let descending = match q.dir.trim() {
        "asc" => false,
        "desc" => true,
        _ => sort == AuditSort::At,
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(CheckedAuditQuery {
        from,
        to,
        user: text(&q.user),
        action: text(&q.action),
        sort,
        descending,
        page,
        per_page,
    })
}

impl CheckedAuditQuery {
    /// This query as it appears in a link, with `page` and sort changed.
    pub fn link(&self, path: &str, sort: AuditSort, descending: bool, page: u32) -> String {
        let mut parts = Vec::new();
        let mut push = |k: &str, v: &str| parts.push(format!("{k}={}", encode(v)));
        if let Some(v) = &self.from {
            push("from", v);
        }
        if let Some(v) = &self.to {
            push("to", v);
        }
        if let Some(v) = &self.user {
            push("user", v);
        }
        if let Some(v) = &self.action {
            push("action", v);
        }
        push("sort", sort.code());
        push("dir", if descending { "desc" } else { "asc" });
        push("per", &self.per_page.to_string());
        push("page", &page.to_string());
        format!("{path}?{}", parts.join("&"))
    }

    /// The link a column header makes: sort by it, flipping the direction
    /// when it already sorts.
    pub fn sort_link(&self, path: &str, column: AuditSort) -> String {
        let descending = if self.sort == column {
            !self.descending
        } else {
            column == AuditSort::At
        };
        self.link(path, column, descending, 1)
    }
}

/// Percent-encodes a query value.
pub fn encode(v: &str) -> String {
    crate::routes::encode_component(v)
}

/// One row as shown (times already in the biller's zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRowView {
    pub at: String,
    pub user: String,
    pub action: String,
    pub object: String,
    pub before: String,
    pub after: String,
    pub ip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRowView>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    pub per_page: u32,
    /// The Action filter's choices: each known action's code and label.
    pub actions: Vec<(String, String)>,
}

/// A CSV cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`,
/// tab, carriage return first) gets a leading `'`, so it shows as text.
/// Quoting itself is `csv::Writer`'s job (`services::csv_out`).
pub fn formula_safe(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_default_to_newest_first_fifty_a_page() {
        let q = check_audit_query(&AuditQuery::default()).unwrap();
        assert_eq!(
            (q.sort, q.descending, q.page, q.per_page),
            (AuditSort::At, true, 1, 50)
        );
        let q = check_audit_query(&AuditQuery {
            per: "100".into(),
            page: "3".into(),
            sort: "user".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (q.sort, q.descending, q.page, q.per_page),
            (AuditSort::User, false, 3, 100)
        );
        let q = check_audit_query(&AuditQuery {
            per: "7".into(),
            page: "-1".into(),
            sort: "x; DROP".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (q.sort, q.page, q.per_page),
            (AuditSort::At, 1, 50),
            "odd values fall back, never reach SQL"
        );
    }

    #[test]
    fn dates_are_checked() {
        let e = check_audit_query(&AuditQuery {
            from: "2026-13-01".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.message_for("from"), Some("Enter the date as YYYY-MM-DD."));
        let e = check_audit_query(&AuditQuery {
            from: "2026-11-25".into(),
            to: "2026-11-24".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            e.message_for("to"),
            Some("The end date is before the start date.")
        );
    }

    #[test]
    fn links_keep_the_filters_and_flip_the_sort() {
        let q = check_audit_query(&AuditQuery {
            user: "pat o'neil&co".into(),
            action: "auth.sign_in".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            q.sort_link("/reports/audit", AuditSort::At),
            "/reports/audit?user=pat%20o%27neil%26co&action=auth.sign_in&sort=at&dir=asc&per=50&page=1"
        );
        assert!(
            q.sort_link("/r", AuditSort::Action)
                .contains("sort=action&dir=asc")
        );
        assert!(q.link("/r", AuditSort::At, true, 4).ends_with("page=4"));
    }

    #[test]
    fn cells_never_become_formulas() {
        assert_eq!(
            formula_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for risky in ["+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(formula_safe(risky).starts_with('\''), "{risky}");
        }
        assert_eq!(formula_safe("plain, with comma"), "plain, with comma");
        assert_eq!(
            formula_safe("a=b"),
            "a=b",
            "only the first character counts"
        );
    }
}
