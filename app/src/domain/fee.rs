//! Convenience fees (issue 16; help center A11's "Fee Amount"): what a
//! biller charges a payer on top of a payment, per method. Pure, so the
//! payment page shows exactly the fee the server will charge.
//!
//! The rule, written once: the fee is the flat amount plus the percentage
//! of the payment amount, the percentage's share rounded half-up to the
//! cent (2.5 cents → 3 cents, 2.4999 → 2), then raised to the minimum and
//! lowered to the maximum where they are set. It is never negative, never
//! above the maximum, and the payer is charged the amount plus the fee.
//!
//! How a payment carries its fee, the ledger's fee income and refunds:
//! docs/fees.md.

use super::money::{Money, MoneyError};
use super::payment::MethodKind;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// Percentages are kept in basis points (hundredths of a percent):
/// 2.95% is 295. Typed with at most 2 decimals, so nothing is rounded.
pub const BASIS_POINTS_PER_PERCENT: i64 = 100;
/// The highest percentage a biller may set: 100.00%.
pub const RATE_MAX_BASIS_POINTS: i64 = 100 * BASIS_POINTS_PER_PERCENT;
/// The largest flat, minimum or maximum fee: far above any real fee, so a
/// slip of the keyboard ("2500" for "25.00") is caught.
pub const FEE_LIMIT: Money = Money::from_cents(100_000);

/// One method's fee: a flat amount and/or a percentage, with an optional
/// minimum and maximum. [`FeeRule::NONE`] charges nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRule {
    pub flat: Money,
    /// Basis points of the payment amount.
    pub rate_bp: i64,
    pub min: Option<Money>,
    pub max: Option<Money>,
}

impl FeeRule {
    pub const NONE: FeeRule = FeeRule {
        flat: Money::ZERO,
        rate_bp: 0,
        min: None,
        max: None,
    };

    pub fn is_none(&self) -> bool {
        self.flat == Money::ZERO && self.rate_bp == 0 && self.min.is_none()
    }

    /// The fee on a payment of `amount` (the rule in the module's header).
    /// A payment of nothing or less pays no fee.
    pub fn fee(&self, amount: Money) -> Money {
        if !amount.is_positive() || self.is_none() {
            return Money::ZERO;
        }
        // i128: a rate of 100% on the largest amount stays exact.
        let share = (i128::from(amount.cents()) * i128::from(self.rate_bp) + 5_000) / 10_000;
        let mut cents = i128::from(self.flat.cents()) + share;
        if let Some(min) = self.min {
            cents = cents.max(i128::from(min.cents()));
        }
        if let Some(max) = self.max {
            cents = cents.min(i128::from(max.cents()));
        }
        // Every input is at least zero, so is the fee; and a rate of at
        // most 100% of an amount that fits keeps it in range.
        Money::from_cents(i64::try_from(cents.max(0)).unwrap_or(i64::MAX))
    }

    /// What the payer is charged: the amount and its fee.
    pub fn total(&self, amount: Money) -> Option<Money> {
        amount.checked_add(self.fee(amount))
    }

    /// The rule as a CSR reads it: "$1.50 + 2.95%, at least $2.00, at most $25.00".
    pub fn describe(&self) -> String {
        if self.is_none() {
            return "No fee".to_string();
        }
        // "$1.50 + 2.5%, at least $2.00, at most $25.00"; "At least $1.00".
        let mut charge = Vec::new();
        if self.flat.is_positive() {
            charge.push(self.flat.to_string());
        }
        if self.rate_bp > 0 {
            charge.push(format!("{}%", rate_text(self.rate_bp)));
        }
        let bounds: Vec<String> = [("at least", self.min), ("at most", self.max)]
            .into_iter()
            .filter_map(|(words, m)| m.map(|m| format!("{words} {m}")))
            .collect();
        match (charge.join(" + "), bounds.join(", ")) {
            (charge, bounds) if bounds.is_empty() => charge,
            // Every bound starts "at ": alone, it starts the sentence.
            (charge, bounds) if charge.is_empty() => format!("A{}", &bounds[1..]),
            (charge, bounds) => format!("{charge}, {bounds}"),
        }
    }
}

/// Basis points as typed: 295 → "2.95", 300 → "3", 250 → "2.5".
pub fn rate_text(bp: i64) -> String {
    let whole = bp / BASIS_POINTS_PER_PERCENT;
    let frac = bp % BASIS_POINTS_PER_PERCENT;
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// A fee rule as an administrator types it; blank fields are "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeForm {
    pub flat: String,
    pub percent: String,
    pub min: String,
    pub max: String,
}

/// A percentage: digits with at most 2 decimals, from 0 to 100.
fn parse_percent(input: &str) -> Result<i64, &'static str> {
    let s = input.trim().trim_end_matches('%').trim_end();
    if s.starts_with(['-', '+', '$']) {
        return Err("Enter a percentage from 0 to 100, like 2.95.");
    }
    // Money's parser has the same grammar (digits, at most 2 decimals); its
    // cents are our basis points.
    match Money::parse(s) {
        Ok(m) if m.cents() <= RATE_MAX_BASIS_POINTS => Ok(m.cents()),
        Ok(_) | Err(MoneyError::TooLarge) => Err("Enter a percentage from 0 to 100."),
        Err(MoneyError::TooManyDecimals) => Err("Use at most 2 decimal places."),
        Err(_) => Err("Enter a percentage from 0 to 100, like 2.95."),
    }
}

/// A fee amount, blank for none: 0 to [`FEE_LIMIT`], at most 2 decimals.
fn parse_fee_amount(input: &str) -> Result<Option<Money>, String> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    match Money::parse(input) {
        Ok(m) if m.cents() < 0 => Err("A fee can't be negative.".into()),
        Ok(m) if m > FEE_LIMIT => Err(format!("A fee can't be more than {FEE_LIMIT}.")),
        Ok(m) => Ok(Some(m)),
        Err(e) => Err(e.to_string()),
    }
}

impl FeeForm {
    /// The rule, or a message next to each field that is wrong.
    pub fn parse(&self) -> Result<FeeRule, FieldErrors> {
        let mut errors = FieldErrors::default();
        let flat = parse_fee_amount(&self.flat)
            .map_err(|m| errors.add("flat", m))
            .ok()
            .flatten()
            .unwrap_or(Money::ZERO);
        let rate_bp = if self.percent.trim().is_empty() {
            0
        } else {
            parse_percent(&self.percent)
                .map_err(|m| errors.add("percent", m))
                .unwrap_or(0)
        };
        // A minimum of zero is no minimum.
        let min = parse_fee_amount(&self.min)
            .map_err(|m| errors.add("min", m))
            .ok()
            .flatten()
            .filter(|m| m.is_positive());
        let max = parse_fee_amount(&self.max)
            .map_err(|m| errors.add("max", m))
            .ok()
            .flatten();
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            errors.add("max", "The maximum can't be less than the minimum.");
        }
        if errors.is_empty() {
            Ok(FeeRule {
                flat,
                rate_bp,
                min,
                max,
            })
        } else {
            Err(errors
                .keep("flat", &self.flat)
                .keep("percent", &self.percent)
                .keep("min", &self.min)
                .keep("max", &self.max))
        }
    }

    /// The form showing `rule`, for editing.
    pub fn of(rule: &FeeRule) -> FeeForm {
        let amount = |m: Money| m.plain();
        FeeForm {
            flat: if rule.flat.is_positive() {
                amount(rule.flat)
            } else {
                String::new()
            },
            percent: if rule.rate_bp > 0 {
                rate_text(rule.rate_bp)
            } else {
                String::new()
            },
            min: rule.min.map(amount).unwrap_or_default(),
            max: rule.max.map(amount).unwrap_or_default(),
        }
    }
}

/// The biller's convenience fees: a rule per method, and whether a
/// partial refund gives the fee back (a Void or a Full Reversal always
/// does). The default charges nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSettings {
    pub card: FeeRule,
    pub ach: FeeRule,
    pub partial_refund_returns_fee: bool,
    /// Bumped by every save (0 before the first), so a save made on an
    /// older copy is refused, not merged.
    pub version: i64,
}

impl FeeSettings {
    pub fn rule(&self, method: MethodKind) -> FeeRule {
        match method {
            MethodKind::Card => self.card,
            MethodKind::Ach => self.ach,
        }
    }

    /// Whether any payment pays a fee: otherwise no page mentions fees.
    pub fn any(&self) -> bool {
        !self.card.is_none() || !self.ach.is_none()
    }

    /// The fee and the total Make Payment shows for what is typed: none
    /// until the amount is one and a method is chosen.
    pub fn preview(&self, amount: &str, method: Option<MethodKind>) -> Option<(Money, Money)> {
        let amount = Money::parse(amount).ok().filter(|m| m.is_positive())?;
        let fee = self.rule(method?).fee(amount);
        Some((fee, amount.checked_add(fee)?))
    }

    /// The rules in a sentence, for a page shown before an amount is
    /// typed (or without JavaScript).
    pub fn describe(&self) -> String {
        format!(
            "Card: {}. Bank account: {}.",
            self.card.describe(),
            self.ach.describe()
        )
    }
}

/// One division's Convenience Fees page: its own rules, or the biller's
/// that it charges while it has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DivisionFees {
    pub division: i64,
    pub name: String,
    /// It charges fees of its own (else the biller's, in `settings`).
    pub own: bool,
    /// What its payers pay; the refund setting is always the biller's.
    pub settings: FeeSettings,
    /// Its own rules' version (0 while it has none): Save Changes and Use
    /// the Biller's Fees are refused if someone saved them since.
    pub version: i64,
}

/// The Convenience Fees form: both methods' rules, each field named for
/// its method (`card_flat`, `ach_percent`, ...), and the refund setting, a
/// checkbox posted as "on".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSettingsForm {
    #[serde(default)]
    pub card_flat: String,
    #[serde(default)]
    pub card_percent: String,
    #[serde(default)]
    pub card_min: String,
    #[serde(default)]
    pub card_max: String,
    #[serde(default)]
    pub ach_flat: String,
    #[serde(default)]
    pub ach_percent: String,
    #[serde(default)]
    pub ach_min: String,
    #[serde(default)]
    pub ach_max: String,
    #[serde(default)]
    pub partial_refund_returns_fee: String,
}

impl FeeSettingsForm {
    fn method(&self, method: MethodKind) -> FeeForm {
        let f = match method {
            MethodKind::Card => [
                &self.card_flat,
                &self.card_percent,
                &self.card_min,
                &self.card_max,
            ],
            MethodKind::Ach => [
                &self.ach_flat,
                &self.ach_percent,
                &self.ach_min,
                &self.ach_max,
            ],
        };
        FeeForm {
            flat: f[0].clone(),
            percent: f[1].clone(),
            min: f[2].clone(),
            max: f[3].clone(),
        }
    }

    /// The settings (at version 0: the caller stamps it), or a message
    /// next to each wrong field, with every typed value kept (both
    /// methods', so a page without JavaScript loses nothing).
    pub fn parse(&self) -> Result<FeeSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut rule = |method: MethodKind| {
            self.method(method).parse().unwrap_or_else(|e| {
                for f in e.errors {
                    errors.add(&format!("{}_{}", method.code(), f.field), f.message);
                }
                FeeRule::NONE
            })
        };
        let (card, ach) = (rule(MethodKind::Card), rule(MethodKind::Ach));
        if !errors.is_empty() {
            return Err(self
                .fields()
                .into_iter()
                .fold(errors, |e, (f, v)| e.keep(f, v)));
        }
        Ok(FeeSettings {
            card,
            ach,
            partial_refund_returns_fee: self.partial_refund_returns_fee == "on",
            version: 0,
        })
    }

    /// A method's fields' names: flat, percentage, minimum, maximum.
    pub fn names(method: MethodKind) -> [&'static str; 4] {
        match method {
            MethodKind::Card => ["card_flat", "card_percent", "card_min", "card_max"],
            MethodKind::Ach => ["ach_flat", "ach_percent", "ach_min", "ach_max"],
        }
    }

    /// Every field with its value, by its name.
    pub fn fields(&self) -> [(&'static str, &str); 9] {
        [
            ("card_flat", &self.card_flat),
            ("card_percent", &self.card_percent),
            ("card_min", &self.card_min),
            ("card_max", &self.card_max),
            ("ach_flat", &self.ach_flat),
            ("ach_percent", &self.ach_percent),
            ("ach_min", &self.ach_min),
            ("ach_max", &self.ach_max),
            (
                "partial_refund_returns_fee",
                &self.partial_refund_returns_fee,
            ),
        ]
    }

    /// The form showing `settings`, for editing.
    pub fn of(settings: &FeeSettings) -> FeeSettingsForm {
        let (card, ach) = (FeeForm::of(&settings.card), FeeForm::of(&settings.ach));
        FeeSettingsForm {
            card_flat: card.flat,
            card_percent: card.percent,
            card_min: card.min,
            card_max: card.max,
            ach_flat: ach.flat,
            ach_percent: ach.percent,
            ach_min: ach.min,
            ach_max: ach.max,
            partial_refund_returns_fee: if settings.partial_refund_returns_fee {
                "on".into()
            } else {
                String::new()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Money {
        Money::parse(s).expect("money")
    }

    fn rule(flat: &str, percent: &str, min: &str, max: &str) -> FeeRule {
        FeeForm {
            flat: flat.into(),
            percent: percent.into(),
            min: min.into(),
            max: max.into(),
        }
        .parse()
        .expect("a valid rule")
    }

    #[test]
    fn the_percentage_rounds_half_up_to_the_cent() {
        // 2.5% of $1.00 is 2.5 cents: 3.
        assert_eq!(rule("", "2.5", "", "").fee(m("1.00")), m("0.03"));
        // 2.5% of $0.98 is 2.45 cents: 2.
        assert_eq!(rule("", "2.5", "", "").fee(m("0.98")), m("0.02"));
        // 2.95% of $100.00 is exactly $2.95.
        assert_eq!(rule("", "2.95", "", "").fee(m("100.00")), m("2.95"));
        // 2.95% of $33.33 is 98.3235 cents: 98.
        assert_eq!(rule("", "2.95", "", "").fee(m("33.33")), m("0.98"));
    }

    #[test]
    fn flat_and_percentage_add_then_meet_the_minimum_and_maximum() {
        let r = rule("1.50", "3", "2.00", "25.00");
        assert_eq!(r.fee(m("10.00")), m("2.00"), "1.80 raised to the minimum");
        assert_eq!(r.fee(m("100.00")), m("4.50"));
        assert_eq!(
            r.fee(m("5000.00")),
            m("25.00"),
            "151.50 lowered to the maximum"
        );
        assert_eq!(r.total(m("100.00")), Some(m("104.50")));
    }

    #[test]
    fn no_rule_and_no_amount_charge_nothing() {
        assert_eq!(FeeRule::NONE.fee(m("100.00")), Money::ZERO);
        assert_eq!(rule("", "", "", "").fee(m("100.00")), Money::ZERO);
        assert_eq!(rule("2.00", "", "", "").fee(Money::ZERO), Money::ZERO);
        assert_eq!(rule("2.00", "", "", "").fee(m("-5.00")), Money::ZERO);
        // A minimum alone is a fee.
        assert_eq!(rule("", "", "1.00", "").fee(m("40.00")), m("1.00"));
    }

    #[test]
    fn bad_fields_are_named_and_never_rounded() {
        let e = FeeForm {
            flat: "1.505".into(),
            percent: "2.955".into(),
            min: "-1".into(),
            max: "2000".into(),
        }
        .parse()
        .expect_err("refused");
        assert_eq!(e.message_for("flat"), Some("Use at most 2 decimal places."));
        assert_eq!(
            e.message_for("percent"),
            Some("Use at most 2 decimal places.")
        );
        assert_eq!(e.message_for("min"), Some("A fee can't be negative."));
        assert_eq!(
            e.message_for("max"),
            Some("A fee can't be more than $1,000.00.")
        );
        assert_eq!(
            e.value_for("percent"),
            Some("2.955"),
            "what was typed is kept"
        );

        let e = FeeForm {
            percent: "101".into(),
            min: "5.00".into(),
            max: "4.00".into(),
            ..Default::default()
        }
        .parse()
        .expect_err("refused");
        assert_eq!(
            e.message_for("percent"),
            Some("Enter a percentage from 0 to 100.")
        );
        assert_eq!(
            e.message_for("max"),
            Some("The maximum can't be less than the minimum.")
        );
        for bad in ["-2", "abc", "$3", "1e2"] {
            let e = FeeForm {
                percent: bad.into(),
                ..Default::default()
            }
            .parse()
            .expect_err(bad);
            assert!(e.message_for("percent").is_some(), "{bad}");
        }
        assert_eq!(rule("", "2.95%", "", "").rate_bp, 295);
    }

    #[test]
    fn a_rule_reads_as_typed_and_round_trips_its_form() {
        let r = rule("1.5", "2.50", "2", "25");
        assert_eq!(r.describe(), "$1.50 + 2.5%, at least $2.00, at most $25.00");
        assert_eq!(FeeForm::of(&r).parse(), Ok(r));
        assert_eq!(FeeRule::NONE.describe(), "No fee");
        assert_eq!(rule("", "", "1", "").describe(), "At least $1.00");
        assert_eq!(
            rule("", "", "1", "3").describe(),
            "At least $1.00, at most $3.00"
        );
        assert_eq!(rule("2", "", "", "").describe(), "$2.00");
        // A zero minimum is none.
        assert_eq!(rule("", "", "0.00", "").min, None);
        assert_eq!(rate_text(295), "2.95");
        assert_eq!(rate_text(300), "3");
        assert_eq!(rate_text(5), "0.05");
    }

    fn any_rule() -> impl Strategy<Value = FeeRule> {
        (
            0i64..=FEE_LIMIT.cents(),
            0i64..=RATE_MAX_BASIS_POINTS,
            proptest::option::of(0i64..=FEE_LIMIT.cents()),
            proptest::option::of(0i64..=FEE_LIMIT.cents()),
        )
            .prop_map(|(flat, rate_bp, min, max)| {
                // A valid rule's minimum is at most its maximum.
                let (min, max) = match (min, max) {
                    (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                    other => other,
                };
                FeeRule {
                    flat: Money::from_cents(flat),
                    rate_bp,
                    min: min.map(Money::from_cents),
                    max: max.map(Money::from_cents),
                }
            })
    }

    proptest! {
        #[test]
        fn a_fee_is_never_negative_never_above_its_maximum_and_adds_up(
            r in any_rule(),
            cents in 1i64..=999_999_999_999,
        ) {
            let amount = Money::from_cents(cents);
            let fee = r.fee(amount);
            prop_assert!(fee.cents() >= 0);
            if let Some(max) = r.max {
                prop_assert!(fee <= max);
            }
            if let Some(min) = r.min {
                prop_assert!(fee >= min);
            }
            prop_assert_eq!(r.total(amount), Some(Money::from_cents(cents + fee.cents())));
        }

        #[test]
        fn the_percentage_is_the_exact_share_rounded_half_up(
            rate_bp in 0i64..=RATE_MAX_BASIS_POINTS,
            cents in 1i64..=999_999_999,
        ) {
            let r = FeeRule { rate_bp, ..FeeRule::NONE };
            let exact = i128::from(cents) * i128::from(rate_bp); // in 1/10,000 of a cent
            let fee = i128::from(r.fee(Money::from_cents(cents)).cents()) * 10_000;
            // Within half a cent, and exactly half a cent rounds up.
            prop_assert!(fee - exact <= 5_000 && exact - fee < 5_000);
        }

        #[test]
        fn a_rule_comes_back_from_its_form(r in any_rule()) {
            // A zero minimum is no minimum.
            let r = FeeRule { min: r.min.filter(|m| m.is_positive()), ..r };
            prop_assert_eq!(FeeForm::of(&r).parse(), Ok(r));
        }

        #[test]
        fn a_larger_payment_never_pays_a_smaller_fee(
            r in any_rule(),
            a in 1i64..=999_999_999,
            b in 1i64..=999_999_999,
        ) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(r.fee(Money::from_cents(lo)) <= r.fee(Money::from_cents(hi)));
        }
    }

    #[test]
    fn the_settings_form_names_each_message_for_its_method() {
        let form = FeeSettingsForm {
            card_percent: "2.955".into(),
            ach_flat: "-1".into(),
            ach_min: "2.00".into(),
            ach_max: "1.00".into(),
            partial_refund_returns_fee: "on".into(),
            ..Default::default()
        };
        let e = form.parse().unwrap_err();
        assert_eq!(
            e.message_for("card_percent"),
            Some("Use at most 2 decimal places.")
        );
        assert_eq!(e.message_for("ach_flat"), Some("A fee can't be negative."));
        assert_eq!(
            e.message_for("ach_max"),
            Some("The maximum can't be less than the minimum.")
        );
        assert_eq!(e.message_for("card_flat"), None);
        // What was typed comes back, under the same names.
        assert_eq!(e.value_for("card_percent"), Some("2.955"));
        assert_eq!(e.value_for("ach_min"), Some("2.00"));
        assert_eq!(e.value_for("partial_refund_returns_fee"), Some("on"));
        // A method without a fault keeps what was typed too.
        let one_bad = FeeSettingsForm {
            card_percent: "x".into(),
            ach_flat: "1.25".into(),
            ..Default::default()
        };
        let e = one_bad.parse().unwrap_err();
        assert_eq!(e.value_for("ach_flat"), Some("1.25"));
    }

    #[test]
    fn settings_round_trip_their_form_and_pick_the_method_s_rule() {
        let form = FeeSettingsForm {
            card_flat: "0.50".into(),
            card_percent: "2.95".into(),
            card_max: "25.00".into(),
            ach_flat: "1.25".into(),
            ..Default::default()
        };
        let s = form.parse().unwrap();
        assert!(s.any() && !s.partial_refund_returns_fee);
        assert_eq!(s.rule(MethodKind::Card).fee(m("100.00")), m("3.45"));
        assert_eq!(s.rule(MethodKind::Ach).fee(m("100.00")), m("1.25"));
        assert_eq!(FeeSettingsForm::of(&s), form);
        assert!(!FeeSettings::default().any());
    }

    #[test]
    fn the_preview_waits_for_an_amount_and_a_method() {
        let s = FeeSettingsForm {
            card_percent: "3".into(),
            ach_flat: "1.00".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(
            s.preview("50.00", Some(MethodKind::Card)),
            Some((m("1.50"), m("51.50")))
        );
        assert_eq!(
            s.preview(" 50 ", Some(MethodKind::Ach)),
            Some((m("1.00"), m("51.00")))
        );
        assert_eq!(s.preview("50.00", None), None);
        assert_eq!(s.preview("", Some(MethodKind::Card)), None);
        assert_eq!(s.preview("0", Some(MethodKind::Card)), None);
        assert_eq!(s.preview("1.234", Some(MethodKind::Card)), None);
        assert_eq!(s.describe(), "Card: 3%. Bank account: $1.00.");
    }
}
