//! A category payment (help center C2): the account's category lines the
//! payer pays on Make Payment, priced. Pure, so the page's running total
//! and the server's charge are the same arithmetic.
//!
//! The rules: a Required line is always paid, whatever was posted (a
//! crafted form cannot drop it); a quantity is picked from 1 to the line's
//! Quantity only with Show Quantity, otherwise it is the line's Quantity;
//! an amount is typed only with Amount Editable, otherwise it is the line's
//! Amount; each line's total is its amount × its quantity, exactly. What
//! is wrong is named by the line's own field (`qty_<id>`, `amt_<id>`).
//!
//! Not wired into Make Payment yet (docs/categories.md, "Not built yet").

use super::category::Category;
use super::money::Money;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// One line as posted from Make Payment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
        let pick = picks.iter().find(|p| p.category_id == c.id);
        if !(c.options.required || pick.is_some_and(|p| p.checked)) {
            continue;
        }
        let quantity = if c.options.show_quantity {
            let typed = pick.map(|p| p.quantity.trim()).unwrap_or("");
            match typed {
                "" => 1,
                t => match t.parse::<i64>() {
                    Ok(q) if (1..=c.quantity).contains(&q) => q,
                    _ => {
                        errors.add(
                            &quantity_field(c.id),
                            format!("Enter a whole number from 1 to {}.", c.quantity),
                        );
                        continue;
                    }
                },
            }
        } else {
            c.quantity
        };
        let unit = if c.options.amount_editable {
            match Money::parse(pick.map(|p| p.amount.as_str()).unwrap_or("")) {
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

    proptest! {
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
