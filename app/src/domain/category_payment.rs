//! A category payment (help center C2): the account's category lines the
//! payer pays on Make Payment, priced. Pure, so the page's running total
//! and the server's charge are the same arithmetic.
//!
//! The rules: a Required line is always paid, whatever was posted (a
//! crafted form cannot drop it); a quantity is picked from 1 to the line's
//! Quantity only with Show Quantity (blank is 1), otherwise it is the
//! line's Quantity; an amount is typed only with Amount Editable (blank is
//! the line's Amount when it has one), otherwise it is the line's Amount;
//! each line's total is its amount × its quantity, exactly. A line posted
//! twice counts as checked if either was, and is refused if both were.
//! What is wrong is named by the line's own field (`qty_<id>`, `amt_<id>`),
//! and what was typed is kept.
//!
//! On Make Payment, when any line is paid (a Required one, or one checked),
//! the payment amount is the lines' total, whatever the amount field held;
//! with none, the form pays the amount typed (`check_category_form`).

use super::category::Category;
use super::money::Money;
use super::payment::{CheckedPayment, PaymentForm, Today, check_form};
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// One line as posted from Make Payment. A box that is not ticked is not
/// sent, hence the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinePick {
    pub category_id: i64,
    pub checked: bool,
    /// As typed; read only with Show Quantity (blank is 1).
    pub quantity: String,
    /// As typed; read only with Amount Editable.
    pub amount: String,
}

/// A line as it is copied onto the payment: what was paid, in the words
/// and prices of the moment, whatever the category becomes later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    pub category_id: i64,
    pub description: String,
    pub charge_code: String,
    pub unit: Money,
    pub quantity: i64,
    pub total: Money,
    /// Reduces the account's balance; otherwise category income.
    pub impact_balance: bool,
}

/// The priced lines of one payment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryPayment {
    pub lines: Vec<PaymentLine>,
}

impl CategoryPayment {
    /// What the payer pays for the lines.
    pub fn total(&self) -> Money {
        self.sum(|_| true)
    }

    /// The part that reduces the account's balance (Impact Balance lines).
    pub fn balance_share(&self) -> Money {
        self.sum(|l| l.impact_balance)
    }

    /// The part recorded as category income.
    pub fn income_share(&self) -> Money {
        self.sum(|l| !l.impact_balance)
    }

    fn sum(&self, which: impl Fn(&PaymentLine) -> bool) -> Money {
        // Each line is bounded (`price`), so the sum of a page's lines fits.
        Money::from_cents(
            self.lines
                .iter()
                .filter(|l| which(l))
                .map(|l| l.total.cents())
                .sum(),
        )
    }
}

/// Make Payment's form with the account's `offered` lines: the lines are
/// priced, and when any is paid the amount is their total; then the whole
/// form is checked as any payment is. Every message comes back together,
/// with what was typed.
pub fn check_category_form(
    form: &PaymentForm,
    offered: &[Category],
    today: Today,
    max: Money,
) -> Result<(CheckedPayment, CategoryPayment), FieldErrors> {
    let priced = price(offered, &form.lines);
    let mut form = form.clone();
    if let Ok(paid) = &priced
        && !paid.lines.is_empty()
    {
        form.amount = paid.total().plain();
    }
    let mut refused = match (check_form(&form, today, max), priced) {
        (Ok(checked), Ok(paid)) => return Ok((checked, paid)),
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
        (Err(mut e), Err(lines)) => {
            e.errors.extend(lines.errors);
            e.values.extend(lines.values);
            e
        }
    };
    // Whatever was refused, the lines come back as they were ticked and
    // typed (without JavaScript the page is drawn again from them).
    for p in &form.lines {
        if p.checked {
            refused = refused.keep(&checked_field(p.category_id), "true");
        }
        refused = refused
            .keep(&quantity_field(p.category_id), &p.quantity)
            .keep(&amount_field(p.category_id), &p.amount);
    }
    Err(refused)
}

/// The amount Make Payment starts with when the account's Required lines
/// make it a category payment: their total, if they have fixed prices.
pub fn required_total(offered: &[Category]) -> Option<Money> {
    price(offered, &[])
        .ok()
        .filter(|p| !p.lines.is_empty())
        .map(|p| p.total())
}

/// The name Back keeps a line's tick under (the form posts it inside
/// `lines`, by position).
pub fn checked_field(id: i64) -> String {
    format!("line_{id}")
}

/// The field a line's quantity is posted as.
pub fn quantity_field(id: i64) -> String {
    format!("qty_{id}")
}

/// The field a line's typed amount is posted as.
pub fn amount_field(id: i64) -> String {
    format!("amt_{id}")
}

/// Whether a line starts checked on the page: Required ones, which stay so.
pub fn pre_checked(c: &Category) -> bool {
    c.options.required
}

/// The largest a line's total may be: one payment's worth, far above any
/// bill (the payment's own amount check applies to the sum too).
const LINE_MAX_CENTS: i64 = 99_999_999_999;

/// Prices `picks` against the account's `offered` lines, in the order
/// offered. A pick of a line not offered is refused: the categories
/// changed since the page was drawn.
pub fn price(offered: &[Category], picks: &[LinePick]) -> Result<CategoryPayment, FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Some(stray) = picks
        .iter()
        .find(|p| p.checked && !offered.iter().any(|c| c.id == p.category_id))
    {
        errors.add(
            "categories",
            format!(
                "A category line (number {}) is no longer offered. Reload the page and check the lines again.",
                stray.category_id
            ),
        );
    }
    let mut lines = Vec::new();
    for c in offered {
        let posted: Vec<&LinePick> = picks.iter().filter(|p| p.category_id == c.id).collect();
        let checked: Vec<&LinePick> = posted.iter().copied().filter(|p| p.checked).collect();
        if checked.len() > 1 {
            errors.add(
                "categories",
                format!(
                    "{} is in the form twice. Reload the page and check the lines again.",
                    c.description
                ),
            );
            continue;
        }
        // A checkbox's form often posts an unchecked twin: the checked one wins.
        let pick = checked.first().or(posted.first()).copied();
        if !c.options.required && checked.is_empty() {
            continue;
        }
        let typed_quantity = pick.map(|p| p.quantity.trim()).unwrap_or("");
        let typed_amount = pick.map(|p| p.amount.trim()).unwrap_or("");
        let quantity = if c.options.show_quantity {
            let q = if typed_quantity.is_empty() {
                Ok(1)
            } else {
                typed_quantity.parse::<i64>()
            };
            match q {
                Ok(q) if (1..=c.quantity).contains(&q) => q,
                _ => {
                    errors.add(
                        &quantity_field(c.id),
                        format!("Enter a whole number from 1 to {}.", c.quantity.max(1)),
                    );
                    continue;
                }
            }
        } else {
            c.quantity
        };
        let unit = if c.options.amount_editable && typed_amount.is_empty() && c.amount.is_positive()
        {
            c.amount
        } else if c.options.amount_editable {
            match Money::parse(typed_amount) {
                Ok(m) if m.is_positive() => m,
                Ok(_) => {
                    errors.add(&amount_field(c.id), "Enter an amount above zero.");
                    continue;
                }
                Err(e) => {
                    errors.add(&amount_field(c.id), e.to_string());
                    continue;
                }
            }
        } else {
            c.amount
        };
        // Stored lines have a Quantity of 1 or more and a fixed Amount above
        // zero (the table's checks); a line that somehow has not is refused.
        if quantity < 1 || !unit.is_positive() {
            errors.add(
                "categories",
                format!(
                    "{} can't be paid as it is set up. Ask an administrator to check it.",
                    c.description
                ),
            );
            continue;
        }
        let Some(total) = unit
            .cents()
            .checked_mul(quantity)
            .filter(|t| *t <= LINE_MAX_CENTS)
        else {
            let field = if c.options.amount_editable {
                amount_field(c.id)
            } else {
                quantity_field(c.id)
            };
            errors.add(&field, "That line's total is too large.");
            continue;
        };
        lines.push(PaymentLine {
            category_id: c.id,
            description: c.description.clone(),
            charge_code: c.charge_code.clone(),
            unit,
            quantity,
            total: Money::from_cents(total),
            impact_balance: c.options.impact_balance,
        });
    }
    if errors.is_empty() {
        Ok(CategoryPayment { lines })
    } else {
        // What was typed comes back with the messages from
        // `check_category_form`, which keeps every line's.
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::category::CategoryOptions;
    use proptest::prelude::*;

    fn line(id: i64, cents: i64, quantity: i64, options: CategoryOptions) -> Category {
        Category {
            id,
            description: format!("Line {id}"),
            charge_code: format!("C{id}"),
            amount: Money::from_cents(cents),
            quantity,
            options,
            version: 1,
            division: None,
        }
    }

    fn pick(id: i64, quantity: &str, amount: &str) -> LinePick {
        LinePick {
            category_id: id,
            checked: true,
            quantity: quantity.into(),
            amount: amount.into(),
        }
    }

    /// A permit (required, balance), dog tags (pick up to 3, income) and a
    /// donation (any amount, income).
    fn offered() -> Vec<Category> {
        vec![
            line(
                1,
                2_500,
                1,
                CategoryOptions {
                    required: true,
                    impact_balance: true,
                    ..Default::default()
                },
            ),
            line(
                2,
                1_500,
                3,
                CategoryOptions {
                    show_quantity: true,
                    ..Default::default()
                },
            ),
            line(
                3,
                0,
                1,
                CategoryOptions {
                    amount_editable: true,
                    ..Default::default()
                },
            ),
        ]
    }

    #[test]
    fn a_required_line_is_paid_even_when_the_form_leaves_it_out() {
        let paid = price(&offered(), &[]).unwrap();
        assert_eq!(paid.lines.len(), 1);
        assert_eq!(paid.total(), Money::from_cents(2_500));
        let unchecked = LinePick {
            checked: false,
            ..pick(1, "", "")
        };
        assert_eq!(price(&offered(), &[unchecked]).unwrap(), paid);
        assert!(pre_checked(&offered()[0]) && !pre_checked(&offered()[1]));
    }

    #[test]
    fn lines_are_priced_amount_times_quantity_and_split_by_impact_balance() {
        let paid = price(&offered(), &[pick(2, "2", ""), pick(3, "", "10.25")]).unwrap();
        let totals: Vec<i64> = paid.lines.iter().map(|l| l.total.cents()).collect();
        assert_eq!(totals, [2_500, 3_000, 1_025]);
        assert_eq!(paid.total(), Money::from_cents(6_525));
        assert_eq!(paid.balance_share(), Money::from_cents(2_500));
        assert_eq!(paid.income_share(), Money::from_cents(4_025));
        assert_eq!(paid.lines[1].charge_code, "C2");
    }

    #[test]
    fn a_fixed_quantity_or_amount_ignores_what_was_typed() {
        let mut fixed = offered();
        fixed[1].options.show_quantity = false;
        let paid = price(&fixed, &[pick(1, "9", "0.01"), pick(2, "1", "")]).unwrap();
        assert_eq!(paid.lines[0].total, Money::from_cents(2_500));
        assert_eq!(paid.lines[1].quantity, 3, "the line's own Quantity");
        // With Show Quantity, blank is one.
        let paid = price(&offered(), &[pick(2, " ", "")]).unwrap();
        assert_eq!(paid.lines[1].quantity, 1);
    }

    #[test]
    fn a_bad_quantity_or_amount_is_named_by_its_line() {
        let e = price(&offered(), &[pick(2, "4", ""), pick(3, "", "1.005")]).unwrap_err();
        assert_eq!(
            e.message_for("qty_2"),
            Some("Enter a whole number from 1 to 3.")
        );
        assert_eq!(
            e.message_for("amt_3"),
            Some("Use at most 2 decimal places.")
        );
        let e = price(&offered(), &[pick(2, "0", ""), pick(3, "", "0")]).unwrap_err();
        assert!(e.message_for("qty_2").is_some());
        assert_eq!(e.message_for("amt_3"), Some("Enter an amount above zero."));
        let e = price(&offered(), &[pick(2, "1.5", "")]).unwrap_err();
        assert!(e.message_for("qty_2").is_some());
    }

    #[test]
    fn a_line_no_longer_offered_is_refused_not_dropped() {
        let e = price(&offered(), &[pick(9, "1", "")]).unwrap_err();
        assert!(
            e.message_for("categories")
                .unwrap()
                .contains("no longer offered")
        );
        // Unchecked, it asks for nothing.
        let unchecked = LinePick {
            checked: false,
            ..pick(9, "", "")
        };
        assert!(price(&offered(), &[unchecked]).is_ok());
    }

    #[test]
    fn an_enormous_line_is_refused() {
        let e = price(&offered(), &[pick(3, "", "999999999999.99")]).unwrap_err();
        assert_eq!(
            e.message_for("amt_3"),
            Some("That line's total is too large.")
        );
    }

    #[test]
    fn a_line_posted_twice_is_checked_if_either_was_and_refused_if_both() {
        let twin = LinePick {
            checked: false,
            ..pick(2, "", "")
        };
        let paid = price(&offered(), &[twin.clone(), pick(2, "2", "")]).unwrap();
        assert_eq!(paid.lines[1].quantity, 2, "the checked one's quantity");
        let e = price(&offered(), &[pick(2, "1", ""), pick(2, "3", "")]).unwrap_err();
        assert!(e.message_for("categories").unwrap().contains("twice"));
    }

    #[test]
    fn a_blank_editable_amount_is_the_lines_own_when_it_has_one() {
        let mut lines = offered();
        lines[2].amount = Money::from_cents(500);
        let paid = price(&lines, &[pick(3, "", " ")]).unwrap();
        assert_eq!(paid.lines[1].total, Money::from_cents(500));
        // Without one, it must be typed.
        let e = price(&offered(), &[pick(3, "", "")]).unwrap_err();
        assert_eq!(e.message_for("amt_3"), Some("Enter an amount."));
    }

    #[test]
    fn what_was_typed_comes_back_with_the_messages() {
        let typed = form("", vec![pick(2, "7", ""), pick(3, "", "12.345")]);
        let e = check_category_form(&typed, &offered(), TODAY, MAX).unwrap_err();
        assert_eq!(e.value_for("qty_2"), Some("7"));
        assert_eq!(e.value_for("amt_3"), Some("12.345"));
    }

    #[test]
    fn a_line_set_up_wrongly_is_refused_not_priced_at_zero() {
        let mut lines = offered();
        lines[1].options.show_quantity = false;
        lines[1].quantity = 0;
        let e = price(&lines, &[pick(2, "", "")]).unwrap_err();
        assert!(
            e.message_for("categories")
                .unwrap()
                .contains("can't be paid")
        );
    }

    fn form(amount: &str, lines: Vec<LinePick>) -> PaymentForm {
        PaymentForm {
            lines,
            ..crate::domain::payment::sample_card_form(amount)
        }
    }

    const TODAY: Today = Today {
        year: 2026,
        month: 12,
        day: 6,
    };
    const MAX: Money = Money::from_cents(1_000_000);

    #[test]
    fn with_lines_paid_the_amount_is_their_total_whatever_was_typed() {
        let (checked, paid) = check_category_form(
            &form("1.00", vec![pick(2, "2", "")]),
            &offered(),
            TODAY,
            MAX,
        )
        .unwrap();
        assert_eq!(checked.amount, Money::from_cents(5_500));
        assert_eq!(paid.total(), checked.amount);
        // Without Required lines and none checked, it is the amount typed.
        let optional: Vec<Category> = offered().into_iter().skip(1).collect();
        let (checked, paid) =
            check_category_form(&form("12.34", vec![]), &optional, TODAY, MAX).unwrap();
        assert_eq!((checked.amount.cents(), paid.lines.len()), (1_234, 0));
        // No categories at all: the same as any payment.
        assert!(check_category_form(&form("", vec![]), &[], TODAY, MAX).is_err());
    }

    #[test]
    fn the_lines_and_the_rest_of_the_form_are_refused_together() {
        let mut bad = form("", vec![pick(2, "9", "")]);
        bad.email = "nope".into();
        let e = check_category_form(&bad, &offered(), TODAY, MAX).unwrap_err();
        assert!(e.message_for("email").is_some());
        assert!(e.message_for("qty_2").is_some());
        assert_eq!(e.value_for("qty_2"), Some("9"));
        assert_eq!(e.value_for(&checked_field(2)), Some("true"), "still ticked");
        // Lines above the most one payment may be are refused at the amount.
        let big = form("", vec![pick(3, "", "10000.00")]);
        let e = check_category_form(&big, &offered(), TODAY, MAX).unwrap_err();
        assert!(e.message_for("amount").is_some());
    }

    #[test]
    fn make_payment_starts_with_the_required_lines_total() {
        assert_eq!(required_total(&offered()), Some(Money::from_cents(2_500)));
        assert_eq!(required_total(&offered()[1..]), None);
    }

    /// Any set of lines and any picks of them.
    fn any_case() -> impl Strategy<Value = (Vec<Category>, Vec<LinePick>)> {
        let one = (
            1i64..=10_000,
            1i64..=5,
            any::<[bool; 4]>(),
            any::<bool>(),
            0i64..=6,
            0i64..=20_000,
        );
        proptest::collection::vec(one, 0..6).prop_map(|rows| {
            let mut lines = vec![];
            let mut picks = vec![];
            for (
                i,
                (
                    cents,
                    quantity,
                    [required, impact_balance, amount_editable, show_quantity],
                    checked,
                    q,
                    typed,
                ),
            ) in rows.into_iter().enumerate()
            {
                let id = i as i64 + 1;
                lines.push(line(
                    id,
                    if amount_editable { 0 } else { cents },
                    quantity,
                    CategoryOptions {
                        required,
                        impact_balance,
                        amount_editable,
                        show_quantity,
                    },
                ));
                picks.push(LinePick {
                    category_id: id,
                    checked,
                    quantity: q.to_string(),
                    amount: Money::from_cents(typed).plain(),
                });
            }
            (lines, picks)
        })
    }

    proptest! {
        #[test]
        fn every_priced_payment_keeps_the_rules((lines, picks) in any_case()) {
            match price(&lines, &picks) {
                Ok(paid) => {
                    for c in &lines {
                        let pick = picks.iter().find(|p| p.category_id == c.id);
                        let wanted = c.options.required || pick.is_some_and(|p| p.checked);
                        let got = paid.lines.iter().find(|l| l.category_id == c.id);
                        prop_assert_eq!(got.is_some(), wanted, "line {}", c.id);
                        if let Some(l) = got {
                            prop_assert_eq!(l.total.cents(), l.unit.cents() * l.quantity);
                            prop_assert!(l.quantity >= 1 && l.quantity <= c.quantity);
                            prop_assert!(l.unit.is_positive());
                            if !c.options.show_quantity { prop_assert_eq!(l.quantity, c.quantity); }
                            if !c.options.amount_editable { prop_assert_eq!(l.unit, c.amount); }
                            prop_assert_eq!(l.impact_balance, c.options.impact_balance);
                        }
                    }
                }
                Err(e) => {
                    // Only a wanted line with a bad typed field is refused.
                    let named = lines.iter().any(|c| {
                        e.message_for(&quantity_field(c.id)).is_some() || e.message_for(&amount_field(c.id)).is_some()
                    });
                    prop_assert!(named, "{:?}", e);
                }
            }
        }

        #[test]
        fn the_shares_always_add_up_to_the_total(
            q in 1i64..=3,
            cents in 1i64..=100_000_000,
            with_tags in any::<bool>(),
            with_gift in any::<bool>(),
        ) {
            let amount = Money::from_cents(cents).plain();
            let mut picks = vec![];
            if with_tags { picks.push(pick(2, &q.to_string(), "")); }
            if with_gift { picks.push(pick(3, "", &amount)); }
            let paid = price(&offered(), &picks).unwrap();
            prop_assert_eq!(paid.balance_share().cents() + paid.income_share().cents(), paid.total().cents());
            let expected = 2_500 + if with_tags { 1_500 * q } else { 0 } + if with_gift { cents } else { 0 };
            prop_assert_eq!(paid.total().cents(), expected);
        }
    }
}
