//! Payment categories. Manage Category keeps the lines for all payers
//! (`account_id` NULL): each save or delete is one transaction with its
//! audit row, guarded by the line's version. A category file gives an
//! account lines of its own (help center D4).

use super::accounts::{ImportMode, ImportOutcome, finish_import, row_account};
use super::audit::{AuditEntry, write_audit};
use super::divisions::read_division_names;
use super::{Db, DbError, in_tx, on_pool};
use crate::domain::audit_action::AuditAction;
use crate::domain::category::{Category, CategoryOptions, NewCategory};
use crate::domain::category_file::CategoryRecord;
use crate::domain::division::DivisionScope;
use crate::domain::money::Money;
use crate::domain::universal_file::RowError;

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: i64,
    description: String,
    charge_code: String,
    amount_cents: i64,
    quantity: i64,
    impact_balance: bool,
    amount_editable: bool,
    show_quantity: bool,
    required: bool,
    version: i64,
    division_id: Option<i64>,
}

impl From<Row> for Category {
    fn from(r: Row) -> Self {
        Category {
            id: r.id,
            description: r.description,
            charge_code: r.charge_code,
            amount: Money::from_cents(r.amount_cents),
            quantity: r.quantity,
            options: CategoryOptions {
                impact_balance: r.impact_balance,
                amount_editable: r.amount_editable,
                show_quantity: r.show_quantity,
                required: r.required,
            },
            version: r.version,
            division: r.division_id,
        }
    }
}

const COLUMNS: &str = "id, description, charge_code, amount_cents, quantity, impact_balance, \
    amount_editable, show_quantity, required, version, division_id";

/// Required lines first, then by description.
const ORDER: &str = "ORDER BY required DESC, description, id";

/// Binds a line's nine columns, in the order both writes list them.
macro_rules! bind_line {
    ($query:expr, $c:expr) => {{
        let c: &NewCategory = $c;
        $query
            .bind(&c.description)
            .bind(&c.charge_code)
            .bind(c.amount.cents())
            .bind(c.quantity)
            .bind(c.options.impact_balance)
            .bind(c.options.amount_editable)
            .bind(c.options.show_quantity)
            .bind(c.options.required)
            .bind(c.division)
    }};
}

/// What a guarded write found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryWrite {
    Done(i64),
    /// Another line has that charge code.
    DuplicateCode,
    /// The line is gone, or was saved by someone else since it was read.
    Stale,
}

impl Db {
    /// Every line for all payers (Manage Category's) of the divisions
    /// `shown` (a line for every division always is), required ones
    /// first, then by description.
    pub async fn categories(&self, shown: &DivisionScope) -> Result<Vec<Category>, DbError> {
        let division = match shown.sql_list() {
            None => String::new(),
            Some(list) => format!(" AND (c.division_id IS NULL OR c.division_id IN ({list}))"),
        };
        self.lines(&format!("c.account_id IS NULL{division}"), None)
            .await
    }

    /// The lines one account is offered: its own (from a category file),
    /// and the all-payers lines of every division or of the account's,
    /// whose charge code none of its own has.
    pub async fn categories_for_account(&self, account_id: i64) -> Result<Vec<Category>, DbError> {
        self.lines(
            "c.account_id = $1 OR (c.account_id IS NULL \
             AND (c.division_id IS NULL OR c.division_id = (SELECT a.division_id FROM accounts a WHERE a.id = $1)) \
             AND NOT EXISTS (SELECT 1 FROM categories o \
             WHERE o.account_id = $1 AND o.charge_code = c.charge_code))",
            Some(account_id),
        )
        .await
    }

    /// Only an account's own lines (its page lists them).
    pub async fn own_categories(&self, account_id: i64) -> Result<Vec<Category>, DbError> {
        self.lines("c.account_id = $1", Some(account_id)).await
    }

    /// The lines `filter` keeps (it names the account as `$1` when there is
    /// one), in the lists' order.
    async fn lines(&self, filter: &str, account_id: Option<i64>) -> Result<Vec<Category>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM categories c WHERE {filter} {ORDER}");
        let rows = on_pool!(self, |pool| {
            let query = sqlx::query_as::<_, Row>(&sql);
            match account_id {
                Some(id) => query.bind(id),
                None => query,
            }
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(Category::from).collect())
    }

    /// A category file: each account named gets exactly the lines its
    /// valid rows list (its old ones go when its first valid row is
    /// applied). `created` counts the lines written, `updated` the
    /// accounts (the upload's "Accounts Updated"). An upload of one
    /// division (`upload`) refuses rows of other divisions' accounts.
    pub async fn import_categories<I>(
        &self,
        rows: I,
        mode: ImportMode,
        source: &str,
        actor: Option<&str>,
        upload: Option<i64>,
    ) -> Result<ImportOutcome, DbError>
    where
        I: Iterator<Item = Result<CategoryRecord, Vec<RowError>>>,
    {
        let now = super::now_ms();
        let mut out = ImportOutcome::default();
        let mut seen = std::collections::HashMap::<(String, String), u64>::new();
        let mut replaced = std::collections::HashSet::<i64>::new();
        in_tx!(self, |tx| {
            let divisions = read_division_names!(tx);
            for item in rows {
                let Some(rec) = out.take(item) else { continue };
                let code = rec.item.as_ref().map(|c| c.charge_code.clone());
                let key = (
                    rec.account_number.as_str().to_string(),
                    code.clone().unwrap_or_default(),
                );
                if out.repeated(&mut seen, key, rec.line, "charge_code", || match &code {
                    Some(code) => format!("line {code} for account {}", rec.account_number),
                    None => format!("the clearing row for account {}", rec.account_number),
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
                if replaced.insert(account_id) {
                    sqlx::query("DELETE FROM categories WHERE account_id = $1")
                        .bind(account_id)
                        .execute(&mut *tx)
                        .await?;
                    out.updated += 1;
                }
                let Some(c) = &rec.item else { continue };
                let insert = sqlx::query(
                    "INSERT INTO categories (description, charge_code, amount_cents, quantity, \
                     impact_balance, amount_editable, show_quantity, required, division_id, created_at, updated_at, \
                     account_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
                );
                bind_line!(insert, c)
                    .bind(now)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                out.created += 1;
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
                    ..AuditEntry::new(now, AuditAction::UploadCategories)
                }
            );
        });
        Ok(out)
    }

    pub async fn category(&self, id: i64) -> Result<Option<Category>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM categories WHERE id = $1 AND account_id IS NULL");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, Row>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(Category::from))
    }

    /// Add Category Line Item.
    pub async fn add_category(
        &self,
        c: &NewCategory,
        audit: &AuditEntry<'_>,
    ) -> Result<CategoryWrite, DbError> {
        let done = in_tx!(self, |tx| {
            let insert = sqlx::query_scalar(
                "INSERT INTO categories (description, charge_code, amount_cents, quantity, \
                 impact_balance, amount_editable, show_quantity, required, division_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            );
            let id: Result<i64, sqlx::Error> = bind_line!(insert, c)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await;
            match id.map_err(DbError::from) {
                Ok(id) => {
                    let object = format!("category {id}");
                    write_audit!(
                        &mut *tx,
                        AuditEntry {
                            object: Some(&object),
                            ..*audit
                        }
                    )?;
                    CategoryWrite::Done(id)
                }
                // Nothing was written: the rollback loses nothing.
                Err(e) if e.is_unique_violation() => return Ok(CategoryWrite::DuplicateCode),
                Err(e) => return Err(e),
            }
        });
        Ok(done)
    }

    /// Edit's Save Category Item: only if the line is still at `version`.
    pub async fn edit_category(
        &self,
        id: i64,
        version: i64,
        c: &NewCategory,
        audit: &AuditEntry<'_>,
    ) -> Result<CategoryWrite, DbError> {
        let done = in_tx!(self, |tx| {
            let update = sqlx::query(
                "UPDATE categories SET description = $1, charge_code = $2, amount_cents = $3, \
                 quantity = $4, impact_balance = $5, amount_editable = $6, show_quantity = $7, \
                 required = $8, division_id = $9, updated_at = $10, version = version + 1 \
                 WHERE id = $11 AND version = $12 AND account_id IS NULL",
            );
            let n = bind_line!(update, c)
                .bind(audit.at)
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from);
            match n {
                Ok(r) if r.rows_affected() == 1 => {
                    write_audit!(&mut *tx, *audit)?;
                    CategoryWrite::Done(id)
                }
                Ok(_) => return Ok(CategoryWrite::Stale),
                Err(e) if e.is_unique_violation() => return Ok(CategoryWrite::DuplicateCode),
                Err(e) => return Err(e),
            }
        });
        Ok(done)
    }

    /// Delete, after the confirmation: only if the line is still at
    /// `version` (what the confirming person saw).
    pub async fn delete_category(
        &self,
        id: i64,
        version: i64,
        audit: &AuditEntry<'_>,
    ) -> Result<CategoryWrite, DbError> {
        let done = in_tx!(self, |tx| {
            let n = sqlx::query(
                "DELETE FROM categories WHERE id = $1 AND version = $2 AND account_id IS NULL",
            )
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(CategoryWrite::Stale);
            }
            write_audit!(&mut *tx, *audit)?;
            CategoryWrite::Done(id)
        });
        Ok(done)
    }
}
