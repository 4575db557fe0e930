//! Email addresses as a receipt or sign-in contact: strict enough to catch
//! typos, loose enough for every address a biller actually has on file.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("Enter an email address like name@example.com.")]
    Malformed,
}

impl Email {
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if local_ok && domain_ok && s.len() <= 254 {
            Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
        } else {
            Err(EmailError::Malformed)
        }
    }
}

super::string_newtype!(Email, EmailError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_addresses_and_lowercases_the_domain() {
        assert_eq!(
            Email::parse(" Pat.O'Neil+bills@Example.COM ")
                .unwrap()
                .as_str(),
            "Pat.O'Neil+bills@example.com"
        );
        assert!(Email::parse("a@b.co").is_ok());
        assert!(Email::parse("x@mail.city-utilities.org").is_ok());
    }

    #[test]
    fn rejects_typos() {
        for bad in [
            "pat",
            "pat@",
            "@example.com",
            "pat@example",
            "pat@@example.com",
            "pat@example..com",
            "pat @example.com",
            "pat@-example.com",
            "pat@example.c",
            ".pat@example.com",
            "pat@example.123",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Malformed), "{bad}");
        }
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
    }
}
