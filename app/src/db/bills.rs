//! Bills: the bill file's import, Bills Found and Bill Details.

use super::accounts::{ImportMode, ImportOutcome, finish_import, row_account};
use super::divisions::read_division_names;
use super::{Db, DbError, in_tx, on_pool, update_audited};
use crate::db::audit::AuditEntry;
use crate::domain::audit_action::AuditAction;
use crate::domain::bill_file::BillRecord;
use crate::domain::universal_file::RowError;

/// Moves what payments have paid toward a payment's bill by `$delta`
/// cents (`PaymentState::paid_toward_bill` after the change less before),
/// inside the transaction that changes the payment. An increment, not a
/// recount: two transactions moving payments of one bill at once each add
/// their own change under the bill's row lock. No bill, no row touched.
macro_rules! move_bill_paid {
    ($conn:expr, $payment_id:expr, $delta:expr) => {{
        let delta: i64 = $delta;
        if delta != 0 {
            sqlx::query(
                "UPDATE bills SET paid_cents = paid_cents + $2 \
                 WHERE id = (SELECT bill_id FROM payments WHERE id = $1)",
            )
            .bind($payment_id)
            .bind(delta)
            .execute($conn)
            .await
            .map(|_| ())
        } else {
            Ok(())
        }
    }};
}
pub(crate) use move_bill_paid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BillRow {
    pub id: i64,
    pub account_number: String,
    pub invoice_number: String,
    pub version: i64,
    pub invoice_date: String,
    pub due_date: String,
    pub amount_due_cents: i64,
    pub minimum_due_cents: i64,
    pub description: Option<String>,
    pub status: String,
    pub active: bool,
    pub do_not_call: bool,
    pub paid_cents: i64,
    /// The account's division (a limited staff user reaches only theirs).
    pub division_id: i64,
}

/// `paid_cents` counts payments that took money or are taking it (not
/// Scheduled, Declined, Cancelled or Failed), less refunds. The CAST keeps
/// PostgreSQL's SUM (NUMERIC) a BIGINT.
const SELECT: &str = "SELECT b.id, a.account_number, b.invoice_number, b.version, b.invoice_date, b.due_date, b.amount_due_cents, \
     b.minimum_due_cents, b.description, b.status, b.active, b.do_not_call, \
     CAST((SELECT COALESCE(SUM(p.amount_cents - p.refunded_cents), 0) FROM payments p \
           WHERE p.bill_id = b.id AND p.status IN ('authorizing', 'pending', 'processed')) AS BIGINT) AS paid_cents, a.division_id \
     FROM bills b JOIN accounts a ON a.id = b.account_id";

impl Db {
    /// Applies a bill file as `mode` says (see `ImportMode`). For each row:
    /// the account must exist, be in the row's `division` if it names one
    /// and in the upload's (`upload`) if it is of one division; a new
    /// invoice number is a new bill; a known one is updated in place
    /// unless its bill has payments, in which case a new version is added
    /// and the older one becomes Inactive.
    pub async fn import_bills<I>(
        &self,
        rows: I,
        mode: ImportMode,
        source: &str,
        actor: Option<&str>,
        upload: Option<i64>,
    ) -> Result<ImportOutcome, DbError>
    where
        I: Iterator<Item = Result<BillRecord, Vec<RowError>>>,
    {
        let now = super::now_ms();
        let mut out = ImportOutcome::default();
        let mut seen = std::collections::HashMap::<(String, String), u64>::new();
        in_tx!(self, |tx| {
            let divisions = read_division_names!(tx);
            for item in rows {
                let Some(rec) = out.take(item) else { continue };
                let key = (
                    rec.account_number.as_str().to_string(),
                    rec.invoice_number.clone(),
                );
                if out.repeated(&mut seen, key, rec.line, "invoice_number", || {
                    format!(
                        "invoice {} for account {}",
                        rec.invoice_number, rec.account_number
                    )
                }) {
                    continue;
                }
                let Some(account_id) = row_account!(
                    tx,
                    out,
                    &rec.account_number,
                    rec.line,
                    upload,
                    &divisions,
                    rec.division.as_deref()
                ) else {
                    continue;
                };
                if !out.errors.is_empty() && mode == ImportMode::AllOrNothing {
                    continue;
                }
                let current: Option<(i64, i64, bool)> = sqlx::query_as(
                    "SELECT b.id, b.version, EXISTS (SELECT 1 FROM payments p WHERE p.bill_id = b.id) FROM bills b \
                     WHERE b.account_id = $1 AND b.invoice_number = $2 ORDER BY b.version DESC LIMIT 1",
                )
                .bind(account_id)
                .bind(&rec.invoice_number)
                .fetch_optional(&mut *tx)
                .await?;
                match current {
                    Some((id, _, false)) => {
                        sqlx::query(
                            "UPDATE bills SET invoice_date = $2, due_date = $3, amount_due_cents = $4, minimum_due_cents = $5, \
                             description = $6, updated_at = $7 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(&rec.invoice_date)
                        .bind(&rec.due_date)
                        .bind(rec.amount_due.cents())
                        .bind(rec.minimum_due.cents())
                        .bind(rec.description.as_deref())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        out.updated += 1;
                    }
                    existing => {
                        // Paid toward already: keep that bill as it was.
                        let version = match existing {
                            Some((old, version, _)) => {
                                sqlx::query("UPDATE bills SET status = 'inactive', active = FALSE, updated_at = $2 WHERE id = $1")
                                    .bind(old)
                                    .bind(now)
                                    .execute(&mut *tx)
                                    .await?;
                                out.updated += 1;
                                version + 1
                            }
                            None => {
                                out.created += 1;
                                1
                            }
                        };
                        sqlx::query(
                            "INSERT INTO bills (account_id, invoice_number, version, invoice_date, due_date, amount_due_cents, \
                             minimum_due_cents, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                        )
                        .bind(account_id)
                        .bind(&rec.invoice_number)
                        .bind(version)
                        .bind(&rec.invoice_date)
                        .bind(&rec.due_date)
                        .bind(rec.amount_due.cents())
                        .bind(rec.minimum_due.cents())
                        .bind(rec.description.as_deref())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            finish_import!(
                tx,
                mode,
                out,
                AuditEntry {
                    actor_login: actor,
                    object: Some(source),
                    // The upload's division, if it is of one.
                    division: upload,
                    ..AuditEntry::new(now, AuditAction::UploadBills)
                }
            );
        });
        Ok(out)
    }

    /// Bills Found: the bills of these accounts, newest invoice first.
    pub async fn bills_for_accounts(
        &self,
        account_ids: &[i64],
        limit: i64,
    ) -> Result<Vec<BillRow>, DbError> {
        self.bills_of(account_ids, limit, false).await
    }

    /// The payer's dashboard: only the active bills of these accounts.
    pub async fn active_bills_for_accounts(
        &self,
        account_ids: &[i64],
        limit: i64,
    ) -> Result<Vec<BillRow>, DbError> {
        self.bills_of(account_ids, limit, true).await
    }

    async fn bills_of(
        &self,
        account_ids: &[i64],
        limit: i64,
        active_only: bool,
    ) -> Result<Vec<BillRow>, DbError> {
        if account_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (among, ids) = self.in_ids("b.account_id", 2, account_ids);
        let active = if active_only {
            " AND b.active = TRUE"
        } else {
            ""
        };
        let sql = format!(
            "{SELECT} WHERE {among}{active} ORDER BY b.invoice_date DESC, b.invoice_number, b.version DESC LIMIT $1"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, BillRow>(&sql)
            .bind(limit)
            .bind(&ids)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    pub async fn bill(&self, id: i64) -> Result<Option<BillRow>, DbError> {
        let sql = format!("{SELECT} WHERE b.id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, BillRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// Bill Details' Submit, audited; false if the bill is gone.
    pub async fn update_bill(
        &self,
        id: i64,
        status: &str,
        active: bool,
        do_not_call: bool,
        entry: &AuditEntry<'_>,
    ) -> Result<bool, DbError> {
        update_audited!(
            self,
            entry,
            sqlx::query("UPDATE bills SET status = $2, active = $3, do_not_call = $4, updated_at = $5 WHERE id = $1")
                .bind(id)
                .bind(status)
                .bind(active)
                .bind(do_not_call)
                .bind(entry.at)
        )
    }
}
