//! The reports' shared shape: which reports there are, their columns, the
//! query a report page carries in its address (dates, filters, sort,
//! paging), its strict checking, and the page the server sends back. Pure,
//! so the browser builds the same links the server does.
//!
//! A report's query is a flat list of `name=value` pairs: `from`, `to` (or
//! `date`), `sort`, `dir`, `page`, `per`, and one pair per filtered column,
//! named by the column's key (`status=processed`). A drill-down is just such
//! a filter, so every view of a report can be bookmarked and works without
//! JavaScript.

use super::account::coded_enum;
use super::payment::parse_iso_date;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

coded_enum!(
    /// The reports under `/reports/…` (the Audit Report has its own page).
    ReportKind {
        PaymentHistory => "payment-history", "Payment History",
        Reconciliation => "reconciliation", "Reconciliation",
        Settlement => "settlement", "Settlement",
        Enrollment => "enrollment", "Enrollment",
        Aging => "aging", "Aging",
        Activity => "activity", "Activity",
    }
);

coded_enum!(
    /// The files a report exports.
    ExportFormat {
        Csv => "csv", "CSV",
        Xlsx => "xlsx", "Excel",
        Txt => "txt", "TXT",
        Xml => "xml", "XML",
    }
);

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Txt => "text/plain; charset=utf-8",
            ExportFormat::Xml => "application/xml; charset=utf-8",
        }
    }
}

/// Which dates a report is run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateMode {
    /// Start Date and End Date, both included (`from`, `to`).
    Range,
    /// One date (`date`): a processing cycle, or "as of".
    Single,
    /// Always today: no date to choose.
    Today,
}

/// What a column holds, which decides how it is shown, sorted and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CellType {
    Text,
    /// Integer cents, shown as dollars, exported as an exact decimal.
    Money,
    /// Epoch milliseconds, shown in the biller's zone.
    Time,
    /// A civil date, `YYYY-MM-DD`.
    Date,
    Count,
}

impl CellType {
    pub fn numeric(self) -> bool {
        matches!(self, CellType::Money | CellType::Count)
    }
}

/// How a column can be filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    None,
    /// Rows whose text contains what was typed (any case).
    Contains,
    /// Rows whose code is exactly one of these `(code, label)`.
    Choice(&'static [(&'static str, &'static str)]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub ty: CellType,
    pub filter: FilterKind,
    pub sortable: bool,
    /// The column is never empty: sorting by it needs no "empty last" rule,
    /// so an index on it can give the order (see `db::reports::Select`).
    pub never_null: bool,
    /// Shown only to a biller with several divisions (the Key column,
    /// docs/divisions.md#the-key-column): see [`CheckedQuery::columns`].
    pub divisions_only: bool,
}

impl ColumnSpec {
    const fn never_null(self) -> ColumnSpec {
        ColumnSpec {
            never_null: true,
            ..self
        }
    }
}

/// Key (help center: "Key (division key, only if multi-division)"): the
/// division a row counts for, by name. Last, so every other column keeps
/// its place whether it is shown or not; not sortable or filterable (the
/// division selector chooses the divisions).
const KEY: ColumnSpec = ColumnSpec {
    key: "key",
    label: "Key",
    ty: CellType::Text,
    filter: FilterKind::None,
    sortable: false,
    never_null: false,
    divisions_only: true,
};

const fn col(
    key: &'static str,
    label: &'static str,
    ty: CellType,
    filter: FilterKind,
) -> ColumnSpec {
    ColumnSpec {
        key,
        label,
        ty,
        filter,
        sortable: true,
        never_null: false,
        divisions_only: false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportSpec {
    pub kind: ReportKind,
    pub dates: DateMode,
    pub columns: &'static [ColumnSpec],
    pub default_sort: &'static str,
    pub default_descending: bool,
    pub exports: &'static [ExportFormat],
}

pub const PAYMENT_STATUSES: &[(&str, &str)] = &[
    ("scheduled", "Scheduled"),
    ("pending", "Pending"),
    ("processed", "Processed"),
    ("refunded", "Processed**"),
    ("cancelled", "Cancelled"),
    ("declined", "Declined"),
    ("failed", "Failed"),
];

pub const METHODS: &[(&str, &str)] = &[("card", "Card"), ("ach", "ACH")];

pub const CHANNELS: &[(&str, &str)] = &[
    ("csr", "CSR on behalf"),
    ("link", "Payment link"),
    ("recurring", "Recurring"),
    ("triggered", "Bill-triggered"),
];

pub const RECONCILIATION_KINDS: &[(&str, &str)] = &[
    ("processed", "Processed"),
    ("reversal", "Reversal"),
    ("failed", "Failed"),
];

pub const SETTLEMENT_KINDS: &[(&str, &str)] = &[
    ("debit", "Debit"),
    ("credit", "Credit"),
    ("cleared", "Cleared"),
    ("error", "Error"),
];

pub const AGING_BUCKETS: &[(&str, &str)] = &[
    ("current", "Current"),
    ("1-30", "1–30 days"),
    ("31-60", "31–60 days"),
    ("61-90", "61–90 days"),
    ("over-90", "Over 90 days"),
];

pub const YES_NO: &[(&str, &str)] = &[("Y", "Y"), ("N", "N")];

pub const ACTIVITY_EVENTS: &[(&str, &str)] = &[("enrolled", "Enrolled")];

use CellType::*;
use FilterKind::{Choice, Contains};

const CSV_XLSX: &[ExportFormat] = &[ExportFormat::Csv, ExportFormat::Xlsx];

static PAYMENT_HISTORY: ReportSpec = ReportSpec {
    kind: ReportKind::PaymentHistory,
    dates: DateMode::Range,
    columns: &[
        col("reference", "Transaction ID", Text, Contains).never_null(),
        col("account", "Account", Text, Contains).never_null(),
        col("invoice", "Invoice Number", Text, Contains),
        col("name", "Customer Name", Text, Contains),
        col("paid_at", "Date Paid", Time, FilterKind::None).never_null(),
        col("bill_amount", "Bill Amount", Money, FilterKind::None),
        col("amount", "Paid Amount", Money, FilterKind::None).never_null(),
        col("fee", "Fee Amount", Money, FilterKind::None),
        col("method", "Method", Text, Choice(METHODS)),
        col("status", "Status", Text, Choice(PAYMENT_STATUSES)),
        col("channel", "Channel", Text, Choice(CHANNELS)),
        col("entered_by", "Entered By", Text, Contains),
        KEY,
    ],
    default_sort: "paid_at",
    default_descending: true,
    exports: CSV_XLSX,
};

static RECONCILIATION: ReportSpec = ReportSpec {
    kind: ReportKind::Reconciliation,
    dates: DateMode::Single,
    columns: &[
        col("reference", "Transaction ID", Text, Contains),
        col("account", "Account ID", Text, Contains),
        col("invoice", "Invoice Number", Text, Contains),
        col("name", "Customer Name", Text, Contains),
        col("kind", "Type", Text, Choice(RECONCILIATION_KINDS)),
        col("method", "Method", Text, Choice(METHODS)),
        col("amount", "Amount", Money, FilterKind::None),
        col("effective", "Effective Date", Date, FilterKind::None),
        col("return_code", "Return Code", Text, Contains),
        KEY,
    ],
    default_sort: "reference",
    default_descending: false,
    exports: &[
        ExportFormat::Csv,
        ExportFormat::Xlsx,
        ExportFormat::Txt,
        ExportFormat::Xml,
    ],
};

static SETTLEMENT: ReportSpec = ReportSpec {
    kind: ReportKind::Settlement,
    dates: DateMode::Range,
    columns: &[
        col("reference", "Transaction ID", Text, Contains),
        col("account", "Account", Text, Contains),
        col("name", "Customer Name", Text, Contains),
        col("method", "Method", Text, Choice(METHODS)),
        col("kind", "Type", Text, Choice(SETTLEMENT_KINDS)),
        col("status", "Status", Text, Contains),
        col("amount", "Amount", Money, FilterKind::None),
        col("entered", "Date Entered", Time, FilterKind::None).never_null(),
        col("return_code", "Return Code", Text, Contains),
    ],
    // In the order the transactions were entered, as the gateway got them.
    default_sort: "entered",
    default_descending: false,
    exports: CSV_XLSX,
};

static ENROLLMENT: ReportSpec = ReportSpec {
    kind: ReportKind::Enrollment,
    dates: DateMode::Today,
    columns: &[
        col("user_id", "User ID", Text, Contains).never_null(),
        col("account", "Account ID", Text, Contains).never_null(),
        col("enrolled_at", "Enrollment Date", Time, FilterKind::None).never_null(),
        col("recurring", "Recurring Payment", Text, Choice(YES_NO)),
        col("triggered", "Triggered Payment", Text, Choice(YES_NO)),
        col("email", "Email", Text, Contains),
    ],
    default_sort: "user_id",
    default_descending: false,
    exports: CSV_XLSX,
};

static AGING: ReportSpec = ReportSpec {
    kind: ReportKind::Aging,
    dates: DateMode::Single,
    columns: &[
        col("account", "Account", Text, Contains).never_null(),
        col("name", "Customer Name", Text, Contains),
        col("invoice", "Invoice Number", Text, Contains).never_null(),
        col("due", "Due Date", Date, FilterKind::None).never_null(),
        col("days", "Days Past Due", Count, FilterKind::None).never_null(),
        col("bucket", "Age", Text, Choice(AGING_BUCKETS)),
        col("amount_due", "Amount Due", Money, FilterKind::None).never_null(),
        col("paid", "Paid", Money, FilterKind::None),
        col("still_due", "Still Due", Money, FilterKind::None),
    ],
    default_sort: "days",
    default_descending: true,
    exports: CSV_XLSX,
};

static ACTIVITY: ReportSpec = ReportSpec {
    kind: ReportKind::Activity,
    dates: DateMode::Range,
    columns: &[
        col("at", "Time", Time, FilterKind::None).never_null(),
        col("user_id", "User ID", Text, Contains).never_null(),
        col("event", "Event", Text, Choice(ACTIVITY_EVENTS)),
        col("account", "Account", Text, Contains).never_null(),
        col("detail", "Detail", Text, Contains),
    ],
    default_sort: "at",
    default_descending: true,
    exports: CSV_XLSX,
};

impl ReportKind {
    pub fn spec(self) -> &'static ReportSpec {
        match self {
            ReportKind::PaymentHistory => &PAYMENT_HISTORY,
            ReportKind::Reconciliation => &RECONCILIATION,
            ReportKind::Settlement => &SETTLEMENT,
            ReportKind::Enrollment => &ENROLLMENT,
            ReportKind::Aging => &AGING,
            ReportKind::Activity => &ACTIVITY,
        }
    }

    /// The report's page.
    pub fn path(self) -> String {
        format!("/reports/{}", self.code())
    }

    /// What the Reports menu says of it.
    pub fn blurb(self) -> &'static str {
        match self {
            ReportKind::PaymentHistory => {
                "Every payment entered in a date range, summarised by status."
            }
            ReportKind::Reconciliation => {
                "One processing cycle: what was captured, sent, reversed and returned, against the bank deposit."
            }
            ReportKind::Settlement => {
                "What was sent to the card gateway and in ACH files in a timeframe, with returns."
            }
            ReportKind::Enrollment => "Every enrolled payer and account, as of today.",
            ReportKind::Aging => "Unpaid bills by how long they are past due.",
            ReportKind::Activity => "What payers did: enrollments and other payer-side events.",
        }
    }
}

pub const PAGE_SIZES: [u32; 3] = [10, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// A typed filter is at most this many characters.
pub const FILTER_MAX: usize = 100;
/// Past this page number a request is malformed, not a page.
const PAGE_MAX: u32 = 10_000_000;

/// The parameters every report takes; any other name must be a column's or
/// a drill's filter.
const COMMON: [&str; 7] = ["from", "to", "date", "sort", "dir", "page", "per"];

/// A report's query, raw, as it came in the address (a name given twice
/// keeps its last value, as browsers read it). On the wire the parameters
/// travel as one query string (`from=…&to=…`), not as a nested form map:
/// the server function's form encoding refused some nested maps.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReportQuery {
    pub kind: String,
    #[serde(default, with = "as_query_string")]
    pub params: BTreeMap<String, String>,
}

/// `k=v&…`, each part percent-encoded.
pub fn to_query_string(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::routes::encode_component(k),
                crate::routes::encode_component(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Reads `k=v&…` (`+` is a space, as in forms; a name given twice keeps
/// its last value).
pub fn parse_query_string(s: &str) -> BTreeMap<String, String> {
    let decode = |part: &str| {
        percent_encoding::percent_decode_str(&part.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        // A pair without a name says nothing (a stray `=` or `&`).
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

mod as_query_string {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(m: &BTreeMap<String, String>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_query_string(m))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, String>, D::Error> {
        Ok(super::parse_query_string(&String::deserialize(d)?))
    }
}

impl ReportQuery {
    pub fn get(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }
}

/// The query, checked against its report's spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedQuery {
    pub kind: ReportKind,
    /// The first and last day, both included (`Single` and `Today` reports
    /// have one day, in both).
    pub from: (u16, u8, u8),
    pub to: (u16, u8, u8),
    /// `(key, value)`: filters in spec order.
    pub filters: Vec<(&'static str, String)>,
    pub sort: &'static ColumnSpec,
    pub descending: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    /// The biller has several divisions: the Key column is shown. Not
    /// part of the query: the server sets it (`services::reports`).
    pub divisions: bool,
}

pub fn iso(d: (u16, u8, u8)) -> String {
    format!("{:04}-{:02}-{:02}", d.0, d.1, d.2)
}

/// Checks `q` strictly: a report asked for in a way it cannot answer is
/// refused with a message per field, never quietly read some other way.
/// Missing dates mean `today`.
pub fn check_query(q: &ReportQuery, today: (u16, u8, u8)) -> Result<CheckedQuery, FieldErrors> {
    let mut errs = FieldErrors::new();
    let Some(kind) = ReportKind::from_code(q.kind.trim()) else {
        errs.add("report", "There is no such report.");
        return Err(errs);
    };
    let spec = kind.spec();
    for (k, v) in &q.params {
        let known = COMMON.contains(&k.as_str())
            || spec
                .columns
                .iter()
                .any(|c| c.key == k && c.filter != FilterKind::None);
        if !known {
            let name: String = k.chars().take(40).collect();
            errs.add(
                "query",
                format!("This report has no filter named \u{201c}{name}\u{201d}."),
            );
        }
        if v.chars().count() > FILTER_MAX {
            errs.add(k, format!("Use at most {FILTER_MAX} characters."));
        }
    }
    let date = |field: &str, errs: &mut FieldErrors| -> Option<(u16, u8, u8)> {
        let v = q.get(field).trim();
        if v.is_empty() {
            return None;
        }
        let d = parse_iso_date(v);
        if d.is_none() {
            errs.add(field, "Enter the date as YYYY-MM-DD.");
        }
        d
    };
    let (from, to) = match spec.dates {
        DateMode::Range => {
            let from = date("from", &mut errs);
            let to = date("to", &mut errs);
            let (from, to) = (from.unwrap_or(today), to.unwrap_or(today));
            if to < from {
                errs.add("to", "The end date is before the start date.");
            }
            (from, to)
        }
        DateMode::Single => {
            let d = date("date", &mut errs).unwrap_or(today);
            (d, d)
        }
        DateMode::Today => (today, today),
    };
    let mut filters = Vec::new();
    let all_filters = spec.columns.iter().map(|c| (c.key, c.filter));
    for (key, kind) in all_filters {
        let v = q.get(key).trim();
        if v.is_empty() || kind == FilterKind::None || v.chars().count() > FILTER_MAX {
            continue;
        }
        if let FilterKind::Choice(options) = kind
            && !options.iter().any(|(code, _)| *code == v)
        {
            errs.add(key, "Choose one of the listed values.");
            continue;
        }
        filters.push((key, v.to_string()));
    }
    let sort_key = q.get("sort").trim();
    let sort = if sort_key.is_empty() {
        spec.columns.iter().find(|c| c.key == spec.default_sort)
    } else {
        let found = spec
            .columns
            .iter()
            .find(|c| c.key == sort_key && c.sortable);
        if found.is_none() {
            errs.add("sort", "Sort by one of the report's columns.");
        }
        found
    };
    let descending = match q.get("dir").trim() {
        "" => sort.is_some_and(|c| c.key == spec.default_sort && spec.default_descending),
        "asc" => false,
        "desc" => true,
        _ => {
            errs.add("dir", "Sort asc or desc.");
            false
        }
    };
    let per_page = match q.get("per").trim() {
        "" => DEFAULT_PAGE_SIZE,
        v => match v.parse::<u32>() {
            Ok(n) if PAGE_SIZES.contains(&n) => n,
            _ => {
                errs.add("per", "Show 10, 50 or 100 rows per page.");
                DEFAULT_PAGE_SIZE
            }
        },
    };
    let page = match q.get("page").trim() {
        "" => 1,
        v => match v.parse::<u32>() {
            Ok(n) if (1..=PAGE_MAX).contains(&n) => n,
            _ => {
                errs.add("page", "Pages are numbered from 1.");
                1
            }
        },
    };
    match sort {
        Some(sort) if errs.is_empty() => Ok(CheckedQuery {
            kind,
            from,
            to,
            filters,
            sort,
            descending,
            page,
            per_page,
            divisions: false,
        }),
        _ => {
            for (k, v) in &q.params {
                if COMMON.contains(&k.as_str()) || spec.columns.iter().any(|c| c.key == k) {
                    errs = errs.keep(k, v);
                }
            }
            Err(errs)
        }
    }
}

impl CheckedQuery {
    /// The columns shown, in order: the spec's, less the Key column for a
    /// biller with one division. Rows, pages and exports all follow this.
    pub fn columns(&self) -> Vec<ColumnSpec> {
        self.spec()
            .columns
            .iter()
            .filter(|c| self.divisions || !c.divisions_only)
            .copied()
            .collect()
    }

    pub fn spec(&self) -> &'static ReportSpec {
        self.kind.spec()
    }

    pub fn filter(&self, key: &str) -> Option<&str> {
        self.filters
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The dates as parameters: what the page's date fields show.
    fn date_params(&self) -> Vec<(&'static str, String)> {
        match self.spec().dates {
            DateMode::Range => vec![("from", iso(self.from)), ("to", iso(self.to))],
            DateMode::Single => vec![("date", iso(self.from))],
            DateMode::Today => vec![],
        }
    }

    /// Every parameter of this query, dates made explicit: a link made from
    /// them shows the same rows tomorrow.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .date_params()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        for (k, v) in &self.filters {
            out.push((k.to_string(), v.clone()));
        }
        out.push(("sort".into(), self.sort.key.into()));
        out.push((
            "dir".into(),
            if self.descending { "desc" } else { "asc" }.into(),
        ));
        out.push(("per".into(), self.per_page.to_string()));
        out.push(("page".into(), self.page.to_string()));
        out
    }

    /// This query's address under `path`, with some parameters changed
    /// (an empty value drops the parameter).
    pub fn link_with(&self, path: &str, changes: &[(&str, &str)]) -> String {
        let mut params = self.params();
        for (k, v) in changes {
            params.retain(|(name, _)| name != k);
            if !v.is_empty() {
                params.push((k.to_string(), v.to_string()));
            }
        }
        link(path, &params)
    }

    /// The page `page` of the same rows.
    pub fn page_link(&self, page: u32) -> String {
        self.link_with(&self.kind.path(), &[("page", &page.to_string())])
    }

    /// What a column header links to: sort by it, or reverse the order
    /// when it already sorts. Back to page 1.
    pub fn sort_link(&self, column: &ColumnSpec) -> String {
        let descending = if self.sort.key == column.key {
            !self.descending
        } else {
            matches!(
                column.ty,
                CellType::Time | CellType::Money | CellType::Count
            )
        };
        self.link_with(
            &self.kind.path(),
            &[
                ("sort", column.key),
                ("dir", if descending { "desc" } else { "asc" }),
                ("page", "1"),
            ],
        )
    }

    /// A drill-down: the same report narrowed by `filters`, from page 1.
    pub fn drill_link(&self, filters: &[(&str, &str)]) -> String {
        let mut changes: Vec<(&str, &str)> = filters.to_vec();
        changes.push(("page", "1"));
        self.link_with(&self.kind.path(), &changes)
    }

    /// The export of every matching row as `format` (page and size dropped).
    pub fn export_link(&self, format: ExportFormat) -> String {
        let path = format!("/reports/{}.{}", self.kind.code(), format.code());
        self.link_with(&path, &[("page", ""), ("per", "")])
    }

    /// Words for the dates run: "2026-11-01 to 2026-11-30".
    pub fn range_label(&self) -> String {
        match self.spec().dates {
            DateMode::Range if self.from == self.to => iso(self.from),
            DateMode::Range => format!("{} to {}", iso(self.from), iso(self.to)),
            DateMode::Single => iso(self.from),
            DateMode::Today => format!("today, {}", iso(self.from)),
        }
    }
}

/// `path?k=v&…`, each value percent-encoded.
pub fn link(path: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return path.to_string();
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::routes::encode_component(k),
                crate::routes::encode_component(v)
            )
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// Dollars with thousands separators: `$1,234.56`.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", abs % 100)
}

/// Exact decimal dollars for files: `1234.56`, never through a float.
pub fn decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// One shown cell: its text, where it leads (a drill-down), and whether it
/// is a number (right-aligned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CellView {
    pub text: String,
    pub href: Option<String>,
    pub numeric: bool,
}

impl CellView {
    pub fn text(text: impl Into<String>) -> CellView {
        CellView {
            text: text.into(),
            ..Default::default()
        }
    }

    pub fn number(text: impl Into<String>) -> CellView {
        CellView {
            text: text.into(),
            numeric: true,
            href: None,
        }
    }

    pub fn linked(mut self, href: impl Into<String>) -> CellView {
        self.href = Some(href.into());
        self
    }
}

/// A summary table above the rows (counts and totals, each a drill-down).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SummaryTable {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<CellView>>,
    pub footer: Vec<CellView>,
}

/// Whether the figures tie out, said in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub ok: bool,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnHead {
    pub key: String,
    pub label: String,
    pub numeric: bool,
    /// "ascending" / "descending" when the rows are sorted by it.
    pub sorted: Option<String>,
    /// The link that sorts by it; none for a column that isn't sorted on.
    pub sort_href: Option<String>,
    /// Text filter, or `(code, label)` choices; `None` when not filtered.
    pub filter: Option<FilterView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterView {
    Text(String),
    Choice {
        value: String,
        options: Vec<(String, String)>,
    },
}

/// A page of a report, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPage {
    pub kind: ReportKind,
    pub range_label: String,
    /// The dates as run, `(name, YYYY-MM-DD)`, for the date fields.
    pub dates: Vec<(String, String)>,
    pub summaries: Vec<SummaryTable>,
    pub verdict: Option<Verdict>,
    pub notes: Vec<String>,
    pub columns: Vec<ColumnHead>,
    pub rows: Vec<Vec<CellView>>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    pub per_page: u32,
    /// First, Prev, Next, Last; `None` where there is nowhere to go.
    pub pager: [Option<String>; 4],
    pub exports: Vec<(String, String)>,
    /// The filters in force, as words, and the link that clears them.
    pub filtered: Vec<String>,
    pub clear_href: Option<String>,
    /// The other parameters to keep when the filter form is sent.
    pub hidden: Vec<(String, String)>,
}

impl CheckedQuery {
    /// The page's frame: headers, pager, exports, filters in words. The
    /// caller adds summaries, rows and notes.
    pub fn page_frame(&self, total: i64, page: u32) -> ReportPage {
        let spec = self.spec();
        let pages = u32::try_from(total.max(0))
            .unwrap_or(u32::MAX)
            .div_ceil(self.per_page)
            .max(1);
        let at = CheckedQuery {
            page,
            ..self.clone()
        };
        let columns = self
            .columns()
            .iter()
            .map(|c| ColumnHead {
                key: c.key.into(),
                label: c.label.into(),
                numeric: c.ty.numeric(),
                sorted: (self.sort.key == c.key).then(|| {
                    if self.descending {
                        "descending".to_string()
                    } else {
                        "ascending".to_string()
                    }
                }),
                sort_href: c.sortable.then(|| at.sort_link(c)),
                filter: match c.filter {
                    FilterKind::None => None,
                    FilterKind::Contains => Some(FilterView::Text(
                        self.filter(c.key).unwrap_or("").to_string(),
                    )),
                    FilterKind::Choice(options) => Some(FilterView::Choice {
                        value: self.filter(c.key).unwrap_or("").to_string(),
                        options: options
                            .iter()
                            .map(|(a, b)| (a.to_string(), b.to_string()))
                            .collect(),
                    }),
                },
            })
            .collect();
        let filtered = self
            .filters
            .iter()
            .map(|(k, v)| {
                let (label, kind) = spec
                    .columns
                    .iter()
                    .map(|c| (c.key, c.label, c.filter))
                    .find(|(key, _, _)| key == k)
                    .map(|(_, l, f)| (l, f))
                    .unwrap_or((k, FilterKind::None));
                let shown = match kind {
                    FilterKind::Choice(options) => options
                        .iter()
                        .find(|(code, _)| code == v)
                        .map(|(_, l)| l.to_string())
                        .unwrap_or_else(|| v.clone()),
                    _ => format!("\u{201c}{v}\u{201d}"),
                };
                format!("{label}: {shown}")
            })
            .collect();
        let cleared: Vec<(&str, &str)> = self.filters.iter().map(|(k, _)| (*k, "")).collect();
        let clear_href = (!self.filters.is_empty()).then(|| {
            let mut changes = cleared.clone();
            changes.push(("page", "1"));
            self.link_with(&self.kind.path(), &changes)
        });
        let hidden = self
            .params()
            .into_iter()
            .filter(|(k, _)| matches!(k.as_str(), "from" | "to" | "date" | "sort" | "dir" | "per"))
            .collect();
        ReportPage {
            kind: self.kind,
            range_label: self.range_label(),
            dates: self
                .date_params()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            summaries: Vec::new(),
            verdict: None,
            notes: Vec::new(),
            columns,
            rows: Vec::new(),
            total,
            page,
            pages,
            per_page: self.per_page,
            pager: [
                (page > 1).then(|| at.page_link(1)),
                (page > 1).then(|| at.page_link(page - 1)),
                (page < pages).then(|| at.page_link(page + 1)),
                (page < pages).then(|| at.page_link(pages)),
            ],
            exports: spec
                .exports
                .iter()
                .map(|f| (f.label().to_string(), self.export_link(*f)))
                .collect(),
            filtered,
            clear_href,
            hidden,
        }
    }
}

impl fmt::Display for CheckedQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.kind.label(), self.range_label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: (u16, u8, u8) = (2026, 12, 2);

    fn q(kind: &str, params: &[(&str, &str)]) -> ReportQuery {
        ReportQuery {
            kind: kind.into(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn an_empty_query_is_today_sorted_by_the_default() {
        let c = check_query(&q("payment-history", &[]), TODAY).unwrap();
        assert_eq!((c.from, c.to), (TODAY, TODAY));
        assert_eq!(c.sort.key, "paid_at");
        assert!(c.descending);
        assert_eq!((c.page, c.per_page), (1, 50));
    }

    #[test]
    fn malformed_queries_are_refused_field_by_field() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("from", "2026-13-01")], "from"),
            (&[("from", "2026-11-30"), ("to", "2026-11-01")], "to"),
            (&[("sort", "password")], "sort"),
            (&[("dir", "up")], "dir"),
            (&[("per", "1000000")], "per"),
            (&[("per", "20")], "per"),
            (&[("page", "0")], "page"),
            (&[("page", "x")], "page"),
            (&[("status", "lost")], "status"),
            (&[("nonsense", "1")], "query"),
            // A column that is not filtered takes no filter.
            (&[("amount", "5")], "query"),
        ];
        for (params, field) in cases {
            let err = check_query(&q("payment-history", params), TODAY).unwrap_err();
            assert!(
                err.message_for(field).is_some(),
                "{params:?} should be refused at {field}: {err:?}"
            );
        }
        let huge = "x".repeat(FILTER_MAX + 1);
        let err = check_query(&q("payment-history", &[("name", &huge)]), TODAY).unwrap_err();
        assert!(err.message_for("name").is_some());
        assert!(check_query(&q("no-such", &[]), TODAY).is_err());
    }

    #[test]
    fn links_keep_the_query_and_change_one_thing() {
        let c = check_query(
            &q(
                "payment-history",
                &[
                    ("from", "2026-11-01"),
                    ("to", "2026-11-30"),
                    ("name", "Ann & Bo"),
                ],
            ),
            TODAY,
        )
        .unwrap();
        let next = c.page_link(2);
        assert!(next.starts_with("/reports/payment-history?from=2026-11-01&to=2026-11-30"));
        assert!(next.contains("name=Ann%20%26%20Bo"), "{next}");
        assert!(next.ends_with("page=2"));
        let sorted = c.sort_link(
            c.spec()
                .columns
                .iter()
                .find(|c| c.key == "paid_at")
                .unwrap(),
        );
        assert!(
            sorted.contains("dir=asc"),
            "the sorted column flips: {sorted}"
        );
        let export = c.export_link(ExportFormat::Csv);
        assert!(export.starts_with("/reports/payment-history.csv?"));
        assert!(!export.contains("page=") && !export.contains("per="));
        // A link made from a checked query checks again to the same query.
        let again = check_query(
            &ReportQuery {
                kind: "payment-history".into(),
                params: c.params().into_iter().collect(),
            },
            (2030, 1, 1),
        )
        .unwrap();
        assert_eq!(again, c, "links do not depend on the day they are followed");
    }

    #[test]
    fn parameters_travel_as_one_query_string() {
        let q = q(
            "payment-history",
            &[("name", "Ann & Bo=1+2"), ("from", "2026-11-01")],
        );
        let wire = to_query_string(&q.params);
        assert_eq!(wire, "from=2026-11-01&name=Ann%20%26%20Bo%3D1%2B2");
        assert_eq!(parse_query_string(&wire), q.params);
        assert_eq!(parse_query_string("a=x+y&b&a=z")["a"], "z");
        assert_eq!(parse_query_string("a=x+y")["a"], "x y");
        assert!(parse_query_string("=&=x&&").is_empty(), "no nameless pairs");
    }

    #[test]
    fn the_pager_stops_at_both_ends() {
        let c = check_query(&q("payment-history", &[("per", "10")]), TODAY).unwrap();
        let p = c.page_frame(25, 1);
        assert_eq!(p.pages, 3);
        assert!(p.pager[0].is_none() && p.pager[1].is_none());
        assert!(p.pager[3].as_deref().unwrap().ends_with("page=3"));
        let last = c.page_frame(25, 3);
        assert!(last.pager[2].is_none() && last.pager[3].is_none());
        assert_eq!(c.page_frame(0, 1).pages, 1, "an empty report has one page");
    }

    #[test]
    fn money_is_shown_and_written_exactly() {
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(-100_000), "-$1,000.00");
        assert_eq!(decimal(123_456_789), "1234567.89");
        assert_eq!(decimal(7), "0.07");
    }

    #[test]
    fn the_key_column_is_shown_only_with_several_divisions_and_last() {
        let one = check_query(&q("payment-history", &[]), TODAY).unwrap();
        assert!(one.columns().iter().all(|c| c.key != "key"));
        assert_eq!(one.page_frame(0, 1).columns.len(), one.columns().len());
        let several = CheckedQuery {
            divisions: true,
            ..one.clone()
        };
        let keys: Vec<&str> = several.columns().iter().map(|c| c.key).collect();
        assert_eq!(keys.len(), one.columns().len() + 1);
        assert_eq!(keys.last(), Some(&"key"));
        let key = several.page_frame(0, 1).columns.pop().unwrap();
        assert_eq!(key.label, "Key");
        assert!(key.sort_href.is_none(), "its header is no sort link");
        // Not a sort or a filter: the selector chooses the divisions.
        assert!(check_query(&q("payment-history", &[("sort", "key")]), TODAY).is_err());
        assert!(check_query(&q("reconciliation", &[("key", "Water")]), TODAY).is_err());
        // Only the two reports the help center gives it to.
        for kind in ReportKind::ALL {
            let has = kind.spec().columns.iter().any(|c| c.divisions_only);
            assert_eq!(
                has,
                matches!(
                    kind,
                    ReportKind::PaymentHistory | ReportKind::Reconciliation
                ),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn every_default_sort_is_a_column() {
        for kind in ReportKind::ALL {
            let spec = kind.spec();
            assert!(
                spec.columns.iter().any(|c| c.key == spec.default_sort),
                "{kind:?}"
            );
            assert!(check_query(&q(kind.code(), &[]), TODAY).is_ok(), "{kind:?}");
        }
    }
}
