//! Payer accounts a CSR works on: Create Account (from a Payer Support
//! search that found nothing), the account page's edits (making an account
//! inactive cancels its scheduled payments, once the user has confirmed),
//! and Adjust Balance.

use super::clock;
use crate::db::Db;
use crate::db::accounts::AccountRow;
use crate::db::audit::AuditEntry;
use crate::domain::account::{AccountNumber, AccountStatus, AccountType};
use crate::domain::account_edit::{
    AccountDetail, AccountForm, AdjustForm, CheckedAccount, LedgerLine, check_account_form,
    check_adjustment, ledger_kind_label,
};
use crate::domain::audit_action::AuditAction;
use crate::domain::division::DEFAULT_DIVISION;
use crate::domain::entitlements::Entitlement;
use crate::domain::money::Money;
use crate::domain::staff::StaffUser;
use crate::error::{AppError, FieldErrors};

fn facts(a: &CheckedAccount, division: i64) -> String {
    serde_json::json!({
        "type": a.account_type.code(), "first_name": a.first_name, "last_name": a.last_name,
        "company_name": a.company_name, "email": a.email.as_ref().map(|e| e.as_str()), "status": a.status.code(),
        "division": division,
    })
    .to_string()
}

fn stored_facts(r: &AccountRow) -> String {
    serde_json::json!({
        "type": r.account_type, "first_name": r.first_name, "last_name": r.last_name,
        "company_name": r.company_name, "email": r.email, "status": r.status,
        "division": r.division_id,
    })
    .to_string()
}

/// The account as `staff` reaches it (`payments::account`: one of a
/// division they may not use is answered as one that doesn't exist).
async fn existing(db: &Db, staff: &StaffUser, number: &str) -> Result<AccountRow, AppError> {
    let n = AccountNumber::parse(number)
        .map_err(|_| AppError::NotFound(format!("There is no account {}.", number.trim())))?;
    super::payments::account(db, &staff.divisions, n.as_str()).await
}

/// The Division field of Create Account and the account page: the one
/// chosen, which `staff` must be allowed to use, or else `otherwise` (the
/// user's first for a new account, where it is for an existing one).
async fn chosen_division(
    db: &Db,
    staff: &StaffUser,
    form: &AccountForm,
    otherwise: i64,
) -> Result<i64, AppError> {
    let chosen = form.division.trim();
    if chosen.is_empty() {
        return Ok(otherwise);
    }
    match chosen.parse::<i64>() {
        Ok(id) if super::divisions::may_use(db, &staff.divisions, id).await? => Ok(id),
        _ => Err(AppError::field(
            "division",
            "Choose one of the divisions listed.",
        )),
    }
}

/// Create Account. Returns the new account's number.
pub async fn create(
    db: &Db,
    staff: &StaffUser,
    form: &AccountForm,
    ip: Option<&str>,
) -> Result<String, AppError> {
    let a = check_account_form(&AccountForm {
        status: String::new(),
        ..form.clone()
    })
    .map_err(AppError::Invalid)?;
    let first = staff
        .divisions
        .ids()
        .and_then(|ids| ids.first().copied())
        .unwrap_or(DEFAULT_DIVISION);
    let division = chosen_division(db, staff, form, first).await?;
    let number = a.account_number.as_str().to_string();
    let after = facts(&a, division);
    let audit = AuditEntry {
        after: Some(&after),
        division: Some(division),
        ..AuditEntry::by_staff(staff, AuditAction::AccountCreate, &number, ip)
    };
    match db.create_account(&a, division, &audit).await {
        Ok(_) => Ok(number),
        Err(e) if e.is_unique_violation() => Err(AppError::field(
            "account_number",
            format!("Account {number} already exists."),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The account page: its fields, balance and history, and what the viewer
/// may do there.
pub async fn detail(
    db: &Db,
    tz: &str,
    viewer: &StaffUser,
    number: &str,
) -> Result<AccountDetail, AppError> {
    let r = existing(db, viewer, number).await?;
    let history = db
        .account_history(r.id)
        .await?
        .into_iter()
        .map(|h| LedgerLine {
            at: clock::display(h.created_at, tz),
            what: ledger_kind_label(&h.kind).to_string(),
            change: Money::from_cents(h.change_cents),
            by: h.by_login.unwrap_or_else(|| "system".into()),
            memo: h.memo,
            reference: h
                .reference
                .as_deref()
                .and_then(crate::domain::payment::Reference::parse)
                .map(|x| x.to_string()),
        })
        .collect();
    let account_type = AccountType::decode(&r.account_type)?;
    Ok(AccountDetail {
        form: AccountForm {
            account_number: r.account_number.clone(),
            business: (account_type == AccountType::Business).then(|| "on".into()),
            first_name: r.first_name.clone().unwrap_or_default(),
            last_name: r.last_name.clone().unwrap_or_default(),
            company_name: r.company_name.clone().unwrap_or_default(),
            email: r.email.clone().unwrap_or_default(),
            status: r.status.clone(),
            confirm: None,
            division: r.division_id.to_string(),
        },
        account_type,
        status: AccountStatus::decode(&r.status)?,
        balance: Money::from_cents(r.balance_cents),
        history,
        scheduled: db.scheduled_payments(r.id).await?.len() as i64,
        own_categories: db.own_categories(r.id).await?,
        division: division_name(db, r.division_id).await?,
        adjust_key: viewer
            .can(Entitlement::BalanceAdjustments)
            .then(super::lifecycle::new_key),
    })
}

/// Saves the account page. Making an account inactive blocks new payments
/// and cancels its scheduled ones; if it has any, the user must tick the
/// box that says so first. Returns how many were cancelled. The Division
/// moves the account into another of the user's divisions
/// (docs/divisions.md): its payers then see that division's categories and
/// pay its fees; what was paid stays as it was.
pub async fn update(
    db: &Db,
    staff: &StaffUser,
    form: &AccountForm,
    ip: Option<&str>,
) -> Result<usize, AppError> {
    let r = existing(db, staff, &form.account_number).await?;
    let a = check_account_form(form).map_err(AppError::Invalid)?;
    let division = chosen_division(db, staff, form, r.division_id).await?;
    let scheduled = if a.status == AccountStatus::Inactive {
        db.scheduled_payments(r.id).await?
    } else {
        Vec::new()
    };
    if !scheduled.is_empty() {
        // The form comes back with what was typed, whichever message it gets.
        let mut errs = FieldErrors::new();
        for (field, value) in [
            ("first_name", &form.first_name),
            ("last_name", &form.last_name),
            ("company_name", &form.company_name),
            ("email", &form.email),
        ] {
            errs = errs.keep(field, value.trim());
        }
        errs = errs
            .keep("status", &form.status)
            .keep("division", &form.division);
        let n = scheduled.len();
        // Making it inactive cancels them: only for someone who may cancel.
        if !staff.can(Entitlement::CancelVoid) {
            errs.add(
                "status",
                format!(
                    "This account has {n} scheduled payment(s), and making it inactive would cancel them, which you may not do. Ask someone who may cancel payments."
                ),
            );
            return Err(AppError::Invalid(errs));
        }
        if form.confirm.is_none() {
            errs.add(
                "confirm",
                format!("This account has {n} scheduled payment(s). Making it inactive cancels them: tick the box to confirm."),
            );
            return Err(AppError::Invalid(errs));
        }
    }
    let (before, after) = (stored_facts(&r), facts(&a, division));
    let audit = AuditEntry {
        before: Some(&before),
        after: Some(&after),
        // Where the account is now; `before` names where it was.
        division: Some(division),
        ..AuditEntry::by_staff(staff, AuditAction::AccountUpdate, &r.account_number, ip)
    };
    db.update_account(r.id, &a, division, &audit).await?;
    let by = super::scheduled::Canceller {
        actor_id: Some(staff.id),
        actor_login: &staff.login,
        ip,
        why: super::scheduled::MADE_INACTIVE,
    };
    let mut cancelled = 0;
    for payment_id in scheduled {
        cancelled += usize::from(super::scheduled::cancel(db, payment_id, &by).await?);
    }
    // Its automatic payment plans end too (and their payers are told).
    super::scheduler::cancel_on_inactive_accounts(db).await?;
    Ok(cancelled)
}

/// Adjust Balance (the entitlement is checked by the caller). Once per key.
pub async fn adjust(
    db: &Db,
    staff: &StaffUser,
    form: &AdjustForm,
    ip: Option<&str>,
) -> Result<Money, AppError> {
    let r = existing(db, staff, &form.account_number).await?;
    let (change, reason) = check_adjustment(form).map_err(AppError::Invalid)?;
    if form.key.len() < 16
        || form.key.len() > 64
        || !form.key.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(AppError::BadRequest(
            "This form is missing its key. Reload the account and try again.".into(),
        ));
    }
    if db.adjustment_made(&form.key).await? {
        return Ok(change);
    }
    let after = serde_json::json!({ "change_cents": change.cents(), "reason": reason }).to_string();
    let audit = AuditEntry {
        after: Some(&after),
        account: Some(r.id),
        ..AuditEntry::by_staff(
            staff,
            AuditAction::AccountAdjustBalance,
            &r.account_number,
            ip,
        )
    };
    match db
        .adjust_balance(r.id, change, &reason, &form.key, staff.id, &audit)
        .await
    {
        Ok(()) => Ok(change),
        Err(e) if e.is_unique_violation() => Ok(change),
        Err(e) => Err(e.into()),
    }
}

/// The division's name, when the biller has more than one (with one, the
/// pages never name it).
async fn division_name(db: &Db, id: i64) -> Result<Option<String>, AppError> {
    let all = db.divisions().await?;
    if all.len() < 2 {
        return Ok(None);
    }
    Ok(all.into_iter().find(|d| d.id == id).map(|d| d.name))
}
