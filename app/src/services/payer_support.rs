//! Finding a payer's accounts for a CSR.

use crate::db::Db;
use crate::db::accounts::AccountRow;
use crate::domain::account::{AccountNumber, AccountStatus, AccountType};
use crate::domain::division::DivisionScope;
use crate::domain::money::Money;
use crate::domain::payer_support::{
    AccountSummary, NameQuery, PREFIX_LIMIT, SUGGEST_FROM, SearchBy, SearchResults, Suggestion,
    display_name, parse_last4,
};
use crate::domain::payment::Reference;
use crate::error::{AppError, FieldErrors};

/// How many bills Bills Found lists.
const BILLS_SHOWN: i64 = 100;

/// How many payments Payments Found lists.
const PAYMENTS_SHOWN: i64 = 100;

/// Accounts Found, with their payments and bills: only accounts of the
/// divisions `scope` reaches.
pub async fn search(
    db: &Db,
    scope: &DivisionScope,
    by: SearchBy,
    query: &str,
    tz: &str,
) -> Result<SearchResults, AppError> {
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
            db.account_by_number(number.as_str())
                .await?
                .into_iter()
                .collect()
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
            let r = Reference::parse(q).ok_or_else(|| {
                invalid("A Reference Number has 8 letters and digits, like K7M4-Q92X.".into())
            })?;
            match db.payment_by_reference(r.as_str()).await? {
                Some(p) => {
                    highlight = Some(r.to_string());
                    db.account_by_number(&p.account_number)
                        .await?
                        .into_iter()
                        .collect()
                }
                None => Vec::new(),
            }
        }
        SearchBy::Name => {
            let nq = NameQuery::parse(q).ok_or_else(|| {
                invalid(format!("Type at least {SUGGEST_FROM} letters of the name."))
            })?;
            db.accounts_by_name(&nq, scope, PREFIX_LIMIT).await?
        }
        SearchBy::Email => {
            if q.chars().count() < SUGGEST_FROM {
                return Err(invalid(format!(
                    "Type at least {SUGGEST_FROM} characters of the email address."
                )));
            }
            db.accounts_by_email(&q.to_ascii_lowercase(), scope, PREFIX_LIMIT)
                .await?
        }
        SearchBy::Invoice => {
            if q.is_empty() || q.chars().count() > crate::domain::bill_file::INVOICE_NUMBER_MAX {
                return Err(invalid(
                    "Enter the invoice number as it is on the bill.".into(),
                ));
            }
            db.accounts_by_invoice(q, scope, PREFIX_LIMIT).await?
        }
        SearchBy::Last4 => {
            let digits = parse_last4(q).ok_or_else(|| {
                invalid("Enter the last 4 digits of the card or bank account.".into())
            })?;
            db.accounts_by_last4(digits, scope, PREFIX_LIMIT).await?
        }
    };
    // The lookups by number, user ID and reference find at most a few
    // accounts; the prefix searches filtered in SQL already.
    let mut rows = rows;
    rows.retain(|r| scope.allows(r.division_id));
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let payments = db
        .payments_for_accounts(&ids, PAYMENTS_SHOWN)
        .await?
        .iter()
        .map(|p| crate::services::payments::summary(p, tz))
        .collect::<Result<_, _>>()?;
    let bills = db
        .bills_for_accounts(&ids, BILLS_SHOWN)
        .await?
        .into_iter()
        .map(crate::services::bills::summary)
        .collect::<Result<_, _>>()?;
    let numbers: Vec<String> = rows.iter().map(|r| r.account_number.clone()).collect();
    let one_time_locked = db.one_time_locked(&numbers, crate::db::now_ms()).await?;
    Ok(SearchResults {
        accounts: rows.into_iter().map(summary).collect::<Result<_, _>>()?,
        payments,
        highlight,
        bills,
        one_time_locked,
    })
}

/// What to suggest under the search box while a name or email is typed:
/// nothing for other searches or under two characters.
pub async fn suggest(
    db: &Db,
    scope: &DivisionScope,
    by: SearchBy,
    query: &str,
) -> Result<Vec<Suggestion>, AppError> {
    let q = query.trim();
    let rows = match by {
        SearchBy::Name => match NameQuery::parse(q) {
            Some(nq) => db.accounts_by_name(&nq, scope, SUGGESTIONS).await?,
            None => Vec::new(),
        },
        SearchBy::Email if q.chars().count() >= SUGGEST_FROM => {
            db.accounts_by_email(&q.to_ascii_lowercase(), scope, SUGGESTIONS)
                .await?
        }
        _ => Vec::new(),
    };
    Ok(rows
        .into_iter()
        .map(|r| Suggestion {
            name: display_name(
                r.first_name.as_deref(),
                r.last_name.as_deref(),
                r.company_name.as_deref(),
            ),
            account_number: r.account_number,
            email: r.email,
        })
        .collect())
}

/// How many suggestions show under the search box.
const SUGGESTIONS: i64 = 8;

fn summary(r: AccountRow) -> Result<AccountSummary, crate::domain::UnknownCode> {
    Ok(AccountSummary {
        name: display_name(
            r.first_name.as_deref(),
            r.last_name.as_deref(),
            r.company_name.as_deref(),
        ),
        account_type: AccountType::decode(&r.account_type)?,
        status: AccountStatus::decode(&r.status)?,
        balance: Money::from_cents(r.balance_cents),
        account_number: r.account_number,
    })
}

/// The current status of each payment named in `refs` (comma-separated
/// Reference Numbers, at most 200 read), for the Pending refresh. Unknown
/// or malformed references are left out.
pub async fn payment_statuses(
    db: &Db,
    scope: &DivisionScope,
    refs: &str,
) -> Result<Vec<(String, crate::domain::payment::PaymentStatus)>, AppError> {
    use crate::domain::payment::PaymentStatus;
    let stored: Vec<String> = refs
        .split(',')
        .filter_map(Reference::parse)
        .take(200)
        .map(|r| r.as_str().to_string())
        .collect();
    let found = db.payment_statuses(&stored).await?;
    let mut out = Vec::with_capacity(found.len());
    for (r, s, division) in found {
        if !scope.allows(division) {
            continue;
        }
        if let Some(r) = Reference::parse(&r) {
            out.push((r.to_string(), PaymentStatus::decode(&s)?));
        }
    }
    Ok(out)
}
