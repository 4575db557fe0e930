//! Payment methods enrolled payers saved, offered on Make Payment.

use super::{on_pool, Db, DbError};

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct SavedMethodRow {
    pub id: i64,
    pub payer_id: i64,
    pub method_kind: String,
    pub label: String,
    pub card_token: Option<String>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub card_expiry: Option<String>,
    pub cardholder: Option<String>,
    pub billing_zip: Option<String>,
    pub bank_holder: Option<String>,
    pub bank_routing: Option<String>,
    pub bank_account_enc: Option<String>,
    pub bank_last4: Option<String>,
    pub bank_kind: Option<String>,
}

const SAVED_COLUMNS: &str = "m.id, m.payer_id, m.method_kind, m.label, m.card_token, m.card_brand, m.card_last4, \
    m.card_expiry, m.cardholder, m.billing_zip, m.bank_holder, m.bank_routing, m.bank_account_enc, m.bank_last4, m.bank_kind";

impl Db {
    /// The saved methods of every enrolled payer who pays this account.
    pub async fn saved_methods_for_account(&self, account_id: i64) -> Result<Vec<SavedMethodRow>, DbError> {
        let sql = format!(
            "SELECT {SAVED_COLUMNS} FROM saved_methods m \
             JOIN account_payers ap ON ap.payer_id = m.payer_id WHERE ap.account_id = $1 ORDER BY m.id"
        );
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, SavedMethodRow>(&sql).bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn insert_saved_method(&self, m: &SavedMethodRow, now: i64) -> Result<i64, DbError> {
        let id = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO saved_methods (payer_id, method_kind, label, card_token, card_brand, card_last4, card_expiry, \
                 cardholder, billing_zip, bank_holder, bank_routing, bank_account_enc, bank_last4, bank_kind, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            )
            .bind(m.payer_id)
            .bind(&m.method_kind)
            .bind(&m.label)
            .bind(&m.card_token)
            .bind(&m.card_brand)
            .bind(&m.card_last4)
            .bind(&m.card_expiry)
            .bind(&m.cardholder)
            .bind(&m.billing_zip)
            .bind(&m.bank_holder)
            .bind(&m.bank_routing)
            .bind(&m.bank_account_enc)
            .bind(&m.bank_last4)
            .bind(&m.bank_kind)
            .bind(now)
            .fetch_one(pool)
            .await
        })?;
        Ok(id)
    }

    pub async fn payer_id(&self, user_id: &str) -> Result<Option<i64>, DbError> {
        let id = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT id FROM payers WHERE user_id = $1").bind(user_id).fetch_optional(pool).await
        })?;
        Ok(id)
    }
}
