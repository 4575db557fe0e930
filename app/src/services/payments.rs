//! Taking a payment on a payer's behalf: the Make Payment form, the review,
//! and Make Payment itself, exactly once (docs/payments.md).
//!
//! Confirm checks the form, tokenizes a card with the processor and seals the
//! review, with a fresh idempotency key, for the browser to hold; nothing is
//! stored. Make Payment opens the seal and claims the key with a UNIQUE
//! insert: one request wins and calls the processor; every repeat of the same
//! review (double click, retry, second tab) finds that payment and answers
//! with its result.

use super::clock;
use super::keyring::{Keyring, PURPOSE_BANK_ACCOUNT, PURPOSE_REVIEW};
use super::processor::{Authorization, SandboxProcessor};
use super::telemetry::{self, PaymentOutcome};
use crate::config::Config;
use crate::db::audit::AuditEntry;
use crate::db::notices::NoticeRow;
use crate::db::payments::{MethodColumns, NewPayment, PaymentRow};
use crate::db::{Db, now_ms};
use crate::domain::account::AccountStatus;
use crate::domain::audit_action::AuditAction;
use crate::domain::bank::BankAccountKind;
use crate::domain::bill_view::BillSummary;
use crate::domain::card::{CardBrand, Expiry};
use crate::domain::category::Category;
use crate::domain::category_payment::{
    CategoryPayment, PaymentLine, amount_field, check_category_form, checked_field, quantity_field,
};
use crate::domain::division::{ALL_DIVISIONS, DivisionScope};
use crate::domain::entitlements::Entitlement;
use crate::domain::lifecycle::{ActionKind, ActionReason, fee_back, return_label};
use crate::domain::money::Money;
use crate::domain::payer_support::display_name;
use crate::domain::payment::{
    MethodInput, MethodKind, PaymentForm, PaymentStatus, Reference, method_label_bank,
    method_label_card,
};
use crate::domain::payment_view::{
    ActionView, ApprovalView, CancelReverseView, PayContext, PaymentDetail, PaymentSummary,
    ReviewView, SavedMethodView, StatusChange,
};
use crate::domain::staff::StaffUser;
use crate::error::AppError;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A review is good for this long after Confirm.
const REVIEW_TTL_MS: i64 = 30 * 60_000;
/// How long a repeat waits for the first request to finish before saying
/// "still processing".
const WAIT_FOR_FIRST: Duration = Duration::from_secs(15);

/// What starting the due Scheduled payments did.
#[derive(Debug, Default)]
pub struct Started {
    pub ids: Vec<i64>,
    /// The plans' payments the processor declined: the scheduler tells
    /// the payer and may stop the plan (`scheduler::after_failure`).
    pub declined_plan_payments: Vec<i64>,
}

/// Who recorded the processor's answers, for their audit rows.
struct AnsweredBy<'a> {
    login: &'a str,
    id: Option<i64>,
    ip: Option<&'a str>,
}

/// A processor that could not answer: counted, logged with an incident id
/// (returned for the CSR's message); the payment stays `authorizing` for
/// recovery to ask again with its key.
fn processor_failed(row: &PaymentRow, e: &super::processor::ProcessorError) -> AppError {
    telemetry::payment(PaymentOutcome::Failed);
    let incident = super::incident_id();
    tracing::error!(incident = %incident, payment = row.id, error = %e, "authorization failed");
    AppError::Internal(incident)
}

/// What a payment needs from the server.
pub struct Payments<'a> {
    pub db: &'a Db,
    pub config: &'a Config,
    pub keys: &'a Keyring,
    pub processor: &'a SandboxProcessor,
}

/// Who takes a payment: a CSR on the payer's behalf, or the payer through
/// a payment link (which pays one account with a new card or bank
/// account; today, unless the link is the payer site's own, where a
/// payer may choose a later Payment Date as the help center's P6 says).
#[derive(Debug, Clone, Copy)]
pub enum Taker<'a> {
    Staff(&'a StaffUser),
    Link {
        id: i64,
        account: &'a str,
        /// A later Payment Date is allowed (One Time Payment, Pay Now).
        may_schedule: bool,
    },
}

/// Whose a sealed review is: only they can open it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum SealedTaker {
    Staff(i64),
    Link(i64),
}

impl Taker<'_> {
    /// The divisions the taker may reach: a staff user's, or every one for
    /// a payment link (the link names its account).
    fn scope(&self) -> &DivisionScope {
        match self {
            Taker::Staff(s) => &s.divisions,
            Taker::Link { .. } => &ALL_DIVISIONS,
        }
    }

    fn sealed(&self) -> SealedTaker {
        match self {
            Taker::Staff(s) => SealedTaker::Staff(s.id),
            Taker::Link { id, .. } => SealedTaker::Link(*id),
        }
    }

    /// The name in the payment's history and audit rows.
    fn login(&self) -> String {
        match self {
            Taker::Staff(s) => s.login.clone(),
            Taker::Link { id, .. } => format!("payment link {id}"),
        }
    }

    fn staff_id(&self) -> Option<i64> {
        match self {
            Taker::Staff(s) => Some(s.id),
            Taker::Link { .. } => None,
        }
    }
}

/// A link that is paid, revoked or past its time when its payment is made.
pub fn link_spent() -> AppError {
    AppError::Conflict(
        "This payment link can no longer be used: it was already used to pay, or it expired or was revoked.".into(),
    )
}

/// The review, sealed with the server key while the browser holds it.
#[derive(Debug, Serialize, Deserialize)]
struct SealedReview {
    /// The saved method used, if one was (so Back can select it again).
    #[serde(default)]
    saved: Option<i64>,
    by: SealedTaker,
    issued_at: i64,
    key: String,
    account_number: String,
    email: String,
    amount_cents: i64,
    /// The convenience fee, from the rule in force when the review was
    /// sealed: a change of the rule while the payer listens to the review
    /// does not change what they agreed to.
    #[serde(default)]
    fee_cents: i64,
    method: SealedMethod,
    /// A later date the payment is Scheduled for.
    #[serde(default)]
    scheduled_for: Option<String>,
    /// The invoice paid toward.
    #[serde(default)]
    bill_id: Option<i64>,
    /// The category lines paid, priced when the review was sealed; their
    /// total is `amount_cents`.
    #[serde(default)]
    lines: Vec<PaymentLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum SealedMethod {
    Card {
        token: String,
        brand: CardBrand,
        last4: String,
        expiry: Expiry,
        name: String,
        zip: String,
    },
    Bank {
        holder: String,
        routing: String,
        account: String,
        kind: BankAccountKind,
    },
}

impl SealedMethod {
    pub(crate) fn kind(&self) -> MethodKind {
        match self {
            SealedMethod::Card { .. } => MethodKind::Card,
            SealedMethod::Bank { .. } => MethodKind::Ach,
        }
    }

    /// The method as stored with the payment; the bank account number is
    /// encrypted here, on its way into the database.
    pub(crate) fn columns(&self, keys: &Keyring) -> (&'static str, MethodColumns) {
        match self {
            SealedMethod::Card {
                token,
                brand,
                last4,
                expiry,
                name,
                zip,
            } => (
                "card",
                MethodColumns {
                    card_token: Some(token.clone()),
                    card_brand: Some(brand.label().to_string()),
                    card_last4: Some(last4.clone()),
                    card_expiry: Some(expiry.to_string()),
                    cardholder: Some(name.clone()),
                    billing_zip: Some(zip.clone()),
                    ..Default::default()
                },
            ),
            SealedMethod::Bank {
                holder,
                routing,
                account,
                kind,
            } => (
                "ach",
                MethodColumns {
                    bank_holder: Some(holder.clone()),
                    bank_routing: Some(routing.clone()),
                    bank_account_enc: Some(keys.seal(PURPOSE_BANK_ACCOUNT, account.as_bytes())),
                    bank_last4: Some(last4(account).to_string()),
                    bank_kind: Some(kind.code().to_string()),
                    ..Default::default()
                },
            ),
        }
    }

    pub(crate) fn label(&self) -> String {
        match self {
            SealedMethod::Card { brand, last4, .. } => method_label_card(*brand, last4),
            SealedMethod::Bank { account, kind, .. } => method_label_bank(*kind, last4(account)),
        }
    }
}

fn last4(s: &str) -> &str {
    &s[s.len().saturating_sub(4)..]
}

/// The account by number, or 404 naming it; the same 404 when it is in a
/// division `scope` doesn't reach (services::divisions).
pub(crate) async fn account(
    db: &Db,
    scope: &DivisionScope,
    number: &str,
) -> Result<crate::db::accounts::AccountRow, AppError> {
    let found = db.account_by_number(number.trim()).await?;
    super::divisions::visible(scope, found, || {
        AppError::NotFound(format!("There is no account {}.", number.trim()))
    })
}

/// The bill a payment goes toward: it must be this account's, and payable
/// (Active, Unpaid or In Mail). Checked at each step, since a bill can be
/// made inactive while the CSR is on the review.
async fn payable_bill(db: &Db, account_number: &str, id: i64) -> Result<BillSummary, AppError> {
    let refuse = |m: &str| AppError::field("form", m);
    let b = db
        .bill(id)
        .await?
        .map(super::bills::summary)
        .transpose()?
        .ok_or_else(|| {
            refuse("That bill no longer exists. Go back to Payer Support and choose it again.")
        })?;
    if b.account_number != account_number {
        return Err(refuse("That bill is not this account's."));
    }
    if !b.payable() {
        return Err(refuse(&format!(
            "Bill {} is {} and cannot take a payment.",
            b.invoice_number,
            if b.active {
                b.status.label()
            } else {
                "Inactive"
            }
        )));
    }
    Ok(b)
}

/// The `bill` field of the form: empty, or a bill's id.
fn bill_field(raw: &str) -> Result<Option<i64>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        id => id.parse().map(Some).map_err(|_| {
            AppError::field(
                "form",
                "That bill is not one we know. Go back to Payer Support and choose it again.",
            )
        }),
    }
}

/// What Back puts back into Make Payment for a line paid: ticked, with its
/// quantity and amount.
fn kept_line(l: &PaymentLine) -> [(String, String); 3] {
    [
        (checked_field(l.category_id), "true".to_string()),
        (quantity_field(l.category_id), l.quantity.to_string()),
        (amount_field(l.category_id), l.unit.plain()),
    ]
}

pub(crate) fn inactive() -> AppError {
    AppError::field(
        "form",
        "This account is inactive, so it cannot take payments. Open the account to make it active again.",
    )
}

impl Payments<'_> {
    /// The category lines Make Payment offers the account: the biller's,
    /// with the account's own in place of any of the same charge code
    /// (help center D4), unless the payment is toward a bill (an invoice
    /// is paid by its amount).
    async fn offered(&self, account_id: i64, toward_bill: bool) -> Result<Vec<Category>, AppError> {
        if toward_bill {
            return Ok(Vec::new());
        }
        Ok(self.db.categories_for_account(account_id).await?)
    }

    /// The Make Payment page for one account.
    pub async fn context(
        &self,
        staff: &StaffUser,
        account_number: &str,
        bill: Option<i64>,
    ) -> Result<PayContext, AppError> {
        let a = account(self.db, &staff.divisions, account_number).await?;
        if a.status != AccountStatus::Active.code() {
            return Err(inactive());
        }
        let bill = match bill {
            Some(id) => Some(payable_bill(self.db, &a.account_number, id).await?),
            None => None,
        };
        Ok(PayContext {
            categories: self.offered(a.id, bill.is_some()).await?,
            bill,
            name: display_name(
                a.first_name.as_deref(),
                a.last_name.as_deref(),
                a.company_name.as_deref(),
            ),
            status: AccountStatus::decode(&a.status)?,
            balance: Money::from_cents(a.balance_cents),
            email: a.email,
            saved_methods: self
                .db
                .saved_methods_for_account(a.id)
                .await?
                .into_iter()
                .map(|m| {
                    Ok(SavedMethodView {
                        id: m.id,
                        kind: MethodKind::decode(&m.method_kind)?,
                        detail: match m.method_kind.as_str() {
                            "card" => {
                                format!("expires {}", m.method.card_expiry.unwrap_or_default())
                            }
                            _ => m.method.bank_holder.unwrap_or_default(),
                        },
                        label: m.label,
                    })
                })
                .collect::<Result<_, crate::domain::UnknownCode>>()?,
            account_number: a.account_number,
            max_payment: self.config.max_payment,
            today: clock::today(&self.config.timezone),
            fees: super::fees::for_division(self.db, a.division_id).await?,
        })
    }

    /// Confirm: checks the form and returns the sealed review.
    pub async fn review(&self, staff: &StaffUser, form: &PaymentForm) -> Result<String, AppError> {
        self.review_as(Taker::Staff(staff), form).await
    }

    /// Confirm, for whoever takes the payment. A link's payment is for the
    /// link's account whatever the form says, today, with a new method.
    pub async fn review_as(
        &self,
        taker: Taker<'_>,
        form: &PaymentForm,
    ) -> Result<String, AppError> {
        let (number, bill) = match taker {
            Taker::Staff(_) => (form.account.as_str(), form.bill.as_str()),
            Taker::Link { account, .. } => (account, ""),
        };
        let a = account(self.db, taker.scope(), number).await?;
        if a.status != AccountStatus::Active.code() {
            return Err(inactive());
        }
        let bill_id = bill_field(bill)?;
        if let Some(id) = bill_id {
            payable_bill(self.db, &a.account_number, id).await?;
        }
        // Category lines are Make Payment's, for a payment not toward a bill;
        // elsewhere lines posted are not read.
        let mut form = form.clone();
        let offered = match taker {
            Taker::Staff(_) if bill_id.is_none() => self.offered(a.id, false).await?,
            _ => {
                form.lines.clear();
                Vec::new()
            }
        };
        let (checked, paid) = check_category_form(
            &form,
            &offered,
            clock::today(&self.config.timezone),
            self.config.max_payment,
        )
        .map_err(AppError::Invalid)?;
        if let Taker::Link { may_schedule, .. } = taker {
            let mut refused = crate::error::FieldErrors::new();
            if matches!(checked.method, MethodInput::Saved(_)) {
                refused.add("method", "Choose Card or Bank account.");
            }
            if checked.scheduled_for.is_some() && !may_schedule {
                refused.add("pay_date", "A payment link pays today.");
            }
            if !refused.is_empty() {
                return Err(AppError::Invalid(refused));
            }
        }
        let mut saved = None;
        let method = match checked.method {
            MethodInput::Saved(id) => {
                saved = Some(id);
                self.saved_method(a.id, id).await?
            }
            input => self
                .seal_new_method(input)
                .ok_or_else(|| AppError::Internal(super::incident_id()))?,
        };
        let fee = super::fees::for_division(self.db, a.division_id)
            .await?
            .rule(method.kind())
            .fee(checked.amount);
        let mut key = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let sealed = SealedReview {
            saved,
            by: taker.sealed(),
            issued_at: now_ms(),
            key: hex::encode(key),
            account_number: a.account_number,
            email: checked.email.to_string(),
            amount_cents: checked.amount.cents(),
            fee_cents: fee.cents(),
            method,
            scheduled_for: checked.scheduled_for,
            bill_id,
            lines: paid.lines,
        };
        let json =
            serde_json::to_vec(&sealed).map_err(|_| AppError::Internal(super::incident_id()))?;
        Ok(self.keys.seal(PURPOSE_REVIEW, &json))
    }

    /// A new card (tokenized now) or bank account, ready to seal; `None`
    /// for a saved method, which has nothing to tokenize.
    pub(crate) fn seal_new_method(&self, input: MethodInput) -> Option<SealedMethod> {
        match input {
            MethodInput::Saved(_) => None,
            MethodInput::Card {
                name,
                number,
                expiry,
                zip,
            } => {
                let t = self.processor.tokenize_card(&number, expiry);
                Some(SealedMethod::Card {
                    token: t.token,
                    brand: t.brand,
                    last4: t.last4,
                    expiry: t.expiry,
                    name,
                    zip,
                })
            }
            MethodInput::Bank {
                holder,
                routing,
                account,
                kind,
            } => Some(SealedMethod::Bank {
                holder,
                routing,
                account: account.expose().to_string(),
                kind,
            }),
        }
    }

    /// A saved method of a payer of this account, ready to seal. Another
    /// payer's method, or an expired card, is refused at the method field.
    async fn saved_method(&self, account_id: i64, id: i64) -> Result<SealedMethod, AppError> {
        let refuse = |m: &str| AppError::field("method", m);
        let m = self
            .db
            .saved_methods_for_account(account_id)
            .await?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| refuse("That saved method is not one of this account's payers'. Choose another method."))?;
        let broken = || {
            tracing::error!(saved_method = id, "saved method is incomplete");
            refuse("That saved method cannot be used. Choose another method.")
        };
        let c = m.method;
        match m.method_kind.as_str() {
            "card" => {
                let expiry = Expiry::parse(
                    c.card_expiry.as_deref().unwrap_or(""),
                    clock::today(&self.config.timezone).month(),
                )
                .map_err(|_| refuse("That saved card has expired. Use a new card."))?;
                Ok(SealedMethod::Card {
                    token: c.card_token.ok_or_else(broken)?,
                    brand: c
                        .card_brand
                        .as_deref()
                        .and_then(CardBrand::from_label)
                        .ok_or_else(broken)?,
                    last4: c.card_last4.ok_or_else(broken)?,
                    expiry,
                    name: c.cardholder.unwrap_or_default(),
                    zip: c.billing_zip.unwrap_or_default(),
                })
            }
            _ => {
                let enc = c.bank_account_enc.ok_or_else(broken)?;
                let account = self
                    .keys
                    .open(PURPOSE_BANK_ACCOUNT, &enc)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(broken)?;
                Ok(SealedMethod::Bank {
                    holder: c.bank_holder.unwrap_or_default(),
                    routing: c.bank_routing.ok_or_else(broken)?,
                    account,
                    kind: c
                        .bank_kind
                        .as_deref()
                        .and_then(BankAccountKind::from_code)
                        .ok_or_else(broken)?,
                })
            }
        }
    }

    fn open(&self, taker: Taker<'_>, sealed: &str) -> Result<SealedReview, AppError> {
        let gone = || {
            AppError::Conflict(
                "This review is no longer valid. Go back to Make Payment and confirm again.".into(),
            )
        };
        let json = self.keys.open(PURPOSE_REVIEW, sealed).ok_or_else(gone)?;
        let r: SealedReview = serde_json::from_slice(&json).map_err(|_| gone())?;
        // A review belongs to the CSR (or the link) that confirmed it.
        if r.by != taker.sealed() {
            return Err(AppError::Forbidden);
        }
        if now_ms() - r.issued_at > REVIEW_TTL_MS {
            return Err(gone());
        }
        Ok(r)
    }

    /// The review page's content.
    pub async fn show_review(
        &self,
        staff: &StaffUser,
        sealed: &str,
    ) -> Result<ReviewView, AppError> {
        self.show_review_as(Taker::Staff(staff), sealed).await
    }

    pub async fn show_review_as(
        &self,
        taker: Taker<'_>,
        sealed: &str,
    ) -> Result<ReviewView, AppError> {
        let r = self.open(taker, sealed)?;
        let a = account(self.db, taker.scope(), &r.account_number).await?;
        let mut values = vec![
            ("email".to_string(), r.email.clone()),
            (
                "amount".to_string(),
                Money::from_cents(r.amount_cents).plain(),
            ),
        ];
        let details = match &r.method {
            SealedMethod::Card {
                name, expiry, zip, ..
            } => {
                values.extend([
                    ("method".into(), "card".into()),
                    ("card_name".into(), name.clone()),
                    ("card_expiry".into(), expiry.to_string()),
                    ("card_zip".into(), zip.clone()),
                ]);
                vec![
                    ("Name on card".into(), name.clone()),
                    ("Expires".into(), expiry.to_string()),
                    ("Billing ZIP".into(), zip.clone()),
                ]
            }
            SealedMethod::Bank {
                holder,
                routing,
                kind,
                ..
            } => {
                values.extend([
                    ("method".into(), "bank".into()),
                    ("bank_holder".into(), holder.clone()),
                    ("bank_routing".into(), routing.clone()),
                    ("bank_kind".into(), kind.code().into()),
                ]);
                vec![
                    ("Account holder".into(), holder.clone()),
                    ("Routing number".into(), routing.clone()),
                    ("Account type".into(), kind.label().into()),
                ]
            }
        };
        let invoice = match r.bill_id {
            Some(id) => {
                let b = payable_bill(self.db, &r.account_number, id).await?;
                Some(format!(
                    "{} (Amount Due {}, remaining {})",
                    b.invoice_number,
                    b.amount_due,
                    b.remaining()
                ))
            }
            None => None,
        };
        Ok(ReviewView {
            invoice,
            name: display_name(
                a.first_name.as_deref(),
                a.last_name.as_deref(),
                a.company_name.as_deref(),
            ),
            account_number: r.account_number,
            email: r.email,
            amount: Money::from_cents(r.amount_cents),
            fee: Money::from_cents(r.fee_cents),
            method_label: r.method.label(),
            method_details: details,
            scheduled_for: r.scheduled_for.clone(),
            form_values: {
                let mut kept: Vec<(String, String)> = match r.saved {
                    // Back re-selects the saved method: email and amount, then the choice.
                    Some(id) => values
                        .into_iter()
                        .take(2)
                        .chain([("method".into(), format!("saved:{id}"))])
                        .collect(),
                    None => values,
                };
                kept.extend(r.scheduled_for.clone().map(|d| ("pay_date".to_string(), d)));
                kept.extend(r.bill_id.map(|b| ("bill".to_string(), b.to_string())));
                kept.extend(r.lines.iter().flat_map(kept_line));
                kept
            },
            lines: r.lines,
        })
    }

    /// Make Payment. Returns the payment (its id and reference), or `Declined`.
    pub async fn submit(
        &self,
        staff: &StaffUser,
        sealed: &str,
        ip: Option<&str>,
    ) -> Result<Submitted, AppError> {
        self.submit_as(Taker::Staff(staff), sealed, ip).await
    }

    /// Make Payment (or a link's Pay) for whoever confirmed the review.
    pub async fn submit_as(
        &self,
        taker: Taker<'_>,
        sealed: &str,
        ip: Option<&str>,
    ) -> Result<Submitted, AppError> {
        let r = self.open(taker, sealed)?;
        let login = taker.login();
        if let Some(existing) = self.db.payment_by_key(&r.key).await? {
            return self.settle_repeat(existing, &r.key).await;
        }
        let a = account(self.db, taker.scope(), &r.account_number).await?;
        if a.status != AccountStatus::Active.code() {
            return Err(inactive());
        }
        if let Some(id) = r.bill_id {
            payable_bill(self.db, &a.account_number, id).await?;
        }
        let (method_kind, method) = r.method.columns(self.keys);
        let mut new = NewPayment {
            idempotency_key: r.key.clone(),
            account_id: a.id,
            amount_cents: r.amount_cents,
            fee_cents: r.fee_cents,
            category: CategoryPayment {
                lines: r.lines.clone(),
            },
            method_kind,
            method_label: r.method.label(),
            method,
            receipt_email: r.email.clone(),
            entered_by: taker.staff_id(),
            scheduled_for: r.scheduled_for.clone(),
            bill_id: r.bill_id,
            channel: match taker {
                Taker::Staff(_) => "",
                Taker::Link { .. } => "link",
            },
            ..Default::default()
        };
        // Claim the key. A reference can (rarely) collide too; only then try another.
        let id = loop {
            let mut bytes = [0u8; 8];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            new.reference = Reference::from_random(bytes).as_str().to_string();
            let inserted = match taker {
                Taker::Staff(_) => self
                    .db
                    .insert_authorizing_payment(&new, &login, now_ms())
                    .await
                    .map(Some),
                Taker::Link { id, .. } => self
                    .db
                    .insert_link_payment(&new, id, &login, now_ms())
                    .await
                    .map(|claim| match claim {
                        crate::db::payment_links::LinkClaim::Claimed(id) => Some(id),
                        crate::db::payment_links::LinkClaim::Refused => None,
                    }),
            };
            match inserted {
                Ok(Some(id)) => break id,
                Ok(None) => return Err(link_spent()),
                Err(e) if e.is_unique_violation() => {
                    if let Some(existing) = self.db.payment_by_key(&r.key).await? {
                        return self.settle_repeat(existing, &r.key).await;
                    }
                }
                Err(e) => return Err(e.into()),
            }
        };
        let missing = || AppError::Internal(super::incident_id());
        if r.scheduled_for.is_some() {
            // Nothing moves until its date: the processor is asked then.
            let row = self.db.payment_by_id(id).await?.ok_or_else(missing)?;
            telemetry::payment(PaymentOutcome::Scheduled);
            return outcome_of(&row);
        }
        let outcome = match &r.method {
            // One authorization for the amount and its fee.
            SealedMethod::Card { token, .. } => {
                self.processor
                    .authorize_card(token, r.amount_cents + r.fee_cents, &r.key)
            }
            SealedMethod::Bank { .. } => Ok(self.processor.accept_ach(&r.key)),
        };
        let row = self.db.payment_by_id(id).await?.ok_or_else(missing)?;
        self.record_outcome(&row, outcome, &login, taker.staff_id(), ip)
            .await?;
        outcome_of(&self.db.payment_by_id(id).await?.ok_or_else(missing)?)
    }

    /// Records the processor's answer for a payment in `authorizing` (a
    /// request's, or recovery's); a processor failure is an incident.
    async fn record_outcome(
        &self,
        row: &PaymentRow,
        outcome: Result<Authorization, super::processor::ProcessorError>,
        actor: &str,
        actor_id: Option<i64>,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let outcome = outcome.map_err(|e| processor_failed(row, &e))?;
        let by = AnsweredBy {
            login: actor,
            id: actor_id,
            ip,
        };
        self.record_all(&[(row, outcome)], &by).await?;
        Ok(())
    }

    /// Asks the processor about a payment in `authorizing` with its own
    /// idempotency key, so asking again returns the first answer and never
    /// charges twice.
    fn authorize(
        &self,
        row: &PaymentRow,
    ) -> Result<Authorization, super::processor::ProcessorError> {
        match (row.method_kind.as_str(), row.card_token.as_deref()) {
            ("card", Some(token)) => self.processor.authorize_card(
                token,
                row.amount_cents + row.fee_cents,
                &row.idempotency_key,
            ),
            ("ach", _) => Ok(self.processor.accept_ach(&row.idempotency_key)),
            _ => Err(super::processor::ProcessorError::BadToken),
        }
    }

    /// Records the processor's answers, each with its audit row naming
    /// `by`, in one transaction (`Db::record_answers`); each counted by
    /// whoever moved it, so a request and recovery racing for one payment
    /// record it once. Returns the plans' payments it declined.
    async fn record_all(
        &self,
        answered: &[(&PaymentRow, Authorization)],
        by: &AnsweredBy<'_>,
    ) -> Result<Vec<i64>, AppError> {
        use crate::db::payments::{Answer, Verdict};
        // What each audit row borrows: the Reference Number and what it says.
        let texts: Vec<(String, String)> = answered
            .iter()
            .map(|(row, outcome)| {
                let object = Reference::parse(&row.reference)
                    .map(|r| r.to_string())
                    .unwrap_or_default();
                let after = match outcome {
                    Authorization::Approved { .. } => serde_json::json!({ "account": row.account_number, "amount_cents": row.amount_cents, "status": "pending" }).to_string(),
                    Authorization::Declined { reason } => reason.clone(),
                };
                (object, after)
            })
            .collect();
        let now = now_ms();
        let answers: Vec<Answer<'_>> = answered
            .iter()
            .zip(&texts)
            .map(|((row, outcome), (object, after))| {
                let (verdict, action) = match outcome {
                    Authorization::Approved { processor_ref } => (
                        Verdict::Approved(processor_ref.clone()),
                        if row.channel == "link" {
                            AuditAction::PaymentByLink
                        } else {
                            AuditAction::PaymentOnBehalf
                        },
                    ),
                    Authorization::Declined { reason } => (
                        Verdict::Declined(reason.clone()),
                        AuditAction::PaymentDeclined,
                    ),
                };
                Answer {
                    payment_id: row.id,
                    verdict,
                    audit: AuditEntry {
                        actor_id: by.id,
                        actor_login: Some(by.login),
                        object: Some(object),
                        after: Some(after),
                        ip: by.ip,
                        account: Some(row.account_id),
                        ..AuditEntry::new(now, action)
                    },
                }
            })
            .collect();
        let moved = self.db.record_answers(&answers).await?;
        let mut declined = Vec::new();
        for ((a, moved), (row, _)) in answers.iter().zip(moved).zip(answered) {
            if moved {
                telemetry::payment(match a.verdict {
                    Verdict::Approved(_) => PaymentOutcome::Approved,
                    Verdict::Declined(_) => {
                        if row.plan_id.is_some() {
                            declined.push(row.id);
                        }
                        PaymentOutcome::Declined
                    }
                });
            }
        }
        Ok(declined)
    }

    /// Finishes payments whose request died after claiming the key and
    /// before recording the processor's answer. The processor is asked again
    /// with the same idempotency key, which returns the original answer and
    /// never charges twice; the answer is then recorded as usual. Returns the
    /// payments finished.
    pub async fn recover_stale(&self, older_than_ms: i64) -> Result<Vec<i64>, AppError> {
        let mut done = Vec::new();
        for row in self.db.stale_authorizing(now_ms() - older_than_ms).await? {
            let outcome = self.authorize(&row);
            self.record_outcome(&row, outcome, "recovery", None, None)
                .await?;
            tracing::warn!(payment = row.id, "finished a payment left authorizing");
            done.push(row.id);
        }
        Ok(done)
    }

    /// Starts the Scheduled payments whose date has come (`today` in the
    /// biller's zone): each is claimed (Scheduled → Authorizing, guarded, so
    /// two runs start it once) and authorized with its own idempotency key,
    /// then recorded like any payment.
    pub async fn start_due_scheduled(&self, today: &str) -> Result<Started, AppError> {
        let mut started = Started::default();
        // A page at a time until none is due. Each page is claimed in one
        // transaction, authorized, and recorded in one more: a commit per
        // payment would bound a day of plans by the disk's flushes. Every
        // payment read is started or cancelled, so each page makes progress.
        loop {
            let due = self.db.due_scheduled(today).await?;
            if due.is_empty() {
                break;
            }
            let ids: Vec<i64> = due.iter().map(|r| r.id).collect();
            let claimed = self.db.start_scheduled_batch(&ids, now_ms(), today).await?;
            let claimed_set: std::collections::HashSet<i64> = claimed.iter().copied().collect();
            let mut moved = !claimed.is_empty();
            for row in due.iter().filter(|r| !claimed_set.contains(&r.id)) {
                moved |= self.cancel_refused(row).await?;
            }
            let claimed_rows: Vec<&PaymentRow> =
                due.iter().filter(|r| claimed_set.contains(&r.id)).collect();
            let declined = self.answer_all(&claimed_rows).await?;
            started.ids.extend(claimed);
            started.declined_plan_payments.extend(declined);
            if !moved {
                break;
            }
        }
        Ok(started)
    }

    /// A Scheduled payment whose start was refused: another run started or
    /// cancelled it (cancelling does nothing), or its account was made
    /// inactive (its page, a universal file), or its plan ended. It is
    /// cancelled, never charged.
    async fn cancel_refused(&self, row: &PaymentRow) -> Result<bool, AppError> {
        let plan_ended = match row.plan_id {
            Some(plan) => self
                .db
                .plan(plan)
                .await?
                .is_some_and(|p| p.status != "active"),
            None => false,
        };
        let by = super::scheduled::Canceller {
            actor_id: None,
            actor_login: "scheduler",
            ip: None,
            why: if plan_ended {
                super::plans::CANCELLED_WITH_PLAN
            } else {
                super::scheduled::INACTIVE_ON_ITS_DATE
            },
        };
        Ok(super::scheduled::cancel(self.db, row.id, &by).await?)
    }

    /// Asks the processor about each claimed payment and records every
    /// answer in one transaction. A payment the processor could not answer
    /// for stays `authorizing`; recovery asks again with its key. Returns
    /// the plans' payments it declined.
    async fn answer_all(&self, rows: &[&PaymentRow]) -> Result<Vec<i64>, AppError> {
        let mut answered = Vec::with_capacity(rows.len());
        for row in rows {
            match self.authorize(row) {
                Ok(outcome) => answered.push((*row, outcome)),
                Err(e) => {
                    processor_failed(row, &e);
                }
            }
        }
        let by = AnsweredBy {
            login: "scheduler",
            id: None,
            ip: None,
        };
        self.record_all(&answered, &by).await
    }

    /// A repeat of a review that already has a payment: wait for the first
    /// request to finish if it is still at the processor, then answer with
    /// the same result.
    async fn settle_repeat(&self, mut row: PaymentRow, key: &str) -> Result<Submitted, AppError> {
        let deadline = tokio::time::Instant::now() + WAIT_FOR_FIRST;
        while row.status == PaymentStatus::Authorizing.code() {
            if tokio::time::Instant::now() > deadline {
                return Err(AppError::Conflict(
                    "This payment is still being processed. Check Payments Found in a moment; do not take it again.".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            row = self
                .db
                .payment_by_key(key)
                .await?
                .ok_or_else(|| AppError::Internal(super::incident_id()))?;
        }
        outcome_of(&row)
    }

    /// A payment's page, as `viewer` may act on it.
    pub async fn detail(
        &self,
        reference: &str,
        viewer: &StaffUser,
    ) -> Result<PaymentDetail, AppError> {
        let not_found = || {
            AppError::NotFound(format!(
                "There is no payment with Reference Number {}.",
                reference.trim()
            ))
        };
        let r = Reference::parse(reference).ok_or_else(not_found)?;
        let row = self
            .db
            .payment_by_reference(r.as_str())
            .await?
            .ok_or_else(not_found)?;
        let a = account(self.db, &viewer.divisions, &row.account_number).await?;
        let tz = &self.config.timezone;
        let history = self
            .db
            .payment_history(row.id)
            .await?
            .into_iter()
            .map(|h| {
                Ok(StatusChange {
                    at: clock::display(h.at, tz),
                    from: h
                        .from_status
                        .as_deref()
                        .map(PaymentStatus::decode)
                        .transpose()?,
                    to: PaymentStatus::decode(&h.to_status)?,
                    by: h.actor,
                    reason: h.reason,
                })
            })
            .collect::<Result<_, crate::domain::UnknownCode>>()?;
        let notices = self.db.notices_for_payment(row.id).await?;
        let receipt_status = match notices.iter().find(|n| n.kind == "receipt") {
            None => "No receipt (the payment was not approved)".to_string(),
            Some(n) => notice_status(n, tz),
        };
        let notices = notices
            .iter()
            .filter(|n| n.kind != "receipt")
            .map(|n| {
                let what = match n.kind.as_str() {
                    "cancelled" => "Cancellation notice",
                    "refund" => "Refund notice",
                    _ => "Return notice",
                };
                (what.to_string(), notice_status(n, tz))
            })
            .collect();
        let actions = self
            .db
            .actions_for_payment(row.id)
            .await?
            .into_iter()
            .filter_map(|a| {
                let kind = ActionKind::from_code(&a.kind)?;
                let reason = ActionReason::from_code(&a.reason_code)
                    .map_or(a.reason_code.clone(), |r| r.label().to_string());
                let note = (kind == ActionKind::AchRefund).then(|| match &a.file_name {
                    Some(f) => format!("Sent in ACH file {f}"),
                    None => "Waiting for the next ACH file".to_string(),
                });
                Some(ActionView {
                    at: clock::display(a.created_at, tz),
                    kind,
                    amount: Money::from_cents(a.amount_cents),
                    fee: Money::from_cents(a.fee_cents),
                    reason: match a.reason_text {
                        Some(t) => format!("{reason}: {t}"),
                        None => reason,
                    },
                    by: a.created_by_login.unwrap_or_else(|| "system".into()),
                    note,
                })
            })
            .collect();
        let state = row.state()?;
        let awaiting = self
            .db
            .awaiting_approvals(Some(row.id))
            .await?
            .into_iter()
            .next();
        // Only what this viewer may do, and no second refund while one waits.
        let offered: Vec<ActionKind> = state
            .offered()
            .into_iter()
            .filter(|k| viewer.can(Entitlement::for_action(*k)))
            .filter(|k| awaiting.is_none() || Entitlement::for_action(*k) != Entitlement::Refunds)
            .collect();
        // The refund setting is read only when there is a panel to say it.
        let partial_returns_fee = if awaiting.is_some() || !offered.is_empty() {
            super::fees::current(self.db)
                .await?
                .partial_refund_returns_fee
        } else {
            false
        };
        let awaiting_approval = awaiting
            .map(|a| approval_view(a, viewer, tz, partial_returns_fee))
            .transpose()?;
        let cancel_reverse = (!offered.is_empty()).then(|| CancelReverseView {
            offered,
            refundable: state.refundable(),
            fee_left: state.fee_left(),
            partial_returns_fee,
            key: super::lifecycle::new_key(),
            reasons: ActionReason::ALL.to_vec(),
        });
        Ok(PaymentDetail {
            account_name: display_name(
                a.first_name.as_deref(),
                a.last_name.as_deref(),
                a.company_name.as_deref(),
            ),
            receipt_email: row.receipt_email.clone(),
            channel: row.channel.to_uppercase(),
            holder: row.cardholder.clone().or(row.bank_holder.clone()),
            decline_reason: row.decline_reason.clone(),
            settled_at: row.settled_at.map(|t| clock::display(t, tz)),
            history,
            receipt_status,
            return_label: row.return_code.as_deref().map(return_label),
            actions,
            notices,
            cancel_reverse,
            awaiting_approval,
            lines: self.db.payment_lines(row.id).await?,
            summary: summary(&row, tz)?,
        })
    }
}

/// A waiting refund as `viewer` sees it (the payment page, Approvals).
/// `partial_returns_fee` is the biller's setting, for the fee going back
/// with the refund as things stand.
pub fn approval_view(
    a: crate::db::approvals::ApprovalRow,
    viewer: &StaffUser,
    tz: &str,
    partial_returns_fee: bool,
) -> Result<ApprovalView, crate::domain::UnknownCode> {
    let reason = ActionReason::from_code(&a.reason_code)
        .map_or(a.reason_code.clone(), |r| r.label().to_string());
    let kind = ActionKind::decode(&a.kind)?;
    Ok(ApprovalView {
        id: a.id,
        reference: Reference::shown(&a.reference),
        account_number: a.account_number,
        kind,
        fee: fee_back(
            kind,
            Money::from_cents(a.fee_left_cents),
            partial_returns_fee,
        ),
        amount: Money::from_cents(a.amount_cents),
        payment_amount: Money::from_cents(a.payment_amount_cents),
        reason: match a.reason_text {
            Some(t) => format!("{reason}: {t}"),
            None => reason,
        },
        can_decide: viewer.can(Entitlement::ApproveRefunds) && viewer.id != a.requested_by,
        requested_by: a.requested_by_login,
        requested_at: clock::display(a.requested_at, tz),
    })
}

/// A payment Make Payment took (or had already taken for this review).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub payment_id: i64,
    pub reference: Reference,
}

/// The answer a payment row gives to whoever submitted its review.
fn outcome_of(row: &PaymentRow) -> Result<Submitted, AppError> {
    match PaymentStatus::decode(&row.status)? {
        PaymentStatus::Declined => Err(AppError::Declined(
            row.decline_reason
                .clone()
                .unwrap_or_else(|| "Declined".into()),
        )),
        _ => Reference::parse(&row.reference)
            .map(|reference| Submitted {
                payment_id: row.id,
                reference,
            })
            .ok_or_else(|| AppError::Internal(super::incident_id())),
    }
}

pub fn summary(row: &PaymentRow, tz: &str) -> Result<PaymentSummary, crate::domain::UnknownCode> {
    Ok(PaymentSummary {
        reference: Reference::parse(&row.reference)
            .map(|r| r.to_string())
            .unwrap_or_else(|| row.reference.clone()),
        date: clock::display(row.created_at, tz),
        account_number: row.account_number.clone(),
        amount: Money::from_cents(row.amount_cents),
        method_label: row.method_label.clone(),
        status: PaymentStatus::decode(&row.status)?,
        entered_by: row
            .entered_by_login
            .clone()
            .unwrap_or_else(|| row.channel.to_uppercase()),
        method: row.state()?.method,
        refunded: Money::from_cents(row.refunded_cents),
        income: Money::from_cents(row.category_income_cents),
        income_refunded: Money::from_cents(row.category_income_refunded_cents),
        fee: Money::from_cents(row.fee_cents),
        fee_refunded: Money::from_cents(row.fee_refunded_cents),
        scheduled_for: row.scheduled_for.clone(),
        plan: row.plan_id.map(|id| match row.channel.as_str() {
            "triggered" => format!("bill-triggered plan {id}"),
            _ => format!("recurring plan {id}"),
        }),
    })
}

/// Where one email to the payer stands, in words.
fn notice_status(n: &NoticeRow, tz: &str) -> String {
    let to = match n.channel.as_str() {
        "text" => format!("{} (text)", n.to_email),
        _ => n.to_email.clone(),
    };
    match n.status.as_str() {
        "sent" => format!(
            "Sent to {} on {}",
            to,
            n.sent_at.map(|t| clock::display(t, tz)).unwrap_or_default()
        ),
        "failed" => format!(
            "Failed after {} attempts: {}",
            n.attempts,
            n.last_error.clone().unwrap_or_default()
        ),
        _ if n.attempts > 0 => format!(
            "Retrying (attempt {} failed: {}); next try {}",
            n.attempts,
            n.last_error.clone().unwrap_or_default(),
            clock::display(n.next_attempt_at, tz)
        ),
        "skipped" => format!(
            "Not sent to {to}: {}",
            n.last_error.clone().unwrap_or_default()
        ),
        _ => format!("Queued for {to}"),
    }
}
