//! Payment methods enrolled payers saved, offered on Make Payment.

use super::payments::{METHOD_COLUMNS, MethodColumns, bind_method};
use super::{Db, DbError, on_pool};

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct SavedMethodRow {
    pub id: i64,
    pub payer_id: i64,
    pub method_kind: String,
    pub label: String,
    #[sqlx(flatten)]
    pub method: MethodColumns,
}

impl Db {
    /// The saved methods of every enrolled payer who pays this account.
    pub async fn saved_methods_for_account(
        &self,
        account_id: i64,
    ) -> Result<Vec<SavedMethodRow>, DbError> {
        let sql = format!(
            "SELECT m.id, m.payer_id, m.method_kind, m.label, {METHOD_COLUMNS} FROM saved_methods m \
             JOIN account_payers ap ON ap.payer_id = m.payer_id WHERE ap.account_id = $1 ORDER BY m.id"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, SavedMethodRow>(&sql)
            .bind(account_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    pub async fn insert_saved_method(&self, m: &SavedMethodRow, now: i64) -> Result<i64, DbError> {
        let sql = format!(
            "INSERT INTO saved_methods (payer_id, method_kind, label, created_at, {METHOD_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id"
        );
        let id = on_pool!(self, |pool| {
            let query = sqlx::query_scalar::<_, i64>(&sql)
                .bind(m.payer_id)
                .bind(&m.method_kind)
                .bind(&m.label)
                .bind(now);
            bind_method!(query, m.method).fetch_one(pool).await
        })?;
        Ok(id)
    }

    pub async fn payer_id(&self, user_id: &str) -> Result<Option<i64>, DbError> {
        let id = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT id FROM payers WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(id)
    }
}
