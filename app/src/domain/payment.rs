//! A payment as the CSR enters it: the Make Payment form, its checks (run in
//! the browser and again on the server), statuses and reference numbers.

use super::account::coded_enum;
use super::bank::{BankAccountKind, BankAccountNumber, BankError, check_routing};
use super::calendar::days_in_month;
use super::card::{CardBrand, CardError, CardNumber, Expiry, check_cvv, check_zip};
use super::email::Email;
use super::money::{Money, MoneyError};
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The default ceiling for one payment: $99,999.99.
pub const DEFAULT_MAX_PAYMENT: Money = Money::from_cents(9_999_999);

coded_enum!(
    /// Where a payment is in its life. `Authorizing` is internal: the moment
    /// between claiming the idempotency key and the processor's answer.
    PaymentStatus {
        Authorizing => "authorizing", "Processing",
        Scheduled => "scheduled", "Scheduled",
        Pending => "pending", "Pending",
        Processed => "processed", "Processed",
        Cancelled => "cancelled", "Cancelled",
        Declined => "declined", "Declined",
        Failed => "failed", "Failed",
    }
);

coded_enum!(MethodKind {
    Card => "card", "Card",
    Ach => "ach", "Bank account",
});

/// The Make Payment form exactly as typed. Field names are the form's input
/// names (`form[amount]`, …), so the same struct serves the hydrated client
/// and a plain HTML post.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PaymentForm {
    pub account: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub amount: String,
    /// `card` or `bank`.
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub card_name: String,
    #[serde(default)]
    pub card_number: String,
    #[serde(default)]
    pub card_expiry: String,
    #[serde(default)]
    pub card_cvv: String,
    #[serde(default)]
    pub card_zip: String,
    #[serde(default)]
    pub bank_holder: String,
    #[serde(default)]
    pub bank_routing: String,
    #[serde(default)]
    pub bank_account: String,
    #[serde(default)]
    pub bank_kind: String,
    /// `YYYY-MM-DD`; empty or today pays now, a later date schedules it.
    #[serde(default)]
    pub pay_date: String,
    /// The bill's id when paying toward one invoice; empty otherwise.
    #[serde(default)]
    pub bill: String,
    /// The category lines on Make Payment (`form[lines][0][category_id]`,
    /// …), read only for the account's categories (help center C2).
    #[serde(default)]
    pub lines: Vec<super::category_payment::LinePick>,
}

/// The biller's date today, for the card expiry and payment date checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Today {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Today {
    pub fn month(self) -> (u16, u8) {
        (self.year, self.month)
    }

    /// `2026-11-25`
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A real calendar date written `YYYY-MM-DD`, as (year, month, day).
pub fn parse_iso_date(s: &str) -> Option<(u16, u8, u8)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !s.is_ascii() {
        return None;
    }
    let (y, m, d): (u16, u8, u8) = (
        s[..4].parse().ok()?,
        s[5..7].parse().ok()?,
        s[8..].parse().ok()?,
    );
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

/// Checks the Payment Date: empty or today pays now (`None`); a later date
/// up to a year ahead schedules the payment (`Some("YYYY-MM-DD")`).
pub fn check_pay_date(input: &str, today: Today) -> Result<Option<String>, String> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let date = parse_iso_date(s).ok_or_else(|| "Enter the date as YYYY-MM-DD.".to_string())?;
    let now = (today.year, today.month, today.day);
    if date < now {
        return Err("The payment date cannot be in the past.".into());
    }
    if date == now {
        return Ok(None);
    }
    if date > (today.year + 1, today.month, today.day) {
        return Err("A payment can be scheduled at most a year ahead.".into());
    }
    Ok(Some(s.to_string()))
}

/// A checked payment method. The card number and bank account number are
/// here only between the check and the server's tokenizing or encrypting.
#[derive(Debug, Clone)]
pub enum MethodInput {
    Card {
        name: String,
        number: CardNumber,
        expiry: Expiry,
        zip: String,
    },
    Bank {
        holder: String,
        routing: String,
        account: BankAccountNumber,
        kind: BankAccountKind,
    },
    /// One of the enrolled payer's saved methods (the server checks it is theirs).
    Saved(i64),
}

impl MethodInput {
    /// `Visa •••• 4242`, `Checking •••• 6789`: the method as shown everywhere.
    pub fn label(&self) -> String {
        match self {
            MethodInput::Card { number, .. } => method_label_card(number.brand(), number.last4()),
            MethodInput::Bank { account, kind, .. } => method_label_bank(*kind, account.last4()),
            MethodInput::Saved(_) => "Saved payment method".to_string(),
        }
    }
}

pub fn method_label_card(brand: CardBrand, last4: &str) -> String {
    format!("{brand} •••• {last4}")
}

pub fn method_label_bank(kind: BankAccountKind, last4: &str) -> String {
    format!("{kind} •••• {last4}")
}

#[derive(Debug, Clone)]
pub struct CheckedPayment {
    pub account: String,
    pub email: Email,
    pub amount: Money,
    pub method: MethodInput,
    /// A later date: the payment is Scheduled for it.
    pub scheduled_for: Option<String>,
}

/// Checks an amount for a payment: more than zero, at most 2 decimals, at
/// most `max`.
pub fn check_amount(input: &str, max: Money) -> Result<Money, String> {
    let amount = Money::parse(input).map_err(|e| match e {
        MoneyError::Empty => "Enter the payment amount.".to_string(),
        other => other.to_string(),
    })?;
    if !amount.is_positive() {
        return Err("Enter an amount greater than $0.00.".into());
    }
    if amount > max {
        return Err(format!("One payment can be at most {max}."));
    }
    Ok(amount)
}

fn name_ok(s: &str) -> bool {
    let n = s.trim().chars().count();
    (1..=100).contains(&n)
}

/// Checks the whole form; on failure every problem is named by field, and
/// what may safely be shown again is kept (never the card number, CVV or bank
/// account number).
pub fn check_form(
    form: &PaymentForm,
    today: Today,
    max: Money,
) -> Result<CheckedPayment, FieldErrors> {
    let mut errs = FieldErrors::new();
    for (field, value) in [
        ("email", &form.email),
        ("amount", &form.amount),
        ("method", &form.method),
        ("card_name", &form.card_name),
        ("card_expiry", &form.card_expiry),
        ("card_zip", &form.card_zip),
        ("bank_holder", &form.bank_holder),
        ("bank_routing", &form.bank_routing),
        ("bank_kind", &form.bank_kind),
        ("pay_date", &form.pay_date),
    ] {
        errs = errs.keep(field, value.trim());
    }
    let email = Email::parse(&form.email)
        .map_err(|e| errs.add("email", e.to_string()))
        .ok();
    let amount = check_amount(&form.amount, max)
        .map_err(|e| errs.add("amount", e))
        .ok();
    let method = check_method(form, today, &mut errs);
    let scheduled_for = check_pay_date(&form.pay_date, today)
        .map_err(|e| errs.add("pay_date", e))
        .ok()
        .flatten();
    match (email, amount, method) {
        (Some(email), Some(amount), Some(method)) if errs.is_empty() => Ok(CheckedPayment {
            account: form.account.trim().to_string(),
            email,
            amount,
            method,
            scheduled_for,
        }),
        _ => Err(errs),
    }
}

/// Checks the method fields of `form` (a saved method, a new card or a new
/// bank account), adding each problem to `errs`: Make Payment and Add
/// Credit Card / Add Bank Account run the same checks.
pub fn check_method(
    form: &PaymentForm,
    today: Today,
    errs: &mut FieldErrors,
) -> Option<MethodInput> {
    match form.method.as_str() {
        "card" => {
            let number = CardNumber::parse(&form.card_number)
                .map_err(|e| errs.add("card_number", e.to_string()))
                .ok();
            if !name_ok(&form.card_name) {
                errs.add("card_name", CardError::Name.to_string());
            }
            let expiry = Expiry::parse(&form.card_expiry, today.month())
                .map_err(|e| errs.add("card_expiry", e.to_string()))
                .ok();
            if let Err(e) = check_cvv(&form.card_cvv, number.as_ref().map(CardNumber::brand)) {
                errs.add("card_cvv", e.to_string());
            }
            let zip = check_zip(&form.card_zip)
                .map_err(|e| errs.add("card_zip", e.to_string()))
                .ok();
            match (number, expiry, zip) {
                (Some(number), Some(expiry), Some(zip)) => Some(MethodInput::Card {
                    name: form.card_name.trim().to_string(),
                    number,
                    expiry,
                    zip,
                }),
                _ => None,
            }
        }
        "bank" => {
            if !name_ok(&form.bank_holder) {
                errs.add("bank_holder", BankError::Holder.to_string());
            }
            let routing = check_routing(&form.bank_routing)
                .map_err(|e| errs.add("bank_routing", e.to_string()))
                .ok();
            let account = BankAccountNumber::parse(&form.bank_account)
                .map_err(|e| errs.add("bank_account", e.to_string()))
                .ok();
            let kind = BankAccountKind::from_code(&form.bank_kind);
            if kind.is_none() {
                errs.add("bank_kind", BankError::Kind.to_string());
            }
            match (routing, account, kind) {
                (Some(routing), Some(account), Some(kind)) => Some(MethodInput::Bank {
                    holder: form.bank_holder.trim().to_string(),
                    routing,
                    account,
                    kind,
                }),
                _ => None,
            }
        }
        other => match other
            .strip_prefix("saved:")
            .and_then(|id| id.parse::<i64>().ok())
        {
            Some(id) => Some(MethodInput::Saved(id)),
            None => {
                errs.add("method", "Choose a payment method.");
                None
            }
        },
    }
}

/// Reference Numbers: 8 characters from an alphabet without look-alikes
/// (no 0/O, 1/I/L, U), shown as `K7M4-Q92X`, easy to read over the phone.
pub const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reference(String);

impl Reference {
    /// Builds one from 8 random bytes (any source).
    pub fn from_random(bytes: [u8; 8]) -> Reference {
        let n = REFERENCE_ALPHABET.len();
        Reference(
            bytes
                .iter()
                .map(|b| REFERENCE_ALPHABET[*b as usize % n] as char)
                .collect(),
        )
    }

    /// A stored reference as people read it (`K7M4-Q92X`); a value that is
    /// not one is shown as stored.
    pub fn shown(stored: &str) -> String {
        Reference::parse(stored).map_or_else(|| stored.to_string(), |r| r.to_string())
    }

    /// Accepts what a payer reads out: any case, with or without the dash.
    pub fn parse(input: &str) -> Option<Reference> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != ' ')
            .collect::<String>()
            .to_ascii_uppercase();
        (s.len() == 8 && s.bytes().all(|b| REFERENCE_ALPHABET.contains(&b))).then_some(Reference(s))
    }

    /// The stored form, without the dash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reference {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Reference::parse(&s).ok_or_else(|| format!("{s:?} is not a reference number"))
    }
}

impl From<Reference> for String {
    fn from(r: Reference) -> String {
        r.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.0[..4], &self.0[4..])
    }
}

/// A valid card payment of `amount`, for the tests of the forms built on
/// this one.
#[cfg(test)]
pub(crate) fn sample_card_form(amount: &str) -> PaymentForm {
    PaymentForm {
        account: "100003".into(),
        email: "pat@example.com".into(),
        amount: amount.into(),
        method: "card".into(),
        card_name: "Pat Doe".into(),
        card_number: "4242 4242 4242 4242".into(),
        card_expiry: "12/30".into(),
        card_cvv: "123".into(),
        card_zip: "02139".into(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card_form() -> PaymentForm {
        sample_card_form("125.50")
    }

    const TODAY: Today = Today {
        year: 2026,
        month: 11,
        day: 25,
    };

    #[test]
    fn payment_dates_pay_now_or_schedule_within_a_year() {
        assert_eq!(check_pay_date("", TODAY), Ok(None));
        assert_eq!(
            check_pay_date("2026-11-25", TODAY),
            Ok(None),
            "today pays now"
        );
        assert_eq!(
            check_pay_date(" 2026-11-26 ", TODAY),
            Ok(Some("2026-11-26".into()))
        );
        assert_eq!(
            check_pay_date("2027-11-25", TODAY),
            Ok(Some("2027-11-25".into()))
        );
        assert_eq!(
            check_pay_date("2027-11-26", TODAY),
            Err("A payment can be scheduled at most a year ahead.".into())
        );
        assert_eq!(
            check_pay_date("2026-11-24", TODAY),
            Err("The payment date cannot be in the past.".into())
        );
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "26-11-30",
            "2026/11/30",
            "tomorrow",
            "2026-11-00",
        ] {
            assert_eq!(
                check_pay_date(bad, TODAY),
                Err("Enter the date as YYYY-MM-DD.".into()),
                "{bad}"
            );
        }
        assert_eq!(
            check_pay_date(
                "2028-02-29",
                Today {
                    year: 2027,
                    month: 12,
                    day: 1
                }
            ),
            Ok(Some("2028-02-29".into())),
            "a leap day"
        );
        assert_eq!(
            check_pay_date(
                "2028-02-29",
                Today {
                    year: 2027,
                    month: 1,
                    day: 15
                }
            ),
            Err("A payment can be scheduled at most a year ahead.".into())
        );
        assert!(
            check_pay_date("2027-02-29", TODAY).is_err(),
            "not a leap year"
        );
        let scheduled = check_form(
            &PaymentForm {
                pay_date: "2026-12-01".into(),
                ..card_form()
            },
            TODAY,
            DEFAULT_MAX_PAYMENT,
        )
        .unwrap();
        assert_eq!(scheduled.scheduled_for.as_deref(), Some("2026-12-01"));
    }

    #[test]
    fn amounts_for_payments() {
        let max = DEFAULT_MAX_PAYMENT;
        assert_eq!(check_amount("125.5", max), Ok(Money::from_cents(12_550)));
        assert_eq!(
            check_amount("99,999.99", max),
            Ok(Money::from_cents(9_999_999))
        );
        assert_eq!(
            check_amount("1.005", max),
            Err("Use at most 2 decimal places.".into())
        );
        assert_eq!(
            check_amount("-1", max),
            Err("Enter an amount greater than $0.00.".into())
        );
        assert_eq!(
            check_amount("0", max),
            Err("Enter an amount greater than $0.00.".into())
        );
        assert_eq!(
            check_amount("1e3", max),
            Err("Enter an amount like 125.50.".into())
        );
        assert_eq!(
            check_amount("", max),
            Err("Enter the payment amount.".into())
        );
        assert_eq!(
            check_amount("9,999,999,999.99", max),
            Err("One payment can be at most $99,999.99.".into())
        );
        assert_eq!(
            check_amount("100000", max),
            Err("One payment can be at most $99,999.99.".into())
        );
    }

    #[test]
    fn a_good_card_form_passes() {
        let p = check_form(&card_form(), TODAY, DEFAULT_MAX_PAYMENT).unwrap();
        assert_eq!(p.amount, Money::from_cents(12_550));
        assert_eq!(p.method.label(), "Visa •••• 4242");
    }

    #[test]
    fn every_bad_field_is_named_and_secrets_are_not_kept() {
        let form = PaymentForm {
            email: "pat@".into(),
            amount: "0".into(),
            card_number: "4242 4242 4242 4241".into(),
            card_expiry: "01/20".into(),
            card_cvv: "12".into(),
            card_zip: "1".into(),
            card_name: " ".into(),
            ..card_form()
        };
        let errs = check_form(&form, TODAY, DEFAULT_MAX_PAYMENT).unwrap_err();
        let fields: Vec<&str> = errs.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "email",
                "amount",
                "card_number",
                "card_name",
                "card_expiry",
                "card_cvv",
                "card_zip"
            ]
        );
        assert_eq!(errs.value_for("amount"), Some("0"));
        assert_eq!(errs.value_for("card_number"), None);
        assert_eq!(errs.value_for("card_cvv"), None);
    }

    #[test]
    fn bank_forms_check_the_routing_number() {
        let form = PaymentForm {
            method: "bank".into(),
            bank_holder: "Pat Doe".into(),
            bank_routing: "021000021".into(),
            bank_account: "000123456789".into(),
            bank_kind: "checking".into(),
            ..card_form()
        };
        let p = check_form(&form, TODAY, DEFAULT_MAX_PAYMENT).unwrap();
        assert_eq!(p.method.label(), "Checking •••• 6789");
        let bad = PaymentForm {
            bank_routing: "021000022".into(),
            bank_kind: "".into(),
            bank_account: "12".into(),
            ..form
        };
        let errs = check_form(&bad, TODAY, DEFAULT_MAX_PAYMENT).unwrap_err();
        let fields: Vec<&str> = errs.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["bank_routing", "bank_account", "bank_kind"]);
        assert_eq!(errs.value_for("bank_account"), None);
    }

    #[test]
    fn a_saved_method_needs_no_card_fields() {
        let form = PaymentForm {
            method: "saved:7".into(),
            card_number: String::new(),
            card_cvv: String::new(),
            ..card_form()
        };
        assert!(matches!(
            check_form(&form, TODAY, DEFAULT_MAX_PAYMENT)
                .unwrap()
                .method,
            MethodInput::Saved(7)
        ));
        let bad = PaymentForm {
            method: "saved:x".into(),
            ..card_form()
        };
        assert!(check_form(&bad, TODAY, DEFAULT_MAX_PAYMENT).is_err());
    }

    #[test]
    fn a_method_must_be_chosen() {
        let errs = check_form(
            &PaymentForm {
                method: "".into(),
                ..card_form()
            },
            TODAY,
            DEFAULT_MAX_PAYMENT,
        )
        .unwrap_err();
        assert_eq!(errs.message_for("method"), Some("Choose a payment method."));
    }

    #[test]
    fn references_read_well_and_parse_leniently() {
        let r = Reference::from_random([0, 1, 2, 3, 4, 5, 6, 29]);
        assert_eq!(r.to_string(), "2345-678Z");
        assert_eq!(Reference::parse(" 2345678z "), Some(r.clone()));
        assert_eq!(Reference::parse("2345-678Z"), Some(r));
        assert_eq!(
            Reference::parse("2345-6780"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(Reference::parse("2345"), None);
    }
}
