//! Card entry checks: number (Luhn and brand), expiry, CVV, billing ZIP.
//! The full number exists only while a form is checked and tokenized; what is
//! kept is the brand, the last 4 digits and the expiry.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
}

impl CardBrand {
    pub fn label(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::Mastercard => "Mastercard",
            CardBrand::Amex => "Amex",
            CardBrand::Discover => "Discover",
        }
    }

    pub fn from_label(label: &str) -> Option<CardBrand> {
        [
            CardBrand::Visa,
            CardBrand::Mastercard,
            CardBrand::Amex,
            CardBrand::Discover,
        ]
        .into_iter()
        .find(|b| b.label() == label)
    }

    /// Identifies the brand from the leading digits (the IIN ranges).
    pub fn detect(digits: &str) -> Option<CardBrand> {
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
        match (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6)) {
            (Some(4), ..) => Some(CardBrand::Visa),
            (_, Some(34 | 37), ..) => Some(CardBrand::Amex),
            (_, Some(51..=55), ..) => Some(CardBrand::Mastercard),
            (_, _, _, Some(2221..=2720), _) => Some(CardBrand::Mastercard),
            (_, _, _, Some(6011), _) | (_, Some(65), ..) => Some(CardBrand::Discover),
            (_, _, Some(644..=649), ..) => Some(CardBrand::Discover),
            (.., Some(622126..=622925)) => Some(CardBrand::Discover),
            _ => None,
        }
    }

    fn lengths(self) -> &'static [usize] {
        match self {
            CardBrand::Visa => &[13, 16, 19],
            CardBrand::Mastercard => &[16],
            CardBrand::Amex => &[15],
            CardBrand::Discover => &[16, 19],
        }
    }

    pub fn cvv_len(self) -> usize {
        if self == CardBrand::Amex { 4 } else { 3 }
    }
}

impl fmt::Display for CardBrand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A card number that passed every check. Deliberately not `Serialize` and
/// with a redacting `Debug`, so it cannot reach a log or a response by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber {
    digits: String,
    brand: CardBrand,
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber({} •••• {})", self.brand, self.last4())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("Enter the card number.")]
    EmptyNumber,
    #[error("A card number has only digits (spaces and dashes are fine).")]
    NumberCharacters,
    #[error("We accept Visa, Mastercard, American Express and Discover.")]
    UnknownBrand,
    #[error("That is too short or too long for a {0} card.")]
    NumberLength(CardBrand),
    #[error("That card number is not valid. Check it for a typo.")]
    Luhn,
    #[error("Enter the expiry as MM/YY.")]
    ExpiryFormat,
    #[error("The month must be 01 to 12.")]
    ExpiryMonth,
    #[error("This card has expired.")]
    Expired,
    #[error("Enter the {0}-digit security code (CVV).")]
    Cvv(usize),
    #[error("Enter a 5-digit ZIP code (or ZIP+4).")]
    Zip,
    #[error("Enter the name on the card.")]
    Name,
}

/// The Luhn (mod 10) check every card number carries.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl CardNumber {
    pub fn parse(input: &str) -> Result<CardNumber, CardError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(CardError::EmptyNumber);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        {
            return Err(CardError::NumberCharacters);
        }
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let brand = CardBrand::detect(&digits).ok_or(CardError::UnknownBrand)?;
        if !brand.lengths().contains(&digits.len()) {
            return Err(CardError::NumberLength(brand));
        }
        if !luhn_valid(&digits) {
            return Err(CardError::Luhn);
        }
        Ok(CardNumber { digits, brand })
    }

    pub fn brand(&self) -> CardBrand {
        self.brand
    }

    pub fn last4(&self) -> &str {
        &self.digits[self.digits.len() - 4..]
    }

    /// The digits, for the processor call only.
    pub fn expose(&self) -> &str {
        &self.digits
    }
}

/// A card's expiry month. Cards are valid through the last day of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Expiry {
    pub year: u16,
    pub month: u8,
}

impl Expiry {
    /// Parses `MM/YY` (also `MM/YYYY`, `MMYY`, `M/YY`); `today` is (year, month).
    pub fn parse(input: &str, today: (u16, u8)) -> Result<Expiry, CardError> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        let (m, y) = match s.split_once('/') {
            Some((m, y)) => (m.to_string(), y.to_string()),
            None if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) => {
                (s[..2].to_string(), s[2..].to_string())
            }
            None => return Err(CardError::ExpiryFormat),
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(&m) || !digits(&y) || m.len() > 2 || !(y.len() == 2 || y.len() == 4) {
            return Err(CardError::ExpiryFormat);
        }
        let month: u8 = m.parse().map_err(|_| CardError::ExpiryFormat)?;
        if !(1..=12).contains(&month) {
            return Err(CardError::ExpiryMonth);
        }
        let mut year: u16 = y.parse().map_err(|_| CardError::ExpiryFormat)?;
        if y.len() == 2 {
            year += 2000;
        }
        let exp = Expiry { year, month };
        if exp
            < (Expiry {
                year: today.0,
                month: today.1,
            })
        {
            return Err(CardError::Expired);
        }
        Ok(exp)
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}", self.month, self.year % 100)
    }
}

pub fn check_cvv(input: &str, brand: Option<CardBrand>) -> Result<(), CardError> {
    let s = input.trim();
    let ok = match brand {
        Some(b) => s.len() == b.cvv_len(),
        None => (3..=4).contains(&s.len()),
    };
    if ok && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CardError::Cvv(brand.map_or(3, CardBrand::cvv_len)))
    }
}

/// `12345` or `12345-6789`; returns it trimmed.
pub fn check_zip(input: &str) -> Result<String, CardError> {
    let s = input.trim();
    let ok = match s.split_once('-') {
        Some((a, b)) => {
            a.len() == 5 && b.len() == 4 && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
        }
        None => s.len() == 5 && s.bytes().all(|c| c.is_ascii_digit()),
    };
    if ok {
        Ok(s.to_string())
    } else {
        Err(CardError::Zip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("378282246310005"));
        assert!(luhn_valid("0"));
        assert!(!luhn_valid("4242424242424241"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("42a2"));
    }

    #[test]
    fn brands_are_detected_from_the_number() {
        assert_eq!(CardBrand::detect("4242424242424242"), Some(CardBrand::Visa));
        assert_eq!(
            CardBrand::detect("5555555555554444"),
            Some(CardBrand::Mastercard)
        );
        assert_eq!(
            CardBrand::detect("2223003122003222"),
            Some(CardBrand::Mastercard)
        );
        assert_eq!(CardBrand::detect("378282246310005"), Some(CardBrand::Amex));
        assert_eq!(
            CardBrand::detect("6011111111111117"),
            Some(CardBrand::Discover)
        );
        assert_eq!(CardBrand::detect("9999999999999995"), None);
    }

    #[test]
    fn card_numbers_accept_spaces_and_check_everything() {
        let c = CardNumber::parse("3782 822463 10005").unwrap();
        assert_eq!((c.brand(), c.last4()), (CardBrand::Amex, "0005"));
        assert_eq!(
            format!("{c:?}"),
            "CardNumber(Amex •••• 0005)",
            "Debug never shows the number"
        );
        assert!(CardNumber::parse("4242-4242-4242-4242").is_ok());
        assert_eq!(CardNumber::parse(""), Err(CardError::EmptyNumber));
        assert_eq!(
            CardNumber::parse("4242 4242 4242 424x"),
            Err(CardError::NumberCharacters)
        );
        assert_eq!(
            CardNumber::parse("4242 4242 4242 4241"),
            Err(CardError::Luhn)
        );
        assert_eq!(
            CardNumber::parse("4242 4242 4242 42"),
            Err(CardError::NumberLength(CardBrand::Visa))
        );
        assert_eq!(
            CardNumber::parse("9999 9999 9999 9995"),
            Err(CardError::UnknownBrand)
        );
    }

    #[test]
    fn expiry_is_mm_yy_and_not_in_the_past() {
        let today = (2026, 11);
        assert_eq!(
            Expiry::parse("11/26", today),
            Ok(Expiry {
                year: 2026,
                month: 11
            }),
            "valid through its month"
        );
        assert_eq!(
            Expiry::parse("0130", today),
            Ok(Expiry {
                year: 2030,
                month: 1
            })
        );
        assert_eq!(
            Expiry::parse("3/2031", today),
            Ok(Expiry {
                year: 2031,
                month: 3
            })
        );
        assert_eq!(Expiry::parse("10/26", today), Err(CardError::Expired));
        assert_eq!(Expiry::parse("13/28", today), Err(CardError::ExpiryMonth));
        assert_eq!(Expiry::parse("00/28", today), Err(CardError::ExpiryMonth));
        assert_eq!(Expiry::parse("12-28", today), Err(CardError::ExpiryFormat));
        assert_eq!(Expiry::parse("", today), Err(CardError::ExpiryFormat));
        assert_eq!(
            Expiry {
                year: 2030,
                month: 1
            }
            .to_string(),
            "01/30"
        );
    }

    #[test]
    fn cvv_length_follows_the_brand() {
        assert!(check_cvv("123", Some(CardBrand::Visa)).is_ok());
        assert_eq!(
            check_cvv("1234", Some(CardBrand::Visa)),
            Err(CardError::Cvv(3))
        );
        assert!(check_cvv("1234", Some(CardBrand::Amex)).is_ok());
        assert_eq!(check_cvv("12a", None), Err(CardError::Cvv(3)));
    }

    #[test]
    fn zip_codes() {
        assert_eq!(check_zip(" 02139 "), Ok("02139".into()));
        assert!(check_zip("02139-4307").is_ok());
        assert!(check_zip("2139").is_err());
        assert!(check_zip("02139-43").is_err());
    }
}
