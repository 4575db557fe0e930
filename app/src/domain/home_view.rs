//! Home, as the page gets it from `load_home`: figures already added up
//! (integer cents), dates already in the biller's zone, and the address of
//! the report behind each number.

use super::money::Money;
use serde::{Deserialize, Serialize};

/// A count and a dollar total, with the report that lists them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Figure {
    pub count: i64,
    pub total: Money,
    pub href: String,
}

/// One row of a breakdown: a status or a method, by its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// A stored code (`pending`, `ach`, `R01`), for tests and styles.
    pub code: String,
    pub label: String,
    pub figure: Figure,
}

/// Payments entered in a period (today, this week), by status and method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// "Today", "This week".
    pub name: String,
    /// First and last day, `YYYY-MM-DD` in the biller's zone.
    pub from: String,
    pub to: String,
    pub all: Figure,
    pub by_status: Vec<Line>,
    pub by_method: Vec<Line>,
}

/// One day of the 30-day series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `Mon, Nov 2`.
    pub label: String,
    /// `Nov 2`, under the chart's axis.
    pub short: String,
    pub figure: Figure,
}

/// ACH returns read in the last 30 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Returns {
    pub from: String,
    pub to: String,
    /// Returns that failed a payment: count and the payments' amounts.
    pub all: Figure,
    /// The same by return code (`R01 Insufficient Funds`), most first.
    pub by_code: Vec<Line>,
    /// Returns that matched no payment (or one that could not be
    /// returned): counted, no amount.
    pub unmatched: i64,
}

/// Unpaid, active bills falling due within `days` days from today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillsDue {
    pub days: i64,
    /// The last due date counted, `YYYY-MM-DD`.
    pub until: String,
    /// Count and what is still due on the bills (amount due less what
    /// payments toward them paid), as Aging counts it.
    pub figure: Figure,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeView {
    /// `YYYY-MM-DD`, the biller's today.
    pub today: String,
    /// `Tuesday, December 1, 2026`.
    pub today_label: String,
    pub periods: Vec<Period>,
    /// The last 30 days, oldest first, today last.
    pub days: Vec<Day>,
    /// Pending ACH payments waiting for the next file.
    pub pending_ach: Figure,
    pub returns: Returns,
    pub bills_due: Vec<BillsDue>,
    /// The reconciliation report for today.
    pub reconciliation: String,
}
