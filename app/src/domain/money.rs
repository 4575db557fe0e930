//! Money as exact integer cents. Floats never touch an amount: text is parsed
//! digit by digit, and `rust_decimal` is used only where amounts cross an edge
//! on the server (exports, other systems); the browser build leaves it out.

#[cfg(feature = "ssr")]
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of US dollars, stored as a whole number of cents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Enter an amount.")]
    Empty,
    #[error("Enter an amount like 125.50.")]
    Malformed,
    #[error("Use at most 2 decimal places.")]
    TooManyDecimals,
    #[error("That amount is too large.")]
    TooLarge,
}

/// The largest amount we accept anywhere: far above any bill, far below
/// where cents overflow an i64.
const MAX_CENTS: i64 = 999_999_999_999_999;

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Self {
        Money(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Parses what a person types: `125`, `125.5`, `1,250.50`, `$1,250.50`,
    /// `-20.00`. Rejects exponents, more than 2 decimals and malformed digit
    /// groups rather than guessing what was meant.
    pub fn parse(input: &str) -> Result<Money, MoneyError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let s = s.strip_prefix('$').unwrap_or(s);
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        let whole_digits = strip_thousands(whole).ok_or(MoneyError::Malformed)?;
        if whole_digits.is_empty() && frac.is_none_or(str::is_empty) {
            return Err(MoneyError::Malformed);
        }
        let frac_digits = frac.unwrap_or("");
        if !frac_digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::Malformed);
        }
        if frac.is_some() && frac_digits.is_empty() && whole_digits.is_empty() {
            return Err(MoneyError::Malformed);
        }
        if frac_digits.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let mut cents: i64 = 0;
        for b in whole_digits.bytes() {
            cents = cents
                .checked_mul(10)
                .and_then(|c| c.checked_add(i64::from(b - b'0')))
                .ok_or(MoneyError::TooLarge)?;
        }
        let mut frac_cents = 0i64;
        for (i, b) in frac_digits.bytes().enumerate() {
            frac_cents += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
        }
        cents = cents
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac_cents))
            .filter(|c| *c <= MAX_CENTS)
            .ok_or(MoneyError::TooLarge)?;
        Ok(Money(if negative { -cents } else { cents }))
    }

    /// Converts an edge value; a value with more than 2 significant decimals
    /// is refused, never rounded.
    #[cfg(feature = "ssr")]
    pub fn try_from_decimal(d: Decimal) -> Result<Money, MoneyError> {
        let d = d.normalize();
        if d.scale() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let cents = (d * Decimal::ONE_HUNDRED).trunc();
        let cents: i64 = cents.try_into().map_err(|_| MoneyError::TooLarge)?;
        if cents.abs() > MAX_CENTS {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money(cents))
    }

    #[cfg(feature = "ssr")]
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// `1250.5` → `"1250.50"`: the form a field is prefilled with.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Accepts `1234` or correctly grouped `1,234,567`; returns the bare digits.
fn strip_thousands(whole: &str) -> Option<String> {
    if !whole.contains(',') {
        return whole
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| whole.to_string());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    let digits_ok = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    (first_ok && rest_ok && digits_ok).then(|| groups.concat())
}

/// `$1,250.50`, `-$20.00`: how amounts are shown to people.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let dollars = (abs / 100).to_string();
        let mut grouped = String::with_capacity(dollars.len() + dollars.len() / 3);
        for (i, ch) in dollars.chars().enumerate() {
            if i > 0 && (dollars.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}${grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn p(s: &str) -> Result<i64, MoneyError> {
        Money::parse(s).map(Money::cents)
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(p("125"), Ok(12_500));
        assert_eq!(p("125.5"), Ok(12_550));
        assert_eq!(p("125.05"), Ok(12_505));
        assert_eq!(p(" $1,250.50 "), Ok(125_050));
        assert_eq!(p(".75"), Ok(75));
        assert_eq!(p("-20.00"), Ok(-2_000));
        assert_eq!(p("0"), Ok(0));
        assert_eq!(p("9,999,999,999.99"), Ok(999_999_999_999));
    }

    #[test]
    fn refuses_rather_than_rounds() {
        assert_eq!(p("1.005"), Err(MoneyError::TooManyDecimals));
        assert_eq!(p("1e3"), Err(MoneyError::Malformed));
        assert_eq!(p(""), Err(MoneyError::Empty));
        assert_eq!(p("  "), Err(MoneyError::Empty));
        assert_eq!(p("."), Err(MoneyError::Malformed));
        assert_eq!(p("12,34"), Err(MoneyError::Malformed));
        assert_eq!(p("1,2345"), Err(MoneyError::Malformed));
        assert_eq!(p("1.2.3"), Err(MoneyError::Malformed));
        assert_eq!(p("abc"), Err(MoneyError::Malformed));
        assert_eq!(p("--1"), Err(MoneyError::Malformed));
        assert_eq!(p("1.-5"), Err(MoneyError::Malformed));
        assert_eq!(p("99999999999999999999"), Err(MoneyError::TooLarge));
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn decimal_edges_are_exact() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(
            Money::try_from_decimal(d("12.30")).map(Money::cents),
            Ok(1_230)
        );
        assert_eq!(
            Money::try_from_decimal(d("12.300")).map(Money::cents),
            Ok(1_230)
        );
        assert_eq!(
            Money::try_from_decimal(d("1.005")),
            Err(MoneyError::TooManyDecimals)
        );
        assert_eq!(Money::from_cents(1_230).to_decimal().to_string(), "12.30");
    }

    #[test]
    fn displays_like_a_bill() {
        assert_eq!(Money::from_cents(125_050).to_string(), "$1,250.50");
        assert_eq!(Money::from_cents(-2_000).to_string(), "-$20.00");
        assert_eq!(Money::from_cents(5).to_string(), "$0.05");
        assert_eq!(Money::from_cents(100_000_000).to_string(), "$1,000,000.00");
        assert_eq!(Money::from_cents(-5).plain(), "-0.05");
    }
}
