//! Finding a payer's accounts for a CSR.

use crate::db::accounts::AccountRow;
use crate::db::Db;
use crate::domain::account::{AccountNumber, AccountStatus, AccountType};
use crate::domain::money::Money;
use crate::domain::payer_support::{display_name, AccountSummary, SearchBy, SearchResults};
use crate::domain::payment::Reference;
use crate::error::{AppError, FieldErrors};

/// How many payments Payments Found lists.
const PAYMENTS_SHOWN: i64 = 100;

pub async fn search(db: &Db, by: SearchBy, query: &str, tz: &str) -> Result<SearchResults, AppError> {
    let q = query.trim();
    let invalid = |msg: String| {
        let mut f = FieldErrors::new().keep("q", q);
        f.add("q", msg);
        AppError::Invalid(f)
    };
    let mut highlight = None;
    let rows = match by {
        SearchBy::AccountNumber => {
            let number = AccountNumber::parse(q).map_err(|e| invalid(e.to_string()))?;
            db.account_by_number(number.as_str()).await?.into_iter().collect()
        }
        SearchBy::UserId => {
            if q.is_empty() {
                return Err(invalid("Enter a user ID.".into()));
            }
            if q.len() > 64 {
                return Err(invalid("A user ID has at most 64 characters.".into()));
            }
            db.accounts_for_user_id(q).await?
        }
        SearchBy::Reference => {
            let r = Reference::parse(q)
                .ok_or_else(|| invalid("A Reference Number has 8 letters and digits, like K7M4-Q92X.".into()))?;
            match db.payment_by_reference(r.as_str()).await? {
                Some(p) => {
                    highlight = Some(r.to_string());
                    db.account_by_number(&p.account_number).await?.into_iter().collect()
                }
                None => Vec::new(),
            }
        }
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let payments = db
        .payments_for_accounts(&ids, PAYMENTS_SHOWN)
        .await?
        .iter()
        .map(|p| crate::services::payments::summary(p, tz))
        .collect();
    Ok(SearchResults { accounts: rows.into_iter().map(summary).collect(), payments, highlight })
}

fn summary(r: AccountRow) -> AccountSummary {
    AccountSummary {
        name: display_name(r.first_name.as_deref(), r.last_name.as_deref(), r.company_name.as_deref()),
        account_type: AccountType::from_code(&r.account_type).unwrap_or(AccountType::Individual),
        status: AccountStatus::from_code(&r.status).unwrap_or(AccountStatus::Inactive),
        balance: Money::from_cents(r.balance_cents),
        account_number: r.account_number,
    }
}
