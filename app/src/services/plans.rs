//! Set Up (recurring and bill-triggered plans), Scheduled Recurring
//! Payments, and the payer's saved methods (docs/automatic-payments.md).
//! Like Make Payment, Setup and Add seal a review with a fresh key; the
//! confirm opens it and claims the key with a UNIQUE insert, so a double
//! click or a second tab makes one plan or one saved method.

use super::actor::Actor;
use super::clock;
use super::keyring::PURPOSE_REVIEW;
use super::payments::{Payments, SealedMethod};
use super::scheduled::{self, Canceller};
use crate::db::audit::AuditEntry;
use crate::db::now_ms;
use crate::db::payer_accounts::Activity;
use crate::db::plans::{MethodDelete, NewPlan, PlanInsert, PlanRow};
use crate::db::saved_methods::SavedMethodRow;
use crate::domain::account::AccountStatus;
use crate::domain::audit_action::AuditAction;
use crate::domain::calendar::{self, Frequency};
use crate::domain::card::Expiry;
use crate::domain::division::DivisionScope;
use crate::domain::money::Money;
use crate::domain::payer_account::PayerEvent;
use crate::domain::payer_support::display_name;
use crate::domain::payment::{
    PaymentForm, PaymentStatus, Reference, Today, check_method, parse_iso_date,
};
use crate::domain::plan::{
    AmountRule, BillAmount, CheckedPlan, MethodReview, OccurrenceView, PayerView, PlanForm,
    PlanKind, PlanReview, PlanStatus, PlanTerms, PlanView, SavedMethodLine, SetUpContext,
    check_plan_form,
};
use crate::domain::staff::StaffUser;
use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};

/// A review is good for this long.
const REVIEW_TTL_MS: i64 = 30 * 60_000;
/// Occurrences shown per plan.
const HISTORY_SHOWN: i64 = 24;

pub const CANCELLED_WITH_PLAN: &str = "Its automatic payment plan was cancelled";

/// A review (Set Up's, or a method's to add), sealed while the browser
/// holds it: who confirmed it, when, and the key its confirm claims.
#[derive(Debug, Serialize, Deserialize)]
struct Sealed<T> {
    /// [`Actor::owner`]: a staff user or a payer.
    owner: String,
    issued_at: i64,
    key: String,
    body: T,
}

/// An Add Credit Card / Add Bank Account review's content.
#[derive(Debug, Serialize, Deserialize)]
struct NewMethod {
    user_id: String,
    method: SealedMethod,
}

fn not_found(what: &str) -> AppError {
    AppError::NotFound(what.to_string())
}

fn gone() -> AppError {
    AppError::Conflict("This review is no longer valid. Go back and confirm again.".into())
}

impl Payments<'_> {
    fn today(&self) -> Today {
        clock::today(&self.config.timezone)
    }

    /// Seals `body` as `who`'s review, with a fresh key.
    fn seal_review<T: Serialize>(&self, who: &Actor, body: T) -> Result<String, AppError> {
        let sealed = Sealed {
            owner: who.owner(),
            issued_at: now_ms(),
            key: super::lifecycle::new_key(),
            body,
        };
        let json =
            serde_json::to_vec(&sealed).map_err(|_| AppError::Internal(super::incident_id()))?;
        Ok(self.keys.seal(PURPOSE_REVIEW, &json))
    }

    /// Opens a review: only the staff user or payer who confirmed it,
    /// within its time.
    fn open_review<T: for<'de> Deserialize<'de>>(
        &self,
        who: &Actor,
        sealed: &str,
    ) -> Result<Sealed<T>, AppError> {
        let json = self.keys.open(PURPOSE_REVIEW, sealed).ok_or_else(gone)?;
        let r: Sealed<T> = serde_json::from_slice(&json).map_err(|_| gone())?;
        if r.owner != who.owner() {
            return Err(AppError::Forbidden);
        }
        if now_ms() - r.issued_at > REVIEW_TTL_MS {
            return Err(gone());
        }
        Ok(r)
    }

    /// The enrolled payer with this User ID.
    /// A staff user limited to some divisions (`scope`) reaches only payers
    /// of their accounts (services::divisions::reaches_payer).
    async fn payer(&self, scope: &DivisionScope, user_id: &str) -> Result<i64, AppError> {
        let missing = || not_found(&format!("There is no enrolled payer {}.", user_id.trim()));
        if !super::divisions::reaches_payer(self.db, scope, user_id).await? {
            return Err(missing());
        }
        self.db.payer_id(user_id.trim()).await?.ok_or_else(missing)
    }

    /// The Set Up page for an account.
    pub async fn setup_context(
        &self,
        staff: &StaffUser,
        account_number: &str,
    ) -> Result<SetUpContext, AppError> {
        let a = super::payments::account(self.db, &staff.divisions, account_number).await?;
        let mut payers = Vec::new();
        for (payer_id, user_id) in self.db.payers_of_account(a.id).await? {
            let methods = self
                .db
                .saved_methods_of_payer(payer_id)
                .await?
                .into_iter()
                .filter(|m| !self.expired(m, self.today()))
                .map(|m| (m.id, m.label))
                .collect();
            payers.push((user_id, methods));
        }
        Ok(SetUpContext {
            name: display_name(
                a.first_name.as_deref(),
                a.last_name.as_deref(),
                a.company_name.as_deref(),
            ),
            email: a.email,
            balance: Money::from_cents(a.balance_cents),
            account_number: a.account_number,
            payers,
            today: self.today(),
            max_payment: self.config.max_payment,
        })
    }

    /// Whether a saved card has expired by `on` (a bank account never does).
    fn expired(&self, m: &SavedMethodRow, on: Today) -> bool {
        m.method_kind == "card"
            && Expiry::parse(m.method.card_expiry.as_deref().unwrap_or(""), on.month()).is_err()
    }

    /// Checks a Set Up form against the database: the account is active,
    /// the payer pays it, and the method is the payer's and usable.
    async fn check_plan(
        &self,
        staff: &StaffUser,
        form: &PlanForm,
    ) -> Result<(CheckedPlan, i64, i64), AppError> {
        let checked = check_plan_form(form, self.today(), self.config.max_payment)
            .map_err(AppError::Invalid)?;
        let a = super::payments::account(self.db, &staff.divisions, &checked.account).await?;
        if a.status != AccountStatus::Active.code() {
            return Err(AppError::field(
                "form",
                "This account is inactive, so it cannot have automatic payments.",
            ));
        }
        let payer = self
            .db
            .payers_of_account(a.id)
            .await?
            .into_iter()
            .find(|(_, u)| *u == checked.payer)
            .map(|(id, _)| id)
            .ok_or_else(|| {
                AppError::field("payer", "That payer is not enrolled on this account.")
            })?;
        let method = self
            .db
            .saved_methods_of_payer(payer)
            .await?
            .into_iter()
            .find(|m| m.id == checked.saved_method)
            .ok_or_else(|| {
                AppError::field("method", "That is not one of this payer's saved methods.")
            })?;
        if self.expired(&method, self.today()) {
            return Err(AppError::field(
                "method",
                "That card has expired. Choose another method or add a new card.",
            ));
        }
        Ok((checked, a.id, payer))
    }

    /// Setup Recurring Payment / Setup Bill-Triggered Payment: checks the
    /// form and seals the review.
    pub async fn review_plan(
        &self,
        staff: &StaffUser,
        form: &PlanForm,
    ) -> Result<String, AppError> {
        self.check_plan(staff, form).await?;
        self.seal_review(&Actor::Staff(staff), form.clone())
    }

    /// The confirmation page.
    pub async fn show_plan_review(
        &self,
        staff: &StaffUser,
        sealed: &str,
    ) -> Result<PlanReview, AppError> {
        let r: Sealed<PlanForm> = self.open_review(&Actor::Staff(staff), sealed)?;
        let (checked, account_id, payer) = self.check_plan(staff, &r.body).await?;
        let a = self
            .db
            .account_by_id(account_id)
            .await?
            .ok_or_else(|| not_found("The account is gone."))?;
        let method = self
            .db
            .saved_methods_of_payer(payer)
            .await?
            .into_iter()
            .find(|m| m.id == checked.saved_method)
            .map(|m| m.label)
            .unwrap_or_default();
        let first_runs = match &checked.terms {
            PlanTerms::Recurring {
                frequency,
                first_date,
                end_date,
                ..
            } => calendar::due_occurrences(
                *first_date,
                *frequency,
                *end_date,
                0,
                calendar::add_days(*first_date, 400),
            )
            .into_iter()
            .take(3)
            .map(|o| (o.date.iso(), o.runs_on.iso()))
            .collect(),
            PlanTerms::BillTriggered { .. } => Vec::new(),
        };
        let f = &r.body;
        Ok(PlanReview {
            kind: checked.terms.kind(),
            account_number: a.account_number,
            name: display_name(
                a.first_name.as_deref(),
                a.last_name.as_deref(),
                a.company_name.as_deref(),
            ),
            payer: checked.payer.clone(),
            email: checked.email.to_string(),
            method_label: method,
            description: checked.terms.describe(),
            first_runs,
            form_values: [
                ("payer", &f.payer),
                ("kind", &f.kind),
                ("method", &f.method),
                ("email", &f.email),
                ("amount_rule", &f.amount_rule),
                ("amount", &f.amount),
                ("frequency", &f.frequency),
                ("first_date", &f.first_date),
                ("end_date", &f.end_date),
                ("days_before", &f.days_before),
                ("bill_amount", &f.bill_amount),
                ("max_amount", &f.max_amount),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        })
    }

    /// Confirm Recurring Payment / Confirm Bill-Triggered Payment. Returns
    /// the plan's id; the same review confirmed again returns the same plan.
    pub async fn confirm_plan(
        &self,
        staff: &StaffUser,
        sealed: &str,
        ip: Option<&str>,
    ) -> Result<i64, AppError> {
        let r: Sealed<PlanForm> = self.open_review(&Actor::Staff(staff), sealed)?;
        let (checked, account_id, payer_id) = self.check_plan(staff, &r.body).await?;
        let mut new = NewPlan {
            kind: checked.terms.kind().code(),
            payer_id,
            account_id,
            saved_method_id: checked.saved_method,
            email: checked.email.to_string(),
            idempotency_key: r.key.clone(),
            created_by: Some(staff.id),
            ..Default::default()
        };
        match &checked.terms {
            PlanTerms::Recurring {
                rule,
                amount,
                frequency,
                first_date,
                end_date,
            } => {
                new.amount_rule = Some(rule.code());
                new.amount_cents = amount.map(Money::cents);
                new.frequency = Some(frequency.code());
                new.first_date = Some(first_date.iso());
                new.end_date = end_date.map(|d| d.iso());
            }
            PlanTerms::BillTriggered {
                days_before,
                pays,
                max,
            } => {
                new.days_before = Some(*days_before);
                new.bill_amount = Some(pays.code());
                new.max_cents = max.map(Money::cents);
            }
        }
        let after = serde_json::json!({
            "account": checked.account,
            "payer": checked.payer,
            "terms": checked.terms.describe(),
        })
        .to_string();
        let audit = AuditEntry {
            actor_id: Some(staff.id),
            actor_login: Some(&staff.login),
            after: Some(&after),
            ip,
            account: Some(new.account_id),
            ..AuditEntry::new(now_ms(), AuditAction::PlanCreate)
        };
        let id = match self.db.insert_plan(&new, &audit).await? {
            PlanInsert::Repeat(id) => return Ok(id),
            PlanInsert::Created(id) => id,
            PlanInsert::MethodGone => {
                return Err(AppError::field(
                    "method",
                    "That saved method was just deleted. Choose another.",
                ));
            }
        };
        // Its first payment shows in Payments Found at once; a scheduler
        // pass would make it too, so a crash here loses nothing.
        if let Some(plan) = self.db.plan(id).await? {
            super::scheduler::advance_recurring(
                self.db,
                self.config.max_payment,
                &plan,
                self.today(),
            )
            .await?;
        }
        Ok(id)
    }

    /// Cancel Recurring Payment / Cancel Bill-Triggered Payment: the plan
    /// ends and its Scheduled payments are cancelled. A repeat is a no-op.
    /// A payer cancels only their own plans (another's is "no such plan").
    pub async fn cancel_plan(
        &self,
        who: &Actor<'_>,
        id: i64,
        ip: Option<&str>,
    ) -> Result<bool, AppError> {
        let plan = self
            .db
            .plan(id)
            .await?
            .filter(|p| who.payer().is_none_or(|me| me.payer_id == p.payer_id))
            .ok_or_else(|| not_found("There is no such plan."))?;
        let account = self.db.account_by_id(plan.account_id).await?;
        super::divisions::visible(who.divisions(), account, || {
            not_found("There is no such plan.")
        })?;
        let object = format!("plan {id}");
        let login = who.login();
        let reason = format!("Cancelled by {login}");
        let audit = AuditEntry {
            actor_id: who.staff_id(),
            actor_login: Some(&login),
            object: Some(&object),
            after: Some(&reason),
            ip,
            account: Some(plan.account_id),
            ..AuditEntry::new(now_ms(), AuditAction::PlanCancel)
        };
        let ended = self
            .db
            .end_plan(plan.id, PlanStatus::Cancelled.code(), &reason, None, &audit)
            .await?;
        let by = Canceller {
            actor_id: who.staff_id(),
            actor_login: &login,
            ip,
            why: CANCELLED_WITH_PLAN,
        };
        for payment in self.db.scheduled_of_plan(plan.id).await? {
            scheduled::cancel(self.db, payment, &by).await?;
        }
        Ok(ended)
    }

    /// A payer's saved methods as listed (each with the active plans that
    /// hold it), and as stored.
    pub async fn method_lines(
        &self,
        payer: i64,
    ) -> Result<(Vec<SavedMethodLine>, Vec<SavedMethodRow>), AppError> {
        let today = self.today();
        let holding = self.db.plans_holding_methods(payer).await?;
        let rows = self.db.saved_methods_of_payer(payer).await?;
        let lines = rows
            .iter()
            .map(|m| SavedMethodLine {
                id: m.id,
                label: m.label.clone(),
                detail: match m.method_kind.as_str() {
                    "card" => format!(
                        "expires {}",
                        m.method.card_expiry.clone().unwrap_or_default()
                    ),
                    _ => m.method.bank_holder.clone().unwrap_or_default(),
                },
                expired: self.expired(m, today),
                held_by: holding
                    .iter()
                    .filter(|(mid, _)| *mid == m.id)
                    .map(|(_, p)| *p)
                    .collect(),
            })
            .collect();
        Ok((lines, rows))
    }

    /// An enrolled payer's page: accounts, saved methods, plans.
    /// A staff user limited to some divisions (`scope`) sees the payer's
    /// accounts and plans of those only, and no payer who pays none of them.
    pub async fn payer_view(
        &self,
        scope: &DivisionScope,
        user_id: &str,
    ) -> Result<PayerView, AppError> {
        let payer = self.payer(scope, user_id).await?;
        let today = self.today();
        let mut reached = self.db.accounts_for_user_id(user_id.trim()).await?;
        reached.retain(|a| scope.allows(a.division_id));
        let in_scope: Vec<i64> = reached.iter().map(|a| a.id).collect();
        let (methods, methods_rows) = self.method_lines(payer).await?;
        let accounts = reached
            .into_iter()
            .map(|a| {
                let name = display_name(
                    a.first_name.as_deref(),
                    a.last_name.as_deref(),
                    a.company_name.as_deref(),
                );
                (a.account_number, name)
            })
            .collect();
        let mut plans = Vec::new();
        for p in self.db.plans_of_payer(payer).await? {
            if in_scope.contains(&p.account_id) {
                plans.push(self.plan_view(&p, &methods_rows, today).await?);
            }
        }
        Ok(PayerView {
            user_id: user_id.trim().to_string(),
            accounts,
            methods,
            plans,
        })
    }

    async fn plan_view(
        &self,
        p: &PlanRow,
        methods: &[SavedMethodRow],
        today: Today,
    ) -> Result<PlanView, AppError> {
        let terms = plan_terms(p)?;
        let status = PlanStatus::decode(&p.status)?;
        let next = match (&terms, status) {
            (
                PlanTerms::Recurring {
                    frequency,
                    first_date,
                    end_date,
                    ..
                },
                PlanStatus::Active,
            ) => {
                // The next one not yet paid: from the cursor, or the one
                // made ahead and still Scheduled.
                let from = u32::try_from(p.next_seq).unwrap_or(u32::MAX);
                let scheduled = self.db.scheduled_of_plan(p.id).await?;
                let n = if scheduled.is_empty() {
                    from
                } else {
                    from.saturating_sub(1)
                };
                calendar::occurrence(*first_date, *frequency, n)
                    .filter(|d| {
                        end_date.is_none_or(|e| calendar::day_number(*d) <= calendar::day_number(e))
                    })
                    .map(|d| (d.iso(), calendar::run_date(d).iso()))
            }
            _ => None,
        };
        let warning = methods.iter().find(|m| m.id == p.saved_method_id).and_then(|m| {
            let on = next
                .as_ref()
                .and_then(|(_, run)| parse_iso_date(run))
                .map_or(today, |(year, month, day)| Today { year, month, day });
            (status == PlanStatus::Active && self.expired(m, on)).then(|| {
                format!(
                    "The card {} will have expired by the next payment. Cancel this plan and set up a new one with another method.",
                    m.label
                )
            })
        });
        let history = self
            .db
            .occurrences_of_plan(p.id, HISTORY_SHOWN)
            .await?
            .into_iter()
            .map(|o| {
                let status = match (&o.payment_status, &o.skipped_reason) {
                    (Some(s), _) => PaymentStatus::decode(s)
                        .map(|s| s.label().to_string())
                        .unwrap_or_else(|_| s.clone()),
                    (None, Some(_)) => "Skipped".to_string(),
                    (None, None) => "Not paid".to_string(),
                };
                OccurrenceView {
                    due_date: o.due_date,
                    run_date: o.run_date,
                    reference: o
                        .reference
                        .as_deref()
                        .and_then(Reference::parse)
                        .map(|r| r.to_string()),
                    amount: o.amount_cents.map(Money::from_cents),
                    status,
                    note: o
                        .skipped_reason
                        .or_else(|| o.ran_late.unwrap_or(false).then(|| "Ran late".to_string())),
                }
            })
            .collect();
        Ok(PlanView {
            id: p.id,
            kind: PlanKind::decode(&p.kind)?,
            status,
            account_number: p.account_number.clone(),
            payer: p.user_id.clone(),
            method_label: p.method_label.clone(),
            description: terms.describe(),
            next,
            end_reason: p.end_reason.clone(),
            warning,
            history,
        })
    }

    /// Add Credit Card / Add Bank Account: checks the method (the same
    /// checks as Make Payment) and seals the review.
    pub async fn review_new_method(
        &self,
        who: &Actor<'_>,
        user_id: &str,
        form: &PaymentForm,
    ) -> Result<String, AppError> {
        self.payer(who.divisions(), user_id).await?;
        let mut errs = FieldErrors::new();
        for (field, value) in [
            ("method", &form.method),
            ("card_name", &form.card_name),
            ("card_expiry", &form.card_expiry),
            ("card_zip", &form.card_zip),
            ("bank_holder", &form.bank_holder),
            ("bank_routing", &form.bank_routing),
            ("bank_kind", &form.bank_kind),
        ] {
            errs = errs.keep(field, value.trim());
        }
        if !matches!(form.method.as_str(), "card" | "bank") {
            errs.add("method", "Choose a card or a bank account.");
        }
        let input = check_method(form, self.today(), &mut errs);
        let method = match input {
            Some(i) if errs.is_empty() => self
                .seal_new_method(i)
                .ok_or_else(|| AppError::Invalid(errs.clone()))?,
            _ => return Err(AppError::Invalid(errs)),
        };
        self.seal_review(
            who,
            NewMethod {
                user_id: user_id.trim().to_string(),
                method,
            },
        )
    }

    /// The review of a method to add.
    pub fn show_new_method(&self, who: &Actor<'_>, sealed: &str) -> Result<MethodReview, AppError> {
        let r = self.open_review::<NewMethod>(who, sealed)?.body;
        let details = match &r.method {
            SealedMethod::Card {
                name, expiry, zip, ..
            } => vec![
                ("Name on card".to_string(), name.clone()),
                ("Expires".to_string(), expiry.to_string()),
                ("Billing ZIP".to_string(), zip.clone()),
            ],
            SealedMethod::Bank {
                holder,
                routing,
                kind,
                ..
            } => vec![
                ("Account holder".to_string(), holder.clone()),
                ("Routing number".to_string(), routing.clone()),
                ("Account type".to_string(), kind.label().to_string()),
            ],
        };
        Ok(MethodReview {
            card: matches!(r.method, SealedMethod::Card { .. }),
            label: r.method.label(),
            payer: r.user_id,
            details,
        })
    }

    /// Add Credit Card / Add Bank Account on the review. Returns the payer.
    pub async fn add_method(
        &self,
        who: &Actor<'_>,
        sealed: &str,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        let Sealed { key, body: r, .. }: Sealed<NewMethod> = self.open_review(who, sealed)?;
        let payer_id = self.payer(who.divisions(), &r.user_id).await?;
        let (kind, method) = r.method.columns(self.keys);
        let row = SavedMethodRow {
            id: 0,
            payer_id,
            method_kind: kind.to_string(),
            label: r.method.label(),
            method,
        };
        let after = serde_json::json!({ "payer": r.user_id, "method": row.label }).to_string();
        let login = who.login();
        let audit = AuditEntry {
            actor_id: who.staff_id(),
            actor_login: Some(&login),
            after: Some(&after),
            ip,
            ..AuditEntry::new(now_ms(), AuditAction::SavedMethodAdd)
        };
        let activity = payer_activity(who, PayerEvent::MethodAdded, ip);
        self.db
            .add_saved_method(&row, &key, &audit, activity.as_ref())
            .await?;
        Ok(r.user_id)
    }

    /// Delete (trash icon) on a saved method. Refused, naming the plans,
    /// while an active plan uses it.
    pub async fn delete_method(
        &self,
        who: &Actor<'_>,
        user_id: &str,
        id: i64,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let payer_id = self.payer(who.divisions(), user_id).await?;
        let object = format!("saved method {id}");
        let after = serde_json::json!({ "payer": user_id.trim() }).to_string();
        let login = who.login();
        let audit = AuditEntry {
            actor_id: who.staff_id(),
            actor_login: Some(&login),
            object: Some(&object),
            after: Some(&after),
            ip,
            ..AuditEntry::new(now_ms(), AuditAction::SavedMethodDelete)
        };
        let activity = payer_activity(who, PayerEvent::MethodDeleted, ip);
        match self
            .db
            .delete_saved_method(payer_id, id, &audit, activity.as_ref())
            .await?
        {
            MethodDelete::Deleted => Ok(()),
            MethodDelete::NotFound => Err(not_found(
                "That saved method is not this payer's, or was deleted already.",
            )),
            MethodDelete::HeldBy(plans) => Err(AppError::Conflict(format!(
                "This method pays {}. Cancel {} first, then delete the method.",
                plans
                    .iter()
                    .map(|p| format!("plan {p}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if plans.len() == 1 {
                    "that plan"
                } else {
                    "those plans"
                }
            ))),
        }
    }
}

/// The payer's Activity line for what they did themselves (written in
/// the change's transaction); none for a staff user's change.
fn payer_activity<'a>(
    who: &Actor<'_>,
    event: PayerEvent,
    ip: Option<&'a str>,
) -> Option<Activity<'a>> {
    who.payer().map(|_| Activity::new(now_ms(), event, ip))
}

/// A stored plan's terms.
pub fn plan_terms(p: &PlanRow) -> Result<PlanTerms, AppError> {
    let bad = || AppError::Internal(super::incident_id());
    let date = |s: &Option<String>| -> Option<Today> {
        s.as_deref()
            .and_then(parse_iso_date)
            .map(|(year, month, day)| Today { year, month, day })
    };
    match PlanKind::decode(&p.kind)? {
        PlanKind::Recurring => Ok(PlanTerms::Recurring {
            rule: AmountRule::decode(p.amount_rule.as_deref().unwrap_or(""))?,
            amount: p.amount_cents.map(Money::from_cents),
            frequency: Frequency::decode(p.frequency.as_deref().unwrap_or(""))?,
            first_date: date(&p.first_date).ok_or_else(bad)?,
            end_date: date(&p.end_date),
        }),
        PlanKind::BillTriggered => Ok(PlanTerms::BillTriggered {
            days_before: p.days_before.ok_or_else(bad)?,
            pays: BillAmount::decode(p.bill_amount.as_deref().unwrap_or(""))?,
            max: p.max_cents.map(Money::from_cents),
        }),
    }
}
