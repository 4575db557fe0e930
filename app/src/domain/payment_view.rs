//! What the payment pages show: read models built by the server and rendered
//! by the UI. Times arrive already formatted in the biller's time zone, so
//! server and browser render the same text.

use super::account::AccountStatus;
use super::category_payment::PaymentLine;
use super::lifecycle::{ActionKind, ActionReason, PaymentState};
use super::money::Money;
use super::payment::{MethodKind, PaymentStatus, Today};
use serde::{Deserialize, Serialize};

/// The top of the Make Payment page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayContext {
    pub account_number: String,
    pub name: String,
    pub status: AccountStatus,
    pub balance: Money,
    pub email: Option<String>,
    pub max_payment: Money,
    /// The biller's date, for the browser's expiry and payment date checks.
    pub today: Today,
    /// The enrolled payers' saved methods, offered first.
    pub saved_methods: Vec<SavedMethodView>,
    /// The invoice being paid, when Make Payment was chosen on a bill.
    #[serde(default)]
    pub bill: Option<super::bill_view::BillSummary>,
    /// The biller's convenience fees, so the page shows the fee the server
    /// will charge as the amount is typed.
    #[serde(default)]
    pub fees: super::fee::FeeSettings,
    /// The category lines offered (help center C2); none toward a bill.
    #[serde(default)]
    pub categories: Vec<super::category::Category>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMethodView {
    pub id: i64,
    pub kind: MethodKind,
    /// `Visa •••• 4242`
    pub label: String,
    /// `expires 12/30`, `John Smith`
    pub detail: String,
}

/// The review step: everything, with the method masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    pub account_number: String,
    pub name: String,
    pub email: String,
    pub amount: Money,
    /// The convenience fee on top of the amount (zero when none).
    #[serde(default)]
    pub fee: Money,
    pub method_label: String,
    /// `2026-12-01` when the payment is scheduled for a later date.
    pub scheduled_for: Option<String>,
    /// Further lines about the method: ("Name on card", "Pat Doe"), …
    pub method_details: Vec<(String, String)>,
    /// The invoice the payment is toward, e.g. "INV-1001 (remaining $80.00)".
    #[serde(default)]
    pub invoice: Option<String>,
    /// What Back puts back into the form (never the card number, CVV or
    /// bank account number).
    pub form_values: Vec<(String, String)>,
    /// The category lines paid, whose total is the amount.
    #[serde(default)]
    pub lines: Vec<PaymentLine>,
}

/// One row of Payments Found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSummary {
    pub reference: String,
    pub date: String,
    pub account_number: String,
    pub amount: Money,
    pub method_label: String,
    pub status: PaymentStatus,
    pub entered_by: String,
    pub method: MethodKind,
    pub refunded: Money,
    /// The date a Scheduled payment runs.
    #[serde(default)]
    pub scheduled_for: Option<String>,
    /// "recurring plan 12" or "bill-triggered plan 7": the plan it comes from.
    #[serde(default)]
    pub plan: Option<String>,
    /// The convenience fee charged on top of the amount, and what of it
    /// went back.
    #[serde(default)]
    pub fee: Money,
    #[serde(default)]
    pub fee_refunded: Money,
    /// Of the amount, the category income (lines without Impact Balance),
    /// and what of it went back.
    #[serde(default)]
    pub income: Money,
    #[serde(default)]
    pub income_refunded: Money,
}

/// What the payer is charged: the amount and its convenience fee.
fn with_fee(amount: Money, fee: Money) -> Money {
    Money::from_cents(amount.cents() + fee.cents())
}

impl ReviewView {
    pub fn total(&self) -> Money {
        with_fee(self.amount, self.fee)
    }
}

impl PaymentSummary {
    pub fn total(&self) -> Money {
        with_fee(self.amount, self.fee)
    }

    pub fn state(&self) -> PaymentState {
        PaymentState {
            status: self.status,
            method: self.method,
            amount: self.amount,
            refunded: self.refunded,
            fee: self.fee,
            fee_refunded: self.fee_refunded,
            income: self.income,
            income_refunded: self.income_refunded,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub at: String,
    pub from: Option<PaymentStatus>,
    pub to: PaymentStatus,
    pub by: String,
    pub reason: Option<String>,
}

/// The payment detail page (and the Thanks page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDetail {
    pub summary: PaymentSummary,
    pub account_name: String,
    pub receipt_email: String,
    pub channel: String,
    pub holder: Option<String>,
    pub decline_reason: Option<String>,
    pub settled_at: Option<String>,
    pub history: Vec<StatusChange>,
    pub receipt_status: String,
    /// `R01 Insufficient Funds` on a Failed ACH payment.
    pub return_label: Option<String>,
    /// Cancel/Reverse actions taken so far, oldest first.
    pub actions: Vec<ActionView>,
    /// Notices to the payer after the receipt: ("Refund notice", "Sent to …").
    pub notices: Vec<(String, String)>,
    /// What Cancel/Reverse offers this viewer now, with a fresh idempotency key.
    pub cancel_reverse: Option<CancelReverseView>,
    /// A refund above the threshold waiting for a second person.
    pub awaiting_approval: Option<ApprovalView>,
    /// The category lines paid, as they were when paid.
    #[serde(default)]
    pub lines: Vec<PaymentLine>,
}

/// A refund waiting for a second person's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    pub id: i64,
    pub reference: String,
    pub account_number: String,
    pub kind: ActionKind,
    pub amount: Money,
    /// The convenience fee that goes back with it, as things stand.
    #[serde(default)]
    pub fee: Money,
    pub payment_amount: Money,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    /// The viewer may approve or reject it: they hold the approval
    /// entitlement and did not ask for it.
    pub can_decide: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionView {
    pub at: String,
    pub kind: ActionKind,
    pub amount: Money,
    /// The fee it gave back.
    #[serde(default)]
    pub fee: Money,
    pub reason: String,
    pub by: String,
    /// For an ACH refund: the file it went out in, or that it waits for one.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelReverseView {
    pub offered: Vec<ActionKind>,
    pub refundable: Money,
    /// The fee a Void or Full Reversal gives back with the amount.
    #[serde(default)]
    pub fee_left: Money,
    /// The biller's setting: a partial refund gives the fee back too.
    #[serde(default)]
    pub partial_returns_fee: bool,
    /// Issued with the page: a repeat of the same submission finds the first.
    pub key: String,
    pub reasons: Vec<ActionReason>,
}

/// The Cancel/Reverse form as posted (field names `form[...]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CancelReverseForm {
    pub reference: String,
    pub key: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub reason_text: String,
    /// The "Yes, I confirmed this with the payer" box.
    #[serde(default)]
    pub confirm: String,
}
