//! The biller's Profile: one row, written by Save Changes with its audit
//! row in one transaction.

use super::audit::{AuditEntry, write_audit};
use super::{Db, DbError, in_tx, on_pool};
use crate::domain::biller_profile::BillerProfile;

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    biller_key: String,
    biller_name: String,
    payer_login_url: String,
    biller_dnis: String,
    contact_info: String,
    support_email: String,
    support_phone: String,
    address: String,
}

impl From<Row> for BillerProfile {
    fn from(r: Row) -> Self {
        BillerProfile {
            biller_key: r.biller_key,
            biller_name: r.biller_name,
            payer_login_url: r.payer_login_url,
            biller_dnis: r.biller_dnis,
            contact_info: r.contact_info,
            support_email: r.support_email,
            support_phone: r.support_phone,
            address: r.address,
        }
    }
}

const SELECT: &str = "SELECT biller_key, biller_name, payer_login_url, biller_dnis, contact_info, \
    support_email, support_phone, address FROM biller_profile WHERE id = 1";

impl Db {
    /// The Profile, if it was ever written (else the first-run defaults).
    pub async fn biller_profile(&self) -> Result<Option<BillerProfile>, DbError> {
        let row = on_pool!(self, |pool| sqlx::query_as::<_, Row>(SELECT)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(BillerProfile::from))
    }

    /// Save Changes: the whole Profile, audited with `audit`'s before and
    /// after. The first save creates the row.
    pub async fn save_biller_profile(
        &self,
        p: &BillerProfile,
        audit: &AuditEntry<'_>,
    ) -> Result<(), DbError> {
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO biller_profile (id, biller_key, biller_name, payer_login_url, biller_dnis, \
                 contact_info, support_email, support_phone, address, updated_at) \
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (id) DO UPDATE SET biller_name = excluded.biller_name, \
                 payer_login_url = excluded.payer_login_url, biller_dnis = excluded.biller_dnis, \
                 contact_info = excluded.contact_info, support_email = excluded.support_email, \
                 support_phone = excluded.support_phone, address = excluded.address, \
                 updated_at = excluded.updated_at",
            )
            .bind(&p.biller_key)
            .bind(&p.biller_name)
            .bind(&p.payer_login_url)
            .bind(&p.biller_dnis)
            .bind(&p.contact_info)
            .bind(&p.support_email)
            .bind(&p.support_phone)
            .bind(&p.address)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?;
            write_audit!(&mut *tx, *audit)?;
        });
        Ok(())
    }
}
