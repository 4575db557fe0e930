//! What can happen to a payment after it is taken: the state machine, the
//! Cancel/Reverse actions each state offers, and the journal entries every
//! event posts (docs/lifecycle.md). Pure, so the page offers exactly what the
//! server will accept, and the rules are unit-tested without a database.

use super::account::coded_enum;
use super::money::{Money, MoneyError};
use super::payment::{MethodKind, PaymentStatus};
use super::payment_view::CancelReverseForm;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;

coded_enum!(
    /// The Cancel/Reverse actions.
    ActionKind {
        Cancel => "cancel", "Cancel",
        Void => "void", "Void",
        FullReversal => "full_reversal", "Full Reversal",
        PartialRefund => "partial_refund", "Partial refund",
        AchRefund => "ach_refund", "Refund to bank account",
    }
);

coded_enum!(
    /// Why a CSR cancelled or refunded: a short list, plus free text.
    ActionReason {
        PayerRequest => "payer_request", "Payer asked for it",
        Duplicate => "duplicate", "Duplicate payment",
        WrongAmount => "wrong_amount", "Wrong amount",
        WrongAccount => "wrong_account", "Wrong account",
        Fraud => "fraud", "Suspected fraud",
        Other => "other", "Other (explain below)",
    }
);

coded_enum!(
    /// The books of the journal. `Receivable` is kept per payer account
    /// (what the payer owes); the others are the biller's.
    Book {
        Receivable => "receivable", "Accounts receivable",
        Billing => "billing", "Billing",
        CardClearing => "card_clearing", "Card clearing",
        AchClearing => "ach_clearing", "ACH clearing",
        Bank => "bank", "Bank",
        FeeIncome => "fee_income", "Fee income",
        CategoryIncome => "category_income", "Category income",
    }
);

/// One journal entry: `amount` debited to one book and credited to
/// another, so it balances by construction. Receivable sides belong to the
/// payment's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub kind: &'static str,
    pub debit: Book,
    pub credit: Book,
    pub amount: Money,
}

impl Posting {
    /// What this entry does to the payer account's balance (what they owe).
    pub fn receivable_effect(&self) -> i64 {
        let mut effect = 0;
        if self.debit == Book::Receivable {
            effect += self.amount.cents();
        }
        if self.credit == Book::Receivable {
            effect -= self.amount.cents();
        }
        effect
    }
}

/// The moves the state machine allows. Cancelled, Declined and Failed are
/// final; Processed ends a card payment but an ACH debit can still be
/// returned.
pub fn can_transition(from: PaymentStatus, to: PaymentStatus) -> bool {
    use PaymentStatus::*;
    matches!(
        (from, to),
        (Authorizing, Pending | Declined)
            | (Scheduled, Authorizing | Cancelled)
            | (Pending, Processed | Cancelled)
            | (Processed, Failed)
    )
}

pub fn is_final(status: PaymentStatus) -> bool {
    matches!(
        status,
        PaymentStatus::Cancelled | PaymentStatus::Declined | PaymentStatus::Failed
    )
}

/// What the lifecycle rules need to know about a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentState {
    pub status: PaymentStatus,
    pub method: MethodKind,
    pub amount: Money,
    pub refunded: Money,
    /// The convenience fee charged on top of the amount (docs/fees.md),
    /// and what of it was given back. Never part of the balance.
    #[serde(default)]
    pub fee: Money,
    #[serde(default)]
    pub fee_refunded: Money,
    /// Of `amount`, the part paid on category lines without Impact Balance
    /// (docs/categories.md): the biller's category income, never a move of
    /// the balance. And what of it went back.
    #[serde(default)]
    pub income: Money,
    #[serde(default)]
    pub income_refunded: Money,
}

impl PaymentState {
    pub fn refundable(&self) -> Money {
        Money::from_cents(self.amount.cents() - self.refunded.cents())
    }

    /// Of what is left of the amount, the part that moved the balance.
    pub fn balance_left(&self) -> Money {
        Money::from_cents(self.refundable().cents() - self.income_left().cents())
    }

    /// Of what is left of the amount, the category income.
    pub fn income_left(&self) -> Money {
        Money::from_cents(self.income.cents() - self.income_refunded.cents())
    }

    /// How `amount` going back splits: the balance's part first (the account
    /// owes it again), then category income. A refund is not by line, so
    /// one rule, written down, decides (docs/categories.md).
    pub fn split_back(&self, amount: Money) -> (Money, Money) {
        let balance = amount.cents().min(self.balance_left().cents()).max(0);
        (
            Money::from_cents(balance),
            Money::from_cents(amount.cents() - balance),
        )
    }

    /// The fee not given back.
    pub fn fee_left(&self) -> Money {
        Money::from_cents(self.fee.cents() - self.fee_refunded.cents())
    }

    /// What the payer paid and still has not had back: the amount left and
    /// the fee left. Settlement captures this; a return takes it back.
    pub fn held(&self) -> Money {
        Money::from_cents(self.refundable().cents() + self.fee_left().cents())
    }

    /// What this payment has paid toward its bill: what it took, less what
    /// was refunded, while it is Pending or Processed. Kept on the bill
    /// (`bills.paid_cents`), moved by the change of this figure in the same
    /// transaction as the payment's own change.
    pub fn paid_toward_bill(&self) -> Money {
        match self.status {
            PaymentStatus::Pending | PaymentStatus::Processed => self.refundable(),
            _ => Money::ZERO,
        }
    }

    /// `Processed**` once any of it was refunded, as DirectBiller shows it.
    pub fn status_label(&self) -> String {
        if self.status == PaymentStatus::Processed && self.refunded.is_positive() {
            "Processed**".to_string()
        } else {
            self.status.label().to_string()
        }
    }

    /// `Refunded $20.00 of $100.00`, when anything was.
    pub fn refund_note(&self) -> Option<String> {
        self.refunded
            .is_positive()
            .then(|| format!("Refunded {} of {}", self.refunded, self.amount))
    }

    /// The Cancel/Reverse actions this payment offers now.
    pub fn offered(&self) -> Vec<ActionKind> {
        use ActionKind::*;
        let refundable = self.refundable().is_positive();
        match (self.status, self.method) {
            (PaymentStatus::Scheduled, _) => vec![Cancel],
            (PaymentStatus::Pending, MethodKind::Ach) => vec![Void],
            (PaymentStatus::Pending | PaymentStatus::Processed, MethodKind::Card) if refundable => {
                vec![FullReversal, PartialRefund]
            }
            (PaymentStatus::Processed, MethodKind::Ach) if refundable => vec![AchRefund],
            _ => vec![],
        }
    }
}

/// What an action will do: the status afterwards, the money going back to
/// the payer, and the journal entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub to: PaymentStatus,
    /// Of the amount: what the payer gets back of it.
    pub amount: Money,
    /// Of `amount`, the part that was category income (the rest goes back
    /// onto the balance).
    pub income: Money,
    /// Of the fee: the fee's income goes back with it.
    pub fee: Money,
    pub postings: Vec<Posting>,
}

impl Plan {
    /// Everything the payer gets back.
    pub fn total(&self) -> Money {
        Money::from_cents(self.amount.cents() + self.fee.cents())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("A {status} payment cannot be changed with {action}.")]
    NotOffered {
        action: &'static str,
        status: &'static str,
    },
    #[error("{0}")]
    Amount(String),
}

/// The fee `kind` gives back of `fee_left`: all of it with a Void or a Full
/// Reversal, with a partial refund (or a refund to the bank account) only
/// when `partial_returns_fee`, the biller's setting, says so.
pub fn fee_back(kind: ActionKind, fee_left: Money, partial_returns_fee: bool) -> Money {
    match kind {
        ActionKind::Void | ActionKind::FullReversal => fee_left,
        ActionKind::PartialRefund | ActionKind::AchRefund if partial_returns_fee => fee_left,
        _ => Money::ZERO,
    }
}

/// Plans `kind` on a payment in `state`. `amount` is read for refunds of
/// part of a payment; the other actions take what is left. A Void or a Full
/// Reversal gives back the fee not yet given back; a partial refund (or a
/// refund to the bank account) does only when `partial_returns_fee`, the
/// biller's setting, says so, and then all of it, once.
pub fn plan(
    state: &PaymentState,
    kind: ActionKind,
    amount: Option<Money>,
    partial_returns_fee: bool,
) -> Result<Plan, ActionError> {
    if !state.offered().contains(&kind) {
        return Err(ActionError::NotOffered {
            action: kind.label(),
            status: state.status.label(),
        });
    }
    let refundable = state.refundable();
    let fee = fee_back(kind, state.fee_left(), partial_returns_fee);
    // The amount goes back onto the balance, then out of category income
    // (`split_back`); the fee's income goes back the way the amount does.
    let with_fee = |to, amount: Money, from, fee: Money| {
        let (balance, income) = state.split_back(amount);
        let postings = give_back(kind.code(), [balance, income, fee], from);
        Plan {
            to,
            amount,
            income,
            fee,
            postings,
        }
    };
    Ok(match kind {
        ActionKind::Cancel => Plan {
            to: PaymentStatus::Cancelled,
            amount: Money::ZERO,
            income: Money::ZERO,
            fee: Money::ZERO,
            postings: vec![],
        },
        ActionKind::Void => with_fee(
            PaymentStatus::Cancelled,
            state.amount,
            Book::AchClearing,
            fee,
        ),
        ActionKind::FullReversal => {
            // A Pending card was only authorized: the authorization is voided
            // and nothing will be captured. A Processed one is refunded.
            let (to, from) = match state.status {
                PaymentStatus::Pending => (PaymentStatus::Cancelled, Book::CardClearing),
                _ => (PaymentStatus::Processed, Book::Bank),
            };
            with_fee(to, refundable, from, fee)
        }
        ActionKind::PartialRefund | ActionKind::AchRefund => {
            let amount = check_refund_amount(amount, refundable)?;
            let from = match (kind, state.status) {
                (ActionKind::AchRefund, _) => Book::AchClearing,
                (_, PaymentStatus::Pending) => Book::CardClearing,
                _ => Book::Bank,
            };
            with_fee(state.status, amount, from, fee)
        }
    })
}

/// A checked Cancel/Reverse request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAction {
    pub kind: ActionKind,
    pub amount: Option<Money>,
    pub reason: ActionReason,
    pub reason_text: Option<String>,
}

/// Two-person approval: a refund waits for a second person when it would
/// take the payment's refunds above the threshold. `already` is what was
/// refunded of the payment (its fee included) plus what is waiting for
/// approval, so splitting one large refund into small ones does not get
/// around it; `amount` is what this one gives back, fee included. Cancels and
/// voids move no money back and never wait.
pub fn needs_second_person(
    kind: ActionKind,
    already: Money,
    amount: Money,
    threshold: Money,
) -> bool {
    matches!(
        kind,
        ActionKind::FullReversal | ActionKind::PartialRefund | ActionKind::AchRefund
    ) && already.cents().saturating_add(amount.cents()) > threshold.cents()
}

/// The key of the server's own cancellation of a scheduled payment whose
/// account is inactive. Keys from forms are letters, digits, `-` and `_`
/// only (`is_client_key`), so nobody can claim this one in advance and make
/// the cancellation look done.
pub fn inactive_account_key(payment_id: i64) -> String {
    format!("system:inactive-account:{payment_id}")
}

/// Whether a key sent with a form can be used: 16 to 64 letters, digits,
/// `-` or `_`. Never a `:`, which keeps the server's own keys apart.
pub fn is_client_key(key: &str) -> bool {
    (16..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The line a Cancel/Reverse leaves in the payment's history and audit:
/// what was done, how much went back (the fee named when it went back
/// too), and why.
pub fn action_note(
    kind: ActionKind,
    planned: &Plan,
    reason: ActionReason,
    reason_text: Option<&str>,
) -> String {
    let fee = if planned.fee.is_positive() {
        format!(" and the {} fee", planned.fee)
    } else {
        String::new()
    };
    let note = match kind {
        ActionKind::Cancel | ActionKind::Void => format!("{}: {}", kind.label(), reason.label()),
        _ => format!(
            "{} of {}{fee}: {}",
            kind.label(),
            planned.amount,
            reason.label()
        ),
    };
    match reason_text.filter(|t| !t.is_empty()) {
        Some(text) => format!("{note} ({text})"),
        None => note,
    }
}

/// The notice the payer gets for an action: a cancellation when nothing
/// went back, else a refund.
pub fn notice_kind(to: PaymentStatus, refunded: Money) -> &'static str {
    if to == PaymentStatus::Cancelled && !refunded.is_positive() {
        "cancelled"
    } else {
        "refund"
    }
}

/// The longest free-text reason kept.
pub const MAX_REASON_TEXT: usize = 500;

/// Checks the Cancel/Reverse form against the payment as last seen (the
/// server checks it again under a lock). Every problem is named by field.
pub fn check_action_form(
    form: &CancelReverseForm,
    state: &PaymentState,
) -> Result<CheckedAction, FieldErrors> {
    let mut errs = FieldErrors::new()
        .keep("action", &form.action)
        .keep("amount", form.amount.trim())
        .keep("reason", &form.reason)
        .keep("reason_text", form.reason_text.trim());
    let kind = ActionKind::from_code(&form.action).filter(|k| state.offered().contains(k));
    if kind.is_none() {
        errs.add("action", "Choose what to do with this payment.");
    }
    let reason = ActionReason::from_code(&form.reason);
    if reason.is_none() {
        errs.add("reason", "Choose a reason.");
    }
    let text = form.reason_text.trim();
    if text.chars().count() > MAX_REASON_TEXT {
        errs.add(
            "reason_text",
            format!("Keep the explanation under {MAX_REASON_TEXT} characters."),
        );
    } else if reason == Some(ActionReason::Other) && text.is_empty() {
        errs.add("reason_text", "Say why, since the reason is Other.");
    }
    let mut amount = None;
    if matches!(
        kind,
        Some(ActionKind::PartialRefund | ActionKind::AchRefund)
    ) {
        match Money::parse(&form.amount) {
            Ok(m) => match check_refund_amount(Some(m), state.refundable()) {
                Ok(m) => amount = Some(m),
                Err(e) => errs.add("amount", e.to_string()),
            },
            Err(MoneyError::Empty) => errs.add("amount", "Enter the amount to refund."),
            Err(e) => errs.add("amount", e.to_string()),
        }
    }
    if form.confirm != "yes" {
        errs.add("confirm", "Tick the box to confirm.");
    }
    match (kind, reason) {
        (Some(kind), Some(reason)) if errs.is_empty() => Ok(CheckedAction {
            kind,
            amount,
            reason,
            reason_text: (!text.is_empty()).then(|| text.to_string()),
        }),
        _ => Err(errs),
    }
}

fn check_refund_amount(amount: Option<Money>, refundable: Money) -> Result<Money, ActionError> {
    let amount = amount.ok_or_else(|| ActionError::Amount("Enter the amount to refund.".into()))?;
    if !amount.is_positive() {
        return Err(ActionError::Amount(
            "Enter an amount greater than $0.00.".into(),
        ));
    }
    if amount > refundable {
        return Err(ActionError::Amount(format!(
            "At most {refundable} can still be refunded."
        )));
    }
    Ok(amount)
}

/// The entry when a payment is approved: the payer owes less by the part
/// paid on the balance (`balance`: the amount less category income), the
/// money is on its way through clearing. Nothing when the payment was all
/// category income.
pub fn approval_posting(method: MethodKind, balance: Money) -> Option<Posting> {
    balance.is_positive().then_some(Posting {
        kind: "payment",
        debit: clearing(method),
        credit: Book::Receivable,
        amount: balance,
    })
}

/// The entry when a payment with a convenience fee is approved: the fee is
/// the biller's income, never a move of the balance. It travels through
/// clearing with the amount, in the same authorization.
pub fn fee_posting(method: MethodKind, fee: Money) -> Option<Posting> {
    income_posting("fee", Book::FeeIncome, method, fee)
}

/// The entry when a payment with category lines without Impact Balance is
/// approved: their total is category income, never a move of the balance.
pub fn category_posting(method: MethodKind, income: Money) -> Option<Posting> {
    income_posting("category", Book::CategoryIncome, method, income)
}

fn income_posting(
    kind: &'static str,
    book: Book,
    method: MethodKind,
    amount: Money,
) -> Option<Posting> {
    amount.is_positive().then_some(Posting {
        kind,
        debit: clearing(method),
        credit: book,
        amount,
    })
}

/// The entry when settlement captures a card payment or sends an ACH debit:
/// what was not refunded before settlement (amount and fee) reaches the bank.
pub fn settlement_posting(state: &PaymentState) -> Option<Posting> {
    let amount = state.held();
    amount.is_positive().then(|| Posting {
        kind: "capture",
        debit: Book::Bank,
        credit: clearing(state.method),
        amount,
    })
}

/// The entry when an ACH refund credit goes out in a file.
pub fn ach_credit_posting(amount: Money) -> Posting {
    Posting {
        kind: "ach_credit",
        debit: Book::AchClearing,
        credit: Book::Bank,
        amount,
    }
}

/// The entries when the payer's bank returns an ACH debit: the balance
/// comes back, the category and fee income are undone, the money leaves
/// the bank.
pub fn return_postings(state: &PaymentState) -> Vec<Posting> {
    give_back(
        "return",
        [state.balance_left(), state.income_left(), state.fee_left()],
        Book::Bank,
    )
}

/// The entries that give money back to the payer from `from`: `parts` are
/// what goes back onto the balance, out of category income and out of fee
/// income, in that order (the first is the event's own line,
/// `event_line_key`); a part of nothing has no entry.
fn give_back(kind: &'static str, parts: [Money; 3], from: Book) -> Vec<Posting> {
    [Book::Receivable, Book::CategoryIncome, Book::FeeIncome]
        .into_iter()
        .zip(parts)
        .filter(|(_, amount)| amount.is_positive())
        .map(|(debit, amount)| Posting {
            kind,
            debit,
            credit: from,
            amount,
        })
        .collect()
}

/// The once key of an event's `i`th journal line, `event` being
/// `action:12` or `return:34`. The first line is the event's own:
/// Reconciliation counts an event by it. The others are keyed by their book
/// (`:fee`, `:category`), and it does not count them as events.
pub fn event_line_key(event: &str, i: usize, book: Book) -> String {
    match (i, book) {
        (0, _) => event.to_string(),
        (_, Book::FeeIncome) => format!("{event}:fee"),
        (_, Book::CategoryIncome) => format!("{event}:category"),
        _ => format!("{event}:{i}"),
    }
}

fn clearing(method: MethodKind) -> Book {
    match method {
        MethodKind::Card => Book::CardClearing,
        MethodKind::Ach => Book::AchClearing,
    }
}

/// The words for an ACH return reason code, as NACHA names them.
pub fn return_reason(code: &str) -> &'static str {
    match code {
        "R01" => "Insufficient Funds",
        "R02" => "Account Closed",
        "R03" => "No Account/Unable to Locate Account",
        "R04" => "Invalid Account Number",
        "R05" => "Unauthorized Debit to Consumer Account",
        "R06" => "Returned per ODFI's Request",
        "R07" => "Authorization Revoked by Customer",
        "R08" => "Payment Stopped",
        "R09" => "Uncollected Funds",
        "R10" => "Customer Advises Not Authorized",
        "R11" => "Customer Advises Entry Not in Accordance with the Terms of the Authorization",
        "R12" => "Account Sold to Another DFI",
        "R14" => "Representative Payee Deceased",
        "R15" => "Beneficiary or Account Holder Deceased",
        "R16" => "Account Frozen",
        "R20" => "Non-Transaction Account",
        "R29" => "Corporate Customer Advises Not Authorized",
        _ => "Returned",
    }
}

/// `R01 Insufficient Funds`, as shown on a Failed payment.
pub fn return_label(code: &str) -> String {
    ReturnLabel(code).to_string()
}

/// `R01 Insufficient Funds`.
pub struct ReturnLabel<'a>(pub &'a str);

impl fmt::Display for ReturnLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, return_reason(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pending_and_processed_payments_pay_toward_a_bill_net_of_refunds() {
        let state = |status, refunded| PaymentState {
            status,
            method: MethodKind::Card,
            amount: Money::from_cents(10_000),
            refunded: Money::from_cents(refunded),
            fee: Money::ZERO,
            fee_refunded: Money::ZERO,
            income: Money::ZERO,
            income_refunded: Money::ZERO,
        };
        use PaymentStatus::*;
        assert_eq!(state(Pending, 0).paid_toward_bill().cents(), 10_000);
        assert_eq!(state(Processed, 2_500).paid_toward_bill().cents(), 7_500);
        for status in [Scheduled, Authorizing, Declined, Cancelled, Failed] {
            assert_eq!(
                state(status, 0).paid_toward_bill(),
                Money::ZERO,
                "{status:?}"
            );
        }
    }

    #[test]
    fn the_threshold_is_about_the_refunds_of_a_payment_together() {
        let t = Money::from_cents(50_000);
        let m = Money::from_cents;
        assert!(!needs_second_person(
            ActionKind::PartialRefund,
            m(0),
            m(40_000),
            t
        ));
        assert!(
            needs_second_person(ActionKind::PartialRefund, m(40_000), m(40_000), t),
            "a second $400 after $400 waits"
        );
        assert!(
            !needs_second_person(ActionKind::PartialRefund, m(10_000), m(40_000), t),
            "exactly at it goes through"
        );
        assert!(needs_second_person(
            ActionKind::AchRefund,
            m(50_000),
            m(1),
            t
        ));
        assert!(needs_second_person(
            ActionKind::FullReversal,
            m(0),
            m(50_001),
            t
        ));
        assert!(!needs_second_person(
            ActionKind::Cancel,
            m(90_000),
            m(90_000),
            t
        ));
        assert!(!needs_second_person(ActionKind::Void, m(0), m(90_000), t));
    }

    #[test]
    fn the_servers_own_keys_are_never_client_keys() {
        assert!(is_client_key("0123456789abcdef0123456789abcdef"));
        assert!(is_client_key("account-inactive-12345"));
        assert!(!is_client_key(&inactive_account_key(12345)));
        assert!(!is_client_key("short"));
    }
    use PaymentStatus::*;

    fn state(
        status: PaymentStatus,
        method: MethodKind,
        amount: i64,
        refunded: i64,
    ) -> PaymentState {
        PaymentState {
            status,
            method,
            amount: Money::from_cents(amount),
            refunded: Money::from_cents(refunded),
            fee: Money::ZERO,
            fee_refunded: Money::ZERO,
            income: Money::ZERO,
            income_refunded: Money::ZERO,
        }
    }

    fn with_fee(state: PaymentState, fee: i64, fee_refunded: i64) -> PaymentState {
        PaymentState {
            fee: Money::from_cents(fee),
            fee_refunded: Money::from_cents(fee_refunded),
            ..state
        }
    }

    #[test]
    fn final_states_have_no_way_out() {
        for from in PaymentStatus::ALL {
            for to in PaymentStatus::ALL {
                if is_final(*from) {
                    assert!(!can_transition(*from, *to), "{from:?} → {to:?}");
                }
            }
        }
        assert!(can_transition(Pending, Processed));
        assert!(can_transition(Processed, Failed));
        assert!(!can_transition(Processed, Pending));
    }

    #[test]
    fn each_state_offers_what_directbiller_does_and_more() {
        use ActionKind::*;
        assert_eq!(
            state(Scheduled, MethodKind::Card, 100, 0).offered(),
            vec![Cancel]
        );
        assert_eq!(
            state(Pending, MethodKind::Ach, 100, 0).offered(),
            vec![Void]
        );
        assert_eq!(
            state(Pending, MethodKind::Card, 100, 0).offered(),
            vec![FullReversal, PartialRefund]
        );
        assert_eq!(
            state(Processed, MethodKind::Card, 100, 40).offered(),
            vec![FullReversal, PartialRefund]
        );
        assert_eq!(
            state(Processed, MethodKind::Card, 100, 100).offered(),
            vec![]
        );
        assert_eq!(
            state(Processed, MethodKind::Ach, 100, 0).offered(),
            vec![AchRefund]
        );
        for s in [Declined, Cancelled, Failed, Authorizing] {
            assert!(state(s, MethodKind::Card, 100, 0).offered().is_empty());
            assert!(state(s, MethodKind::Ach, 100, 0).offered().is_empty());
        }
    }

    #[test]
    fn refunds_never_exceed_what_is_left() {
        let s = state(Processed, MethodKind::Card, 10_000, 7_500);
        let err = plan(
            &s,
            ActionKind::PartialRefund,
            Some(Money::from_cents(2_501)),
            false,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "At most $25.00 can still be refunded.");
        assert!(plan(&s, ActionKind::PartialRefund, Some(Money::ZERO), false).is_err());
        assert!(plan(&s, ActionKind::PartialRefund, None, false).is_err());
        let p = plan(
            &s,
            ActionKind::PartialRefund,
            Some(Money::from_cents(2_500)),
            false,
        )
        .unwrap();
        assert_eq!((p.to, p.amount), (Processed, Money::from_cents(2_500)));
        assert_eq!(p.postings[0].credit, Book::Bank);
        let full = plan(&s, ActionKind::FullReversal, None, false).unwrap();
        assert_eq!(
            full.amount,
            Money::from_cents(2_500),
            "a full reversal takes what is left"
        );
    }

    #[test]
    fn a_pending_card_reversal_voids_the_authorization() {
        let p = plan(
            &state(Pending, MethodKind::Card, 5_000, 0),
            ActionKind::FullReversal,
            None,
            false,
        )
        .unwrap();
        assert_eq!(p.to, Cancelled);
        assert_eq!(
            p.postings,
            vec![Posting {
                kind: "full_reversal",
                debit: Book::Receivable,
                credit: Book::CardClearing,
                amount: Money::from_cents(5_000)
            }]
        );
        let partial = plan(
            &state(Pending, MethodKind::Card, 5_000, 0),
            ActionKind::PartialRefund,
            Some(Money::from_cents(1)),
            false,
        )
        .unwrap();
        assert_eq!(
            (partial.to, partial.postings[0].credit),
            (Pending, Book::CardClearing)
        );
    }

    #[test]
    fn actions_not_offered_are_refused() {
        let err = plan(
            &state(Processed, MethodKind::Ach, 100, 0),
            ActionKind::Void,
            None,
            false,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "A Processed payment cannot be changed with Void."
        );
        assert!(
            plan(
                &state(Pending, MethodKind::Card, 100, 0),
                ActionKind::Cancel,
                None,
                false
            )
            .is_err()
        );
        assert!(
            plan(
                &state(Cancelled, MethodKind::Card, 100, 0),
                ActionKind::FullReversal,
                None,
                false
            )
            .is_err()
        );
        assert!(
            plan(
                &state(Scheduled, MethodKind::Ach, 100, 0),
                ActionKind::Cancel,
                None,
                false
            )
            .unwrap()
            .postings
            .is_empty()
        );
    }

    #[test]
    fn every_event_nets_to_zero_on_the_receivable_when_reversed() {
        let s = state(Pending, MethodKind::Ach, 4_200, 0);
        let pay = approval_posting(MethodKind::Ach, s.amount).unwrap();
        let void = plan(&s, ActionKind::Void, None, false).unwrap().postings[0];
        assert_eq!(pay.receivable_effect() + void.receivable_effect(), 0);
        let returned = return_postings(&state(Processed, MethodKind::Ach, 4_200, 0));
        assert_eq!(returned.len(), 1, "no fee, no fee entry");
        assert_eq!(pay.receivable_effect() + returned[0].receivable_effect(), 0);
        assert_eq!(
            settlement_posting(&state(Pending, MethodKind::Card, 100, 100)),
            None,
            "nothing left to capture"
        );
    }

    /// The fee's entries over a payment's life: income at approval, through
    /// clearing to the bank at settlement, and back when the payer gets it.
    fn fee_income(postings: &[Posting]) -> i64 {
        postings
            .iter()
            .map(|p| match (p.debit, p.credit) {
                (_, Book::FeeIncome) => p.amount.cents(),
                (Book::FeeIncome, _) => -p.amount.cents(),
                _ => 0,
            })
            .sum()
    }

    #[test]
    fn a_fee_is_income_never_balance_and_goes_back_with_a_void_or_full_reversal() {
        let pending_ach = with_fee(state(Pending, MethodKind::Ach, 4_200, 0), 150, 0);
        let fee = fee_posting(MethodKind::Ach, pending_ach.fee).unwrap();
        assert_eq!(
            (fee.debit, fee.credit),
            (Book::AchClearing, Book::FeeIncome)
        );
        assert_eq!(
            fee.receivable_effect(),
            0,
            "the balance moves by the amount alone"
        );
        assert_eq!(fee_posting(MethodKind::Card, Money::ZERO), None);

        let void = plan(&pending_ach, ActionKind::Void, None, false).unwrap();
        assert_eq!(
            (void.amount.cents(), void.fee.cents(), void.total().cents()),
            (4_200, 150, 4_350)
        );
        assert_eq!(fee_income(&[fee]) + fee_income(&void.postings), 0);
        assert_eq!(void.postings[1].credit, Book::AchClearing);

        let processed = with_fee(state(Processed, MethodKind::Card, 10_000, 2_500), 300, 0);
        let full = plan(&processed, ActionKind::FullReversal, None, false).unwrap();
        assert_eq!((full.amount.cents(), full.fee.cents()), (7_500, 300));
        assert_eq!(
            full.postings[1],
            Posting {
                kind: "full_reversal",
                debit: Book::FeeIncome,
                credit: Book::Bank,
                amount: Money::from_cents(300),
            }
        );
        // What was given back already is not given back twice.
        let part_back = with_fee(processed, 300, 300);
        let full = plan(&part_back, ActionKind::FullReversal, None, false).unwrap();
        assert_eq!((full.fee, full.postings.len()), (Money::ZERO, 1));
    }

    #[test]
    fn a_partial_refund_keeps_the_fee_unless_the_biller_says_otherwise() {
        let s = with_fee(state(Processed, MethodKind::Card, 10_000, 0), 300, 0);
        let some = Some(Money::from_cents(1_000));
        let kept = plan(&s, ActionKind::PartialRefund, some, false).unwrap();
        assert_eq!((kept.fee, kept.postings.len()), (Money::ZERO, 1));
        let given = plan(&s, ActionKind::PartialRefund, some, true).unwrap();
        assert_eq!((given.fee.cents(), given.total().cents()), (300, 1_300));
        // Given back once: the next partial refund has no fee left to give.
        let after = with_fee(state(Processed, MethodKind::Card, 10_000, 1_000), 300, 300);
        assert_eq!(
            plan(&after, ActionKind::PartialRefund, some, true)
                .unwrap()
                .fee,
            Money::ZERO
        );
        let ach = with_fee(state(Processed, MethodKind::Ach, 10_000, 0), 125, 0);
        let refund = plan(&ach, ActionKind::AchRefund, some, true).unwrap();
        assert_eq!(refund.postings[1].credit, Book::AchClearing);
    }

    #[test]
    fn settlement_captures_the_fee_and_a_return_takes_it_back() {
        let s = with_fee(state(Pending, MethodKind::Card, 10_000, 1_000), 300, 0);
        assert_eq!(settlement_posting(&s).unwrap().amount.cents(), 9_300);
        let returned = return_postings(&with_fee(
            state(Processed, MethodKind::Ach, 4_200, 0),
            150,
            0,
        ));
        assert_eq!(
            returned
                .iter()
                .map(|p| (p.debit, p.amount.cents()))
                .collect::<Vec<_>>(),
            vec![(Book::Receivable, 4_200), (Book::FeeIncome, 150)]
        );
        assert!(returned.iter().all(|p| p.credit == Book::Bank));
        // Only a fee left (the amount refunded, the fee kept): still captured.
        let fee_only = with_fee(state(Pending, MethodKind::Card, 100, 100), 50, 0);
        assert_eq!(settlement_posting(&fee_only).unwrap().amount.cents(), 50);
    }

    fn with_income(state: PaymentState, income: i64, income_refunded: i64) -> PaymentState {
        PaymentState {
            income: Money::from_cents(income),
            income_refunded: Money::from_cents(income_refunded),
            ..state
        }
    }

    /// What a payment's entries did to the account's balance and to
    /// category income.
    fn balance_and_income(postings: &[Posting]) -> (i64, i64) {
        postings.iter().fold((0, 0), |(b, i), p| {
            let income = match (p.debit, p.credit) {
                (_, Book::CategoryIncome) => p.amount.cents(),
                (Book::CategoryIncome, _) => -p.amount.cents(),
                _ => 0,
            };
            (b + p.receivable_effect(), i + income)
        })
    }

    #[test]
    fn category_income_is_never_balance_and_a_refund_gives_back_the_balance_first() {
        // $90.00: $60.00 on Impact Balance lines, $30.00 of category income.
        let s = with_income(state(Processed, MethodKind::Card, 9_000, 0), 3_000, 0);
        let approval = [
            approval_posting(MethodKind::Card, Money::from_cents(6_000)).unwrap(),
            category_posting(MethodKind::Card, s.income).unwrap(),
        ];
        assert_eq!(balance_and_income(&approval), (-6_000, 3_000));
        assert_eq!(approval_posting(MethodKind::Card, Money::ZERO), None);
        assert_eq!(category_posting(MethodKind::Card, Money::ZERO), None);

        // $70.00 back: the $60.00 balance part, then $10.00 of income.
        let refund = plan(
            &s,
            ActionKind::PartialRefund,
            Some(Money::from_cents(7_000)),
            false,
        )
        .unwrap();
        assert_eq!(
            (refund.amount.cents(), refund.income.cents()),
            (7_000, 1_000)
        );
        assert_eq!(balance_and_income(&refund.postings), (6_000, -1_000));
        assert!(refund.postings.iter().all(|p| p.credit == Book::Bank));

        // After it, a Full Reversal gives back the rest: income only.
        let after = with_income(
            state(Processed, MethodKind::Card, 9_000, 7_000),
            3_000,
            1_000,
        );
        assert_eq!(
            (after.balance_left().cents(), after.income_left().cents()),
            (0, 2_000)
        );
        let full = plan(&after, ActionKind::FullReversal, None, false).unwrap();
        assert_eq!(balance_and_income(&full.postings), (0, -2_000));
        assert_eq!(full.postings.len(), 1, "no empty balance line");

        // A Void and a return undo both parts.
        let pending = with_income(state(Pending, MethodKind::Ach, 9_000, 0), 3_000, 0);
        let void = plan(&pending, ActionKind::Void, None, false).unwrap();
        assert_eq!(balance_and_income(&void.postings), (6_000, -3_000));
        let returned = return_postings(&with_income(
            with_fee(state(Processed, MethodKind::Ach, 9_000, 0), 125, 0),
            3_000,
            0,
        ));
        assert_eq!(
            returned
                .iter()
                .map(|p| (p.debit, p.amount.cents()))
                .collect::<Vec<_>>(),
            vec![
                (Book::Receivable, 6_000),
                (Book::CategoryIncome, 3_000),
                (Book::FeeIncome, 125)
            ]
        );
        // Capture takes all of it, whichever book it was credited to.
        assert_eq!(settlement_posting(&pending).unwrap().amount.cents(), 9_000);
    }

    #[test]
    fn an_events_first_line_counts_it_and_the_others_are_keyed_by_book() {
        assert_eq!(
            event_line_key("action:7", 0, Book::CategoryIncome),
            "action:7"
        );
        assert_eq!(
            event_line_key("action:7", 1, Book::CategoryIncome),
            "action:7:category"
        );
        assert_eq!(
            event_line_key("return:9", 2, Book::FeeIncome),
            "return:9:fee"
        );
        assert_eq!(event_line_key("return:9", 0, Book::Receivable), "return:9");
    }

    proptest::proptest! {
        /// However a payment's refunds are cut, the balance gets back at
        /// most its part, income at most its part, and they add up.
        #[test]
        fn refunds_split_exactly(
            amount in 1i64..=1_000_000,
            income_share in 0i64..=100,
            cuts in proptest::collection::vec(1i64..=400_000, 0..5),
        ) {
            let income = amount * income_share / 100;
            let mut s = with_income(state(Processed, MethodKind::Card, amount, 0), income, 0);
            for cut in cuts {
                let left = s.refundable().cents();
                if left == 0 { break; }
                let p = plan(&s, ActionKind::PartialRefund, Some(Money::from_cents(cut.min(left))), false).unwrap();
                let (balance, inc) = balance_and_income(&p.postings);
                proptest::prop_assert_eq!(balance - inc, p.amount.cents());
                proptest::prop_assert_eq!(-inc, p.income.cents());
                s.refunded = Money::from_cents(s.refunded.cents() + p.amount.cents());
                s.income_refunded = Money::from_cents(s.income_refunded.cents() + p.income.cents());
                proptest::prop_assert!(s.income_left().cents() >= 0 && s.balance_left().cents() >= 0);
            }
        }
    }

    #[test]
    fn the_form_is_checked_field_by_field() {
        let s = state(Processed, MethodKind::Card, 10_000, 0);
        let form = |action: &str, amount: &str, reason: &str, text: &str, confirm: &str| {
            CancelReverseForm {
                reference: "K7M4Q92X".into(),
                key: "k".into(),
                action: action.into(),
                amount: amount.into(),
                reason: reason.into(),
                reason_text: text.into(),
                confirm: confirm.into(),
            }
        };
        let ok = check_action_form(
            &form("partial_refund", "25.50", "payer_request", "", "yes"),
            &s,
        )
        .unwrap();
        assert_eq!(
            (ok.kind, ok.amount),
            (ActionKind::PartialRefund, Some(Money::from_cents(2_550)))
        );
        let e =
            check_action_form(&form("partial_refund", "100.01", "other", "", ""), &s).unwrap_err();
        assert_eq!(
            e.message_for("amount"),
            Some("At most $100.00 can still be refunded.")
        );
        assert_eq!(
            e.message_for("reason_text"),
            Some("Say why, since the reason is Other.")
        );
        assert_eq!(e.message_for("confirm"), Some("Tick the box to confirm."));
        assert_eq!(
            e.value_for("amount"),
            Some("100.01"),
            "what was typed is kept"
        );
        let e = check_action_form(
            &form("partial_refund", "1.005", "payer_request", "", "yes"),
            &s,
        )
        .unwrap_err();
        assert!(e.message_for("amount").is_some(), "never rounded");
        let e = check_action_form(&form("void", "", "payer_request", "", "yes"), &s).unwrap_err();
        assert_eq!(
            e.message_for("action"),
            Some("Choose what to do with this payment."),
            "void is not offered on a card"
        );
        let full = check_action_form(
            &form(
                "full_reversal",
                "junk is ignored",
                "duplicate",
                " dup of K7M4 ",
                "yes",
            ),
            &s,
        )
        .unwrap();
        assert_eq!(
            (full.amount, full.reason_text.as_deref()),
            (None, Some("dup of K7M4"))
        );
    }

    #[test]
    fn statuses_show_refunds_the_way_csrs_know() {
        assert_eq!(
            state(Processed, MethodKind::Card, 10_000, 2_000).status_label(),
            "Processed**"
        );
        assert_eq!(
            state(Processed, MethodKind::Card, 10_000, 0).status_label(),
            "Processed"
        );
        assert_eq!(
            state(Processed, MethodKind::Card, 10_000, 2_000)
                .refund_note()
                .unwrap(),
            "Refunded $20.00 of $100.00"
        );
        assert_eq!(ReturnLabel("R01").to_string(), "R01 Insufficient Funds");
    }
}
