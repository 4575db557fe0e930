//! What the Settlement page shows: runs, their NACHA files and batches.

use super::money::Money;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementRun {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub card_count: i64,
    pub card_total: Money,
    pub returns_count: i64,
    pub file: Option<AchFileView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AchFileView {
    pub name: String,
    pub download: String,
    pub entry_count: i64,
    pub debits: Money,
    pub credits: Money,
    pub batches: Vec<BatchView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    pub number: i64,
    /// PPD (consumer) or CCD (business).
    pub sec: String,
    pub description: String,
    pub entry_count: i64,
    pub debits: Money,
    pub credits: Money,
}
