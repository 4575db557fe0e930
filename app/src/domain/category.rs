//! Payment categories (help center D2, "Manage Category"): the line items a
//! biller lets payers pay besides the balance (a permit, a late fee, a
//! program), each with its amount, a quantity and four options. Pure: the
//! same checks run in the browser and on the server.

use super::money::Money;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// The longest Description kept.
pub const DESCRIPTION_MAX: usize = 80;
/// The longest Charge Code kept (the biller's own code for the line, in
/// reports and exports).
pub const CHARGE_CODE_MAX: usize = 20;
/// The largest Quantity a line may allow.
pub const QUANTITY_MAX: i64 = 999;

/// A category line item as stored and listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: i64,
    pub description: String,
    pub charge_code: String,
    /// The price of one.
    pub amount: Money,
    /// With Show Quantity, the most a payer may pick (1 to this); without,
    /// the number every payment of the line is for.
    pub quantity: i64,
    pub options: CategoryOptions,
    /// Bumped by every save: an edit made on an older copy is refused
    /// rather than silently undoing someone else's.
    pub version: i64,
    /// Offered to the payers of this division only; `None`: every
    /// division's (docs/divisions.md).
    #[serde(default)]
    pub division: Option<i64>,
}

/// The four options of a line (help center D2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryOptions {
    /// Payments of the line reduce the account's balance; otherwise they
    /// are category income.
    pub impact_balance: bool,
    /// The payer may change the amount on the payment page.
    pub amount_editable: bool,
    /// The payer may pick a quantity from 1 to the line's Quantity.
    pub show_quantity: bool,
    /// Every payment of the account includes the line (pre-checked).
    pub required: bool,
}

impl CategoryOptions {
    /// The options that are on, as the list shows them.
    pub fn labels(self) -> Vec<&'static str> {
        [
            (self.impact_balance, "Impact Balance"),
            (self.amount_editable, "Amount Editable"),
            (self.show_quantity, "Show Quantity"),
            (self.required, "Required"),
        ]
        .into_iter()
        .filter_map(|(on, label)| on.then_some(label))
        .collect()
    }
}

/// Add Category Line Item / Edit, as posted. A box that is not ticked is
/// not sent at all, hence the options' `Option`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoryForm {
    pub description: String,
    pub charge_code: String,
    pub amount: String,
    pub quantity: String,
    pub impact_balance: Option<String>,
    pub amount_editable: Option<String>,
    pub show_quantity: Option<String>,
    pub required: Option<String>,
    /// A division's id, or empty for every division.
    pub division: String,
}

impl CategoryForm {
    /// The form an Edit starts from.
    pub fn of(c: &Category) -> Self {
        let on = |b: bool| b.then(|| "on".to_string());
        CategoryForm {
            description: c.description.clone(),
            charge_code: c.charge_code.clone(),
            amount: c.amount.plain(),
            quantity: c.quantity.to_string(),
            impact_balance: on(c.options.impact_balance),
            amount_editable: on(c.options.amount_editable),
            show_quantity: on(c.options.show_quantity),
            required: on(c.options.required),
            division: c.division.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// A checked line, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub description: String,
    pub charge_code: String,
    pub amount: Money,
    pub quantity: i64,
    pub options: CategoryOptions,
    /// `None`: every division.
    pub division: Option<i64>,
}

/// Save Category Item's checks, field by field.
pub fn check_category(form: &CategoryForm) -> Result<NewCategory, FieldErrors> {
    let mut errors = FieldErrors::new();
    let description = form.description.trim().to_string();
    if description.is_empty() {
        errors.add("description", "Enter what the payer pays for.");
    } else if description.chars().count() > DESCRIPTION_MAX {
        errors.add(
            "description",
            format!("Use at most {DESCRIPTION_MAX} characters."),
        );
    }
    let charge_code = form.charge_code.trim().to_ascii_uppercase();
    if charge_code.is_empty() {
        errors.add("charge_code", "Enter the charge code your books use.");
    } else if charge_code.len() > CHARGE_CODE_MAX
        || !charge_code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        errors.add(
            "charge_code",
            format!("Use up to {CHARGE_CODE_MAX} letters, digits, - or _."),
        );
    }
    let options = CategoryOptions {
        impact_balance: form.impact_balance.is_some(),
        amount_editable: form.amount_editable.is_some(),
        show_quantity: form.show_quantity.is_some(),
        required: form.required.is_some(),
    };
    // An editable amount may start at zero (the payer fills it in); a
    // fixed one is what every payment of the line costs.
    let amount = match Money::parse(&form.amount) {
        Err(e) => {
            errors.add("amount", e.to_string());
            Money::ZERO
        }
        Ok(m) if m.cents() < 0 => {
            errors.add("amount", "An amount can't be negative.");
            m
        }
        Ok(m) if m.cents() == 0 && !options.amount_editable => {
            errors.add(
                "amount",
                "Enter the amount, or tick Amount Editable for the payer to fill in.",
            );
            m
        }
        Ok(m) => m,
    };
    let quantity = match form.quantity.trim().parse::<i64>() {
        Ok(q) if (1..=QUANTITY_MAX).contains(&q) => q,
        _ => {
            errors.add(
                "quantity",
                format!("Enter a whole number from 1 to {QUANTITY_MAX}."),
            );
            1
        }
    };
    let division = super::division::parse_choice(&form.division).unwrap_or_else(|m| {
        errors.add("division", m);
        None
    });
    if errors.is_empty() {
        Ok(NewCategory {
            description,
            charge_code,
            amount,
            quantity,
            options,
            division,
        })
    } else {
        let on = |v: &Option<String>| if v.is_some() { "on" } else { "" };
        Err(errors
            .keep("description", &form.description)
            .keep("charge_code", &form.charge_code)
            .keep("amount", &form.amount)
            .keep("quantity", &form.quantity)
            .keep("division", &form.division)
            .keep("impact_balance", on(&form.impact_balance))
            .keep("amount_editable", on(&form.amount_editable))
            .keep("show_quantity", on(&form.show_quantity))
            .keep("required", on(&form.required)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CategoryForm {
        CategoryForm {
            description: " Dog license ".into(),
            charge_code: "dog-lic".into(),
            amount: "$15.00".into(),
            quantity: "3".into(),
            show_quantity: Some("on".into()),
            ..CategoryForm::default()
        }
    }

    #[test]
    fn a_good_line_is_kept_tidy() {
        let c = check_category(&form()).unwrap();
        assert_eq!(c.description, "Dog license");
        assert_eq!(c.charge_code, "DOG-LIC");
        assert_eq!(c.amount, Money::from_cents(1_500));
        assert_eq!(c.quantity, 3);
        assert_eq!(c.options.labels(), ["Show Quantity"]);
    }

    #[test]
    fn every_field_is_checked_and_named() {
        let e = check_category(&CategoryForm {
            description: "".into(),
            charge_code: "dog license".into(),
            amount: "15.005".into(),
            quantity: "0".into(),
            ..CategoryForm::default()
        })
        .unwrap_err();
        for f in ["description", "charge_code", "amount", "quantity"] {
            assert!(e.message_for(f).is_some(), "{f}");
        }
        assert_eq!(
            e.message_for("amount"),
            Some("Use at most 2 decimal places.")
        );
        assert_eq!(e.value_for("charge_code"), Some("dog license"));
    }

    #[test]
    fn only_an_editable_amount_may_be_zero() {
        let zero = CategoryForm {
            amount: "0".into(),
            ..form()
        };
        assert!(
            check_category(&zero)
                .unwrap_err()
                .message_for("amount")
                .is_some()
        );
        let editable = CategoryForm {
            amount_editable: Some("on".into()),
            ..zero
        };
        assert_eq!(check_category(&editable).unwrap().amount, Money::ZERO);
        let negative = CategoryForm {
            amount: "-1.00".into(),
            ..form()
        };
        assert!(check_category(&negative).is_err());
    }

    #[test]
    fn an_edit_starts_from_the_line_as_saved() {
        let c = check_category(&form()).unwrap();
        let saved = Category {
            id: 7,
            description: c.description.clone(),
            charge_code: c.charge_code.clone(),
            amount: c.amount,
            quantity: c.quantity,
            options: c.options,
            version: 1,
            division: Some(3),
        };
        let again = check_category(&CategoryForm::of(&saved)).unwrap();
        assert_eq!(
            again,
            NewCategory {
                division: Some(3),
                ..c
            }
        );
        let elsewhere = CategoryForm {
            division: "Water".into(),
            ..form()
        };
        let e = check_category(&elsewhere).unwrap_err();
        assert!(e.message_for("division").is_some());
        assert_eq!(e.value_for("division"), Some("Water"));
    }
}
