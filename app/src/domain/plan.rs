//! Automatic payments: recurring and bill-triggered plans, as Set Up takes
//! them and Scheduled Recurring Payments shows them (docs/automatic-payments.md).
//! Pure: the same checks run in the browser and on the server.

use super::account::coded_enum;
use super::calendar::{self, CivilDate, Frequency};
use super::email::Email;
use super::money::Money;
use super::payment::{Today, check_amount, parse_iso_date};
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;

coded_enum!(
    /// The two kinds of plan Set Up makes.
    PlanKind {
        Recurring => "recurring", "Recurring Payment",
        BillTriggered => "bill_triggered", "Bill-Triggered Payment",
    }
);

coded_enum!(
    /// What each occurrence of a recurring plan pays.
    AmountRule {
        Fixed => "fixed", "Pay Fixed Amount",
        Balance => "balance", "Pay Balance",
    }
);

coded_enum!(
    /// What a bill-triggered plan pays of each bill.
    BillAmount {
        Full => "full", "Full amount billed",
        Minimum => "minimum", "Minimum amount billed",
    }
);

coded_enum!(
    /// Where a plan is in its life. Cancelled by a CSR, by the account going
    /// inactive or by repeated failures; ended past its end date.
    PlanStatus {
        Active => "active", "Active",
        Cancelled => "cancelled", "Cancelled",
        Ended => "ended", "Ended",
    }
);

/// A bill-triggered plan pays at most this many days before the due date.
pub const MAX_DAYS_BEFORE: i64 = 30;
/// A plan's first payment may be at most this far ahead (like a scheduled
/// payment's date).
pub const FIRST_DATE_YEARS_AHEAD: u16 = 1;
/// Declines and returns in a row after which a plan stops (docs).
pub const FAILURES_BEFORE_STOP: i64 = 3;

/// The Set Up form, as posted (every field a string, so a bad value comes
/// back to its field instead of failing the request).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanForm {
    pub account: String,
    /// The enrolled payer's User ID.
    #[serde(default)]
    pub payer: String,
    /// A [`PlanKind`] code.
    #[serde(default)]
    pub kind: String,
    /// `saved:ID`.
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub amount_rule: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub first_date: String,
    #[serde(default)]
    pub end_date: String,
    #[serde(default)]
    pub days_before: String,
    #[serde(default)]
    pub bill_amount: String,
    /// "Do not automatically pay any bill over": empty for no cap.
    #[serde(default)]
    pub max_amount: String,
}

/// What a plan does, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanTerms {
    Recurring {
        rule: AmountRule,
        /// Set for [`AmountRule::Fixed`].
        amount: Option<Money>,
        frequency: Frequency,
        first_date: CivilDate,
        end_date: Option<CivilDate>,
    },
    BillTriggered {
        days_before: i64,
        pays: BillAmount,
        max: Option<Money>,
    },
}

impl PlanTerms {
    pub fn kind(&self) -> PlanKind {
        match self {
            PlanTerms::Recurring { .. } => PlanKind::Recurring,
            PlanTerms::BillTriggered { .. } => PlanKind::BillTriggered,
        }
    }

    /// The plan in a sentence, as the review and the plan list show it.
    pub fn describe(&self) -> String {
        match self {
            PlanTerms::Recurring {
                rule,
                amount,
                frequency,
                first_date,
                end_date,
            } => {
                let what = match (rule, amount) {
                    (AmountRule::Fixed, Some(a)) => a.to_string(),
                    _ => "the balance".to_string(),
                };
                let until = end_date.map_or_else(
                    || ", until cancelled".to_string(),
                    |e| format!(", until {}", e.iso()),
                );
                format!(
                    "Pays {what} {}, from {}{until}",
                    frequency.label().to_lowercase(),
                    first_date.iso()
                )
            }
            PlanTerms::BillTriggered {
                days_before,
                pays,
                max,
            } => {
                let when = match days_before {
                    0 => "on its due date".to_string(),
                    1 => "1 day before its due date".to_string(),
                    n => format!("{n} days before its due date"),
                };
                let cap = max.map_or_else(String::new, |m| {
                    format!("; no bill over {m} is paid automatically")
                });
                format!(
                    "Pays each new bill's {} {when}{cap}",
                    match pays {
                        BillAmount::Full => "full amount",
                        BillAmount::Minimum => "minimum amount",
                    }
                )
            }
        }
    }
}

/// The Set Up form, checked.
#[derive(Debug, Clone)]
pub struct CheckedPlan {
    pub account: String,
    pub payer: String,
    pub saved_method: i64,
    pub email: Email,
    pub terms: PlanTerms,
}

fn date_field(input: &str) -> Result<CivilDate, String> {
    let (year, month, day) =
        parse_iso_date(input.trim()).ok_or_else(|| "Enter the date as YYYY-MM-DD.".to_string())?;
    Ok(Today { year, month, day })
}

fn after(a: CivilDate, b: CivilDate) -> bool {
    calendar::day_number(a) > calendar::day_number(b)
}

/// Checks the Set Up form; every problem is named by field, and every
/// value is kept to show again (a plan holds no secret: its method is a
/// saved one).
pub fn check_plan_form(
    form: &PlanForm,
    today: Today,
    max_payment: Money,
) -> Result<CheckedPlan, FieldErrors> {
    let mut errs = FieldErrors::new();
    for (field, value) in [
        ("kind", &form.kind),
        ("method", &form.method),
        ("email", &form.email),
        ("amount_rule", &form.amount_rule),
        ("amount", &form.amount),
        ("frequency", &form.frequency),
        ("first_date", &form.first_date),
        ("end_date", &form.end_date),
        ("days_before", &form.days_before),
        ("bill_amount", &form.bill_amount),
        ("max_amount", &form.max_amount),
    ] {
        errs = errs.keep(field, value.trim());
    }
    if form.payer.trim().is_empty() {
        errs.add("payer", "Choose the enrolled payer this plan is for.");
    }
    let email = Email::parse(&form.email)
        .map_err(|e| errs.add("email", e.to_string()))
        .ok();
    let saved_method = form
        .method
        .strip_prefix("saved:")
        .and_then(|id| id.parse::<i64>().ok());
    if saved_method.is_none() {
        errs.add(
            "method",
            "Choose one of the payer's saved payment methods (add one first if there is none).",
        );
    }
    let terms = match PlanKind::from_code(form.kind.trim()) {
        None => {
            errs.add(
                "kind",
                "Choose Recurring Payments or Bill-Triggered Payments.",
            );
            None
        }
        Some(PlanKind::Recurring) => recurring_terms(form, today, max_payment, &mut errs),
        Some(PlanKind::BillTriggered) => bill_terms(form, max_payment, &mut errs),
    };
    match (email, saved_method, terms) {
        (Some(email), Some(saved_method), Some(terms)) if errs.is_empty() => Ok(CheckedPlan {
            account: form.account.trim().to_string(),
            payer: form.payer.trim().to_string(),
            saved_method,
            email,
            terms,
        }),
        _ => Err(errs),
    }
}

fn recurring_terms(
    form: &PlanForm,
    today: Today,
    max_payment: Money,
    errs: &mut FieldErrors,
) -> Option<PlanTerms> {
    let rule = AmountRule::from_code(form.amount_rule.trim());
    let amount = match rule {
        None => {
            errs.add("amount_rule", "Choose Pay Fixed Amount or Pay Balance.");
            None
        }
        Some(AmountRule::Fixed) => match check_amount(&form.amount, max_payment) {
            Ok(a) => Some(Some(a)),
            Err(e) => {
                errs.add("amount", e);
                None
            }
        },
        Some(AmountRule::Balance) => Some(None),
    };
    let frequency = Frequency::from_code(form.frequency.trim());
    if frequency.is_none() {
        errs.add("frequency", "Choose how often the payment is made.");
    }
    let latest = Today {
        year: today.year + FIRST_DATE_YEARS_AHEAD,
        ..today
    };
    let first_date = match date_field(&form.first_date) {
        Ok(d) if !after(d, today) => {
            errs.add("first_date", "The first payment date must be after today.");
            None
        }
        Ok(d) if after(d, latest) => {
            errs.add(
                "first_date",
                "The first payment can be at most a year ahead.",
            );
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errs.add("first_date", e);
            None
        }
    };
    let end_date = match form.end_date.trim() {
        "" => Some(None),
        raw => match date_field(raw) {
            Ok(e) if first_date.is_some_and(|f| after(f, e)) => {
                errs.add(
                    "end_date",
                    "The end date cannot be before the first payment date.",
                );
                None
            }
            Ok(e) => Some(Some(e)),
            Err(e) => {
                errs.add("end_date", e);
                None
            }
        },
    };
    Some(PlanTerms::Recurring {
        rule: rule?,
        amount: amount?,
        frequency: frequency?,
        first_date: first_date?,
        end_date: end_date?,
    })
}

fn bill_terms(form: &PlanForm, max_payment: Money, errs: &mut FieldErrors) -> Option<PlanTerms> {
    let days_before = match form.days_before.trim().parse::<i64>() {
        Ok(n) if (0..=MAX_DAYS_BEFORE).contains(&n) => Some(n),
        _ => {
            errs.add(
                "days_before",
                format!("Enter a whole number of days from 0 to {MAX_DAYS_BEFORE}."),
            );
            None
        }
    };
    let pays = BillAmount::from_code(form.bill_amount.trim());
    if pays.is_none() {
        errs.add(
            "bill_amount",
            "Choose the full or the minimum amount billed.",
        );
    }
    let max = match form.max_amount.trim() {
        "" => Some(None),
        raw => match check_amount(raw, max_payment) {
            Ok(m) => Some(Some(m)),
            Err(e) => {
                errs.add("max_amount", e);
                None
            }
        },
    };
    Some(PlanTerms::BillTriggered {
        days_before: days_before?,
        pays: pays?,
        max: max?,
    })
}

/// The day a bill-triggered plan pays a bill due on `due`: `days_before`
/// earlier, on the banking day on or before that, and never before
/// `today` (a bill loaded late pays at once).
pub fn bill_run_date(due: CivilDate, days_before: i64, today: CivilDate) -> CivilDate {
    let d = calendar::run_date(calendar::add_days(due, -days_before));
    if after(today, d) { today } else { d }
}

/// What a bill-triggered plan pays of a bill, or why it pays nothing.
pub fn bill_payment(
    amount_due: Money,
    minimum_due: Money,
    paid: Money,
    pays: BillAmount,
    max: Option<Money>,
) -> Result<Money, String> {
    let billed = match pays {
        BillAmount::Full => amount_due,
        BillAmount::Minimum => minimum_due,
    };
    if let Some(max) = max.filter(|m| billed > *m) {
        return Err(format!(
            "The bill's {billed} is over the plan's limit of {max}, so it was not paid automatically."
        ));
    }
    let owed = billed.checked_sub(paid).unwrap_or(Money::ZERO);
    if !owed.is_positive() {
        return Err("Nothing was left to pay on the bill.".into());
    }
    Ok(owed)
}

/// One plan, as Scheduled Recurring Payments lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub id: i64,
    pub kind: PlanKind,
    pub status: PlanStatus,
    pub account_number: String,
    pub payer: String,
    pub method_label: String,
    pub description: String,
    /// The next date the plan pays (recurring, active), with the day it runs.
    pub next: Option<(String, String)>,
    pub end_reason: Option<String>,
    /// A warning to show (the card will have expired by the next payment).
    pub warning: Option<String>,
    /// The payments it made, newest first: (date, reference, amount, status
    /// label, note such as "ran late" or why it was skipped).
    pub history: Vec<OccurrenceView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccurrenceView {
    pub due_date: String,
    pub run_date: String,
    pub reference: Option<String>,
    pub amount: Option<Money>,
    pub status: String,
    pub note: Option<String>,
}

/// One saved method, as the payer's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMethodLine {
    pub id: i64,
    pub label: String,
    pub detail: String,
    pub expired: bool,
    /// The active plans that use it (it can't be deleted while there are any).
    pub held_by: Vec<i64>,
}

/// An enrolled payer's page: their accounts, saved methods and plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayerView {
    pub user_id: String,
    pub accounts: Vec<(String, String)>,
    pub methods: Vec<SavedMethodLine>,
    pub plans: Vec<PlanView>,
}

/// What the Set Up page needs: the account, its enrolled payers and each
/// one's usable saved methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetUpContext {
    pub account_number: String,
    pub name: String,
    pub email: Option<String>,
    pub balance: Money,
    /// (User ID, [(saved method id, label)]).
    pub payers: Vec<(String, Vec<(i64, String)>)>,
    pub today: Today,
    pub max_payment: Money,
}

/// The review of a method to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodReview {
    pub payer: String,
    /// A card (else a bank account): which button the review shows.
    pub card: bool,
    pub label: String,
    pub details: Vec<(String, String)>,
}

/// The Set Up review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanReview {
    pub kind: PlanKind,
    pub account_number: String,
    pub name: String,
    pub payer: String,
    pub email: String,
    pub method_label: String,
    pub description: String,
    /// The first payments it will make: (date, runs on).
    pub first_runs: Vec<(String, String)>,
    /// The entries, for Back.
    pub form_values: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Today {
        Today {
            year: 2026,
            month: 12,
            day: 2,
        }
    }

    fn recurring() -> PlanForm {
        PlanForm {
            account: "100001".into(),
            payer: "pat".into(),
            kind: "recurring".into(),
            method: "saved:4".into(),
            email: "pat@example.com".into(),
            amount_rule: "fixed".into(),
            amount: "25.00".into(),
            frequency: "monthly".into(),
            first_date: "2026-12-31".into(),
            ..Default::default()
        }
    }

    fn max() -> Money {
        Money::parse("10000").unwrap()
    }

    fn fields(e: &FieldErrors) -> Vec<&str> {
        e.errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_good_recurring_plan_is_taken() {
        let p = check_plan_form(&recurring(), today(), max()).unwrap();
        assert_eq!(p.saved_method, 4);
        assert_eq!(
            p.terms.describe(),
            "Pays $25.00 monthly, from 2026-12-31, until cancelled"
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let form = PlanForm {
            method: "card".into(),
            amount: "25.001".into(),
            frequency: "daily".into(),
            first_date: "2026-12-02".into(),
            email: "nope".into(),
            ..recurring()
        };
        let e = check_plan_form(&form, today(), max()).unwrap_err();
        assert_eq!(
            fields(&e),
            ["email", "method", "amount", "frequency", "first_date"]
        );
        assert!(
            e.errors[2].message.contains("2 decimal"),
            "{:?}",
            e.errors[2]
        );
    }

    #[test]
    fn dates_must_be_ahead_and_in_order() {
        let form = PlanForm {
            first_date: "2028-01-01".into(),
            end_date: "2027-01-01".into(),
            ..recurring()
        };
        let e = check_plan_form(&form, today(), max()).unwrap_err();
        assert_eq!(fields(&e), ["first_date"], "too far ahead");
        let form = PlanForm {
            end_date: "2026-12-30".into(),
            ..recurring()
        };
        let e = check_plan_form(&form, today(), max()).unwrap_err();
        assert_eq!(fields(&e), ["end_date"]);
        let form = PlanForm {
            end_date: "2026-02-30".into(),
            ..recurring()
        };
        assert_eq!(
            fields(&check_plan_form(&form, today(), max()).unwrap_err()),
            ["end_date"]
        );
    }

    #[test]
    fn pay_balance_needs_no_amount() {
        let form = PlanForm {
            amount_rule: "balance".into(),
            amount: String::new(),
            ..recurring()
        };
        let p = check_plan_form(&form, today(), max()).unwrap();
        assert!(p.terms.describe().starts_with("Pays the balance monthly"));
    }

    #[test]
    fn bill_triggered_terms() {
        let form = PlanForm {
            kind: "bill_triggered".into(),
            days_before: "3".into(),
            bill_amount: "minimum".into(),
            max_amount: "200".into(),
            ..recurring()
        };
        let p = check_plan_form(&form, today(), max()).unwrap();
        assert_eq!(
            p.terms.describe(),
            "Pays each new bill's minimum amount 3 days before its due date; no bill over $200.00 is paid automatically"
        );
        let form = PlanForm {
            days_before: "31".into(),
            bill_amount: "all".into(),
            max_amount: "0".into(),
            ..form
        };
        assert_eq!(
            fields(&check_plan_form(&form, today(), max()).unwrap_err()),
            ["days_before", "bill_amount", "max_amount"]
        );
    }

    #[test]
    fn a_bill_pays_what_is_left_under_the_cap() {
        let m = |s: &str| Money::parse(s).unwrap();
        assert_eq!(
            bill_payment(m("100"), m("20"), m("30"), BillAmount::Full, None),
            Ok(m("70"))
        );
        assert_eq!(
            bill_payment(
                m("100"),
                m("20"),
                m("0"),
                BillAmount::Minimum,
                Some(m("50"))
            ),
            Ok(m("20"))
        );
        assert!(
            bill_payment(
                m("100"),
                m("20"),
                m("0"),
                BillAmount::Full,
                Some(m("99.99"))
            )
            .unwrap_err()
            .contains("over the plan's limit of $99.99")
        );
        assert!(bill_payment(m("100"), m("20"), m("100"), BillAmount::Full, None).is_err());
    }

    #[test]
    fn a_bill_runs_before_its_due_date_on_a_banking_day_never_in_the_past() {
        let d = |s: &str| {
            let (year, month, day) = parse_iso_date(s).unwrap();
            Today { year, month, day }
        };
        // Due Monday 2026-12-28, 2 days before is Saturday; Friday is
        // Christmas: it runs Thursday.
        assert_eq!(
            bill_run_date(d("2026-12-28"), 2, d("2026-12-01")).iso(),
            "2026-12-24"
        );
        // Loaded after the day it would have run: today.
        assert_eq!(
            bill_run_date(d("2026-12-10"), 5, d("2026-12-08")).iso(),
            "2026-12-08"
        );
    }
}
