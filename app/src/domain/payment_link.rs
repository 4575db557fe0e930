//! One-time payment links (Send Payment Link, docs/payment-links.md): the
//! token a payer's link carries, where a link stands, and the Send Link
//! form's checks. Pure: the server signs and verifies tokens
//! (`services::payment_links`); this only reads and writes their text, so
//! the parser can be fuzzed on its own (`fuzz/fuzz_targets/link_token.rs`).

use super::account::coded_enum;
use super::email::Email;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Bytes of the random secret, and of the signature kept in a token.
pub const SECRET_LEN: usize = 16;
pub const TAG_LEN: usize = 16;

/// What a link's URL carries: `{id}.{secret}{tag}`, the id in decimal and
/// the secret and its signature in lowercase hex (64 characters). The
/// signature lets the server drop a forged token before any database
/// work; the secret (stored only as its SHA-256) ties it to the one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken {
    pub id: i64,
    pub secret: [u8; SECRET_LEN],
    pub tag: [u8; TAG_LEN],
}

/// The longest text a token can be: 19 digits, a dot, 64 hex digits.
pub const TOKEN_MAX_LEN: usize = 19 + 1 + 2 * (SECRET_LEN + TAG_LEN);

impl LinkToken {
    /// Reads a token; anything that is not exactly one is `None`: a
    /// non-positive or over-long id, a sign or leading zero, upper-case or
    /// missing hex, trailing text.
    pub fn parse(text: &str) -> Option<LinkToken> {
        if text.len() > TOKEN_MAX_LEN {
            return None;
        }
        let (id, rest) = text.split_once('.')?;
        if id.is_empty()
            || id.len() > 19
            || id.starts_with('0')
            || !id.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let id: i64 = id.parse().ok()?;
        if rest.len() != 2 * (SECRET_LEN + TAG_LEN) {
            return None;
        }
        let bytes = hex_lower(rest)?;
        let (secret, tag) = bytes.split_at(SECRET_LEN);
        Some(LinkToken {
            id,
            secret: secret.try_into().ok()?,
            tag: tag.try_into().ok()?,
        })
    }

    /// What the server signs: the id and the secret, with a version label
    /// so a signature made for anything else never passes as a link's.
    pub fn signed_text(id: i64, secret: &[u8; SECRET_LEN]) -> Vec<u8> {
        let mut text = format!("paydesk-link-v1|{id}|").into_bytes();
        text.extend_from_slice(secret);
        text
    }
}

impl fmt::Display for LinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.", self.id)?;
        for b in self.secret.iter().chain(&self.tag) {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Lowercase hex to bytes; anything else (upper case too, so each token
/// has one spelling) is `None`.
fn hex_lower(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

coded_enum!(
    /// How a link reaches the payer.
    LinkChannel {
        Email => "email", "Email",
        Text => "text", "Text message",
        Web => "web", "One Time Payment",
    }
);

coded_enum!(
    /// Where a link stands, as the account page and the payer page say it.
    LinkState {
        Sent => "sent", "Sent",
        Opened => "opened", "Opened",
        Paid => "paid", "Paid",
        Expired => "expired", "Expired",
        Revoked => "revoked", "Revoked",
    }
);

impl LinkState {
    /// From the row's facts. A link whose payment was declined is open
    /// again: the payer may try another card.
    pub fn of(now: i64, expires_at: i64, opened: bool, revoked: bool, paid: bool) -> LinkState {
        if paid {
            LinkState::Paid
        } else if revoked {
            LinkState::Revoked
        } else if now >= expires_at {
            LinkState::Expired
        } else if opened {
            LinkState::Opened
        } else {
            LinkState::Sent
        }
    }

    /// Whether a payment can still be made through the link.
    pub fn usable(self) -> bool {
        matches!(self, LinkState::Sent | LinkState::Opened)
    }
}

/// A mobile number for a text: ten digits (a US number), written with or
/// without `+1`, spaces, dots, dashes and parentheses. Kept as `+1` and
/// the ten digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobileNumber(String);

impl MobileNumber {
    pub fn parse(input: &str) -> Result<MobileNumber, String> {
        let bad = || "Enter a 10-digit mobile number, like 555-201-0147.".to_string();
        if input.len() > 32
            || !input
                .chars()
                .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
        {
            return Err(bad());
        }
        let digits: String = input.chars().filter(char::is_ascii_digit).collect();
        let national = match digits.len() {
            10 => digits.as_str(),
            11 if digits.starts_with('1') => &digits[1..],
            _ => return Err(bad()),
        };
        // North American numbers: neither the area code nor the exchange
        // starts with 0 or 1.
        if matches!(national.as_bytes()[0], b'0' | b'1')
            || matches!(national.as_bytes()[3], b'0' | b'1')
        {
            return Err(bad());
        }
        Ok(MobileNumber(format!("+1{national}")))
    }

    /// As a payer writes it: "555-201-0147".
    pub fn national(&self) -> String {
        let d = &self.0[2..];
        format!("{}-{}-{}", &d[..3], &d[3..6], &d[6..])
    }
}

super::string_newtype!(MobileNumber, String);

/// Send Payment Link's form, as posted (a field left out reads as empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SendLinkForm {
    pub account: String,
    /// `email` or `text`.
    pub channel: String,
    pub email: String,
    pub mobile: String,
}

/// Where a checked link goes: the channel and the address on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkAddress {
    pub channel: LinkChannel,
    pub address: String,
}

/// Send Link's checks, the same in the browser and on the server: a
/// channel, and a good address for it (only that one is checked).
pub fn check_send_form(form: &SendLinkForm) -> Result<LinkAddress, FieldErrors> {
    let mut errors = FieldErrors::new();
    let address = match LinkChannel::from_code(form.channel.trim()) {
        None | Some(LinkChannel::Web) => {
            errors.add("channel", "Choose Email or Text message.");
            None
        }
        Some(LinkChannel::Email) => match Email::parse(&form.email) {
            Ok(e) => Some(LinkAddress {
                channel: LinkChannel::Email,
                address: e.to_string(),
            }),
            Err(e) => {
                errors.add("email", e.to_string());
                None
            }
        },
        Some(LinkChannel::Text) => match MobileNumber::parse(&form.mobile) {
            Ok(m) => Some(LinkAddress {
                channel: LinkChannel::Text,
                address: m.to_string(),
            }),
            Err(e) => {
                errors.add("mobile", e);
                None
            }
        },
    };
    match address {
        Some(a) if errors.is_empty() => Ok(a),
        _ => Err(errors
            .keep("channel", &form.channel)
            .keep("email", &form.email)
            .keep("mobile", &form.mobile)),
    }
}

/// One Time Payment: failed matches in a row before the account number is
/// locked, and for how long (help center B7: four, and 30 minutes).
pub const ONE_TIME_FAILURES: i64 = 4;
pub const ONE_TIME_LOCK_MINUTES: i64 = 30;
/// How long the payment page opened by a match works.
pub const ONE_TIME_MINUTES: i64 = 30;

/// One Time Payment's identifiers: the account number and a second one,
/// the last name on the account (or the business's name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OneTimeForm {
    pub account: String,
    pub name: String,
}

/// The identifiers' shape (not whether they match): the same checks in the
/// browser and on the server. Returns the account number to look up.
pub fn check_one_time(form: &OneTimeForm) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    match check_identifiers(&form.account, &form.name, &mut errors) {
        Some(account) if errors.is_empty() => Ok(account),
        _ => Err(errors
            .keep("account", &form.account)
            .keep("name", &form.name)),
    }
}

/// The shape of the account number and the last or business name (One
/// Time Payment's and Register Now's): the account number to look up,
/// with a message on `account` or `name` in `errors` for what is wrong.
pub fn check_identifiers(account: &str, name: &str, errors: &mut FieldErrors) -> Option<String> {
    let account = super::account::AccountNumber::parse(account.trim())
        .map_err(|e| errors.add("account", e.to_string()))
        .ok();
    let name = name.trim();
    if name.is_empty() {
        errors.add(
            "name",
            "Enter the last name on the account, or the business name.",
        );
    } else if name.chars().count() > 100 {
        errors.add("name", "Use at most 100 characters.");
    }
    account.map(|a| a.as_str().to_string())
}

/// Whether `typed` is the account's last name or business name: letters
/// and digits compared without case, spaces or punctuation ("O'Brien" is
/// "obrien").
pub fn identifier_matches(typed: &str, last_name: Option<&str>, company: Option<&str>) -> bool {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let typed = fold(typed);
    !typed.is_empty()
        && [last_name, company]
            .into_iter()
            .flatten()
            .any(|n| fold(n) == typed)
}

/// A link on the account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    pub id: i64,
    pub channel: LinkChannel,
    pub address: String,
    pub sent_by: String,
    pub sent_at: String,
    pub expires_at: String,
    pub state: LinkState,
    /// The payment made through it.
    pub reference: Option<String>,
}

/// What the payer page of a link shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPage {
    pub biller: String,
    pub state: LinkState,
    /// Opened by One Time Payment's identifiers, not sent by anyone.
    pub one_time: bool,
    pub account_number: String,
    pub name: String,
    pub balance: super::money::Money,
    /// Where the receipt goes unless the payer changes it.
    pub email: Option<String>,
    pub max_payment: super::money::Money,
    pub today: super::payment::Today,
    pub expires_at: String,
    /// The payment made through the link, once it is used.
    pub reference: Option<String>,
    /// The biller's convenience fees, so the page shows the fee as the
    /// amount is typed (docs/fees.md).
    #[serde(default)]
    pub fees: super::fee::FeeSettings,
}

/// A link's receipt, for the payer who paid through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkReceipt {
    pub biller: String,
    pub reference: String,
    pub account_number: String,
    pub amount: super::money::Money,
    pub method: String,
    pub paid_at: String,
    pub email: String,
    pub status: String,
    /// The Payment Date of a payment scheduled for later (`YYYY-MM-DD`).
    #[serde(default)]
    pub scheduled_for: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> LinkToken {
        LinkToken {
            id: 42,
            secret: [0xab; SECRET_LEN],
            tag: [0x01; TAG_LEN],
        }
    }

    #[test]
    fn a_token_reads_back_what_it_writes() {
        let t = token();
        let text = t.to_string();
        assert_eq!(text.len(), 3 + 64);
        assert_eq!(LinkToken::parse(&text), Some(t));
        let big = LinkToken {
            id: i64::MAX,
            ..token()
        };
        assert_eq!(big.to_string().len(), TOKEN_MAX_LEN);
        assert_eq!(LinkToken::parse(&big.to_string()), Some(big));
    }

    #[test]
    fn anything_but_a_token_is_refused() {
        let good = token().to_string();
        let hex = &good[3..];
        for bad in [
            String::new(),
            ".".into(),
            format!(".{hex}"),
            format!("0.{hex}"),
            format!("042.{hex}"),
            format!("-42.{hex}"),
            format!("+42.{hex}"),
            format!("42.{}", &hex[1..]),
            format!("42.{hex}0"),
            format!("42.{}", hex.to_uppercase()),
            format!("42.{}g", &hex[1..]),
            format!("99999999999999999999.{hex}"),
            format!("42 .{hex}"),
            format!("42.{hex}\n"),
            format!("4é.{hex}"),
        ] {
            assert_eq!(LinkToken::parse(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_link_is_usable_until_paid_revoked_or_expired() {
        assert_eq!(LinkState::of(5, 10, false, false, false), LinkState::Sent);
        assert_eq!(LinkState::of(5, 10, true, false, false), LinkState::Opened);
        assert_eq!(
            LinkState::of(10, 10, true, false, false),
            LinkState::Expired
        );
        assert_eq!(LinkState::of(5, 10, true, true, false), LinkState::Revoked);
        // Paid wins: the payer's receipt stays findable after expiry.
        assert_eq!(LinkState::of(99, 10, true, true, true), LinkState::Paid);
        assert!(LinkState::Opened.usable());
        assert!(!LinkState::Paid.usable() && !LinkState::Expired.usable());
    }

    #[test]
    fn mobile_numbers_are_ten_digits_kept_with_the_country_code() {
        for ok in [
            "555-201-0147",
            "(555) 201 0147",
            "+1 555.201.0147",
            "15552010147",
        ] {
            let m = MobileNumber::parse(ok).unwrap();
            assert_eq!(m.as_str(), "+15552010147");
            assert_eq!(m.national(), "555-201-0147");
        }
        for bad in [
            "",
            "555-0147",
            "055-201-0147",
            "555-101-0147",
            "25552010147",
            "555-201-0147 x2",
            "５５５2010147",
        ] {
            assert!(MobileNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn one_time_identifiers_match_the_last_or_business_name_loosely() {
        assert!(identifier_matches("obrien", Some("O'Brien"), None));
        assert!(identifier_matches(" O BRIEN ", Some("O'Brien"), None));
        assert!(identifier_matches("acme co", None, Some("ACME Co.")));
        assert!(!identifier_matches("", Some(""), None));
        assert!(!identifier_matches("'", Some("'"), None));
        assert!(!identifier_matches("Brien", Some("O'Brien"), None));
        assert!(!identifier_matches("smith", None, None));
        let form = |account: &str, name: &str| OneTimeForm {
            account: account.into(),
            name: name.into(),
        };
        assert_eq!(
            check_one_time(&form(" 100003 ", "Lee")),
            Ok("100003".into())
        );
        let e = check_one_time(&form("", "")).unwrap_err();
        assert!(e.message_for("account").is_some() && e.message_for("name").is_some());
        assert!(check_one_time(&form("100003", &"x".repeat(101))).is_err());
    }

    #[test]
    fn send_link_checks_only_the_chosen_channel() {
        let form = |channel: &str, email: &str, mobile: &str| SendLinkForm {
            account: "1001".into(),
            channel: channel.into(),
            email: email.into(),
            mobile: mobile.into(),
        };
        assert_eq!(
            check_send_form(&form("email", "pat@example.com", "nonsense")),
            Ok(LinkAddress {
                channel: LinkChannel::Email,
                address: "pat@example.com".into()
            })
        );
        assert_eq!(
            check_send_form(&form("text", "", "555 201 0147")).map(|a| a.address),
            Ok("+15552010147".into())
        );
        let e = check_send_form(&form("text", "pat@example.com", "12")).unwrap_err();
        assert!(e.message_for("mobile").is_some());
        assert!(e.message_for("email").is_none());
        assert_eq!(e.value_for("mobile"), Some("12"));
        let e = check_send_form(&form("fax", "", "")).unwrap_err();
        assert!(e.message_for("channel").is_some());
    }
}
