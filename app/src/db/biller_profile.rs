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
    // NULL until a Save Changes wrote them (migration 0027).
    ach_company_name: Option<String>,
    ach_company_id: Option<String>,
    ach_odfi_routing: Option<String>,
    ach_destination: Option<String>,
    ach_destination_name: Option<String>,
    ach_origin: Option<String>,
    ach_origin_name: Option<String>,
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
            // Empty until saved: the service fills in the configuration's.
            ach_company_name: r.ach_company_name.unwrap_or_default(),
            ach_company_id: r.ach_company_id.unwrap_or_default(),
            ach_odfi_routing: r.ach_odfi_routing.unwrap_or_default(),
            ach_destination: r.ach_destination.unwrap_or_default(),
            ach_destination_name: r.ach_destination_name.unwrap_or_default(),
            ach_origin: r.ach_origin.unwrap_or_default(),
            ach_origin_name: r.ach_origin_name.unwrap_or_default(),
        }
    }
}

const SELECT: &str = "SELECT biller_key, biller_name, payer_login_url, biller_dnis, contact_info, \
    support_email, support_phone, address, ach_company_name, ach_company_id, ach_odfi_routing, \
    ach_destination, ach_destination_name, ach_origin, ach_origin_name \
    FROM biller_profile WHERE id = 1";

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
                 contact_info, support_email, support_phone, address, updated_at, \
                 ach_company_name, ach_company_id, ach_odfi_routing, ach_destination, \
                 ach_destination_name, ach_origin, ach_origin_name) \
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 ON CONFLICT (id) DO UPDATE SET biller_name = excluded.biller_name, \
                 payer_login_url = excluded.payer_login_url, biller_dnis = excluded.biller_dnis, \
                 contact_info = excluded.contact_info, support_email = excluded.support_email, \
                 support_phone = excluded.support_phone, address = excluded.address, \
                 updated_at = excluded.updated_at, ach_company_name = excluded.ach_company_name, \
                 ach_company_id = excluded.ach_company_id, ach_odfi_routing = excluded.ach_odfi_routing, \
                 ach_destination = excluded.ach_destination, \
                 ach_destination_name = excluded.ach_destination_name, \
                 ach_origin = excluded.ach_origin, ach_origin_name = excluded.ach_origin_name",
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
            .bind(&p.ach_company_name)
            .bind(&p.ach_company_id)
            .bind(&p.ach_odfi_routing)
            .bind(&p.ach_destination)
            .bind(&p.ach_destination_name)
            .bind(&p.ach_origin)
            .bind(&p.ach_origin_name)
            .execute(&mut *tx)
            .await?;
            write_audit!(&mut *tx, *audit)?;
        });
        Ok(())
    }
}
