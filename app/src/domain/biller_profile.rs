//! The biller's Profile (help center A2): who the biller is to payers and
//! how payers reach them. Administrators keep it on the console's Profile
//! page; receipts, payer notices and the payer site's Customer Service
//! show it. Pure: the same checks run in the browser and on the server.

use super::email::Email;
use super::payment_link::MobileNumber;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// The longest free text kept (Contact Information, Address).
pub const TEXT_MAX: usize = 500;
/// The longest one-line value kept.
pub const LINE_MAX: usize = 120;

/// The Profile as stored and shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillerProfile {
    /// The biller's unique key (read-only: set at installation).
    pub biller_key: String,
    /// The name payers see on receipts, notices and the payer site.
    pub biller_name: String,
    pub payer_login_url: String,
    pub biller_dnis: String,
    pub contact_info: String,
    pub support_email: String,
    pub support_phone: String,
    pub address: String,
}

impl BillerProfile {
    /// The lines payers see under "Customer Service".
    pub fn customer_service(&self) -> Vec<String> {
        let mut lines = vec![self.biller_name.clone()];
        lines.extend(
            self.address
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
        // Empty only before the first Save Changes (the name is the
        // configuration's until then).
        if !self.support_phone.is_empty() {
            lines.push(format!("Phone: {}", self.support_phone));
        }
        if !self.support_email.is_empty() {
            lines.push(format!("Email: {}", self.support_email));
        }
        lines
    }
}

/// The Profile page's form, as posted (Biller Key is not among its fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BillerProfileForm {
    pub biller_name: String,
    pub payer_login_url: String,
    pub biller_dnis: String,
    pub contact_info: String,
    pub support_email: String,
    pub support_phone: String,
    pub address: String,
}

/// A 10-digit North American number (Make Payment's mobile number rules),
/// kept as 800-555-0147.
fn phone(input: &str) -> Result<String, &'static str> {
    MobileNumber::parse(input)
        .map(|n| n.national())
        .map_err(|_| "Enter a 10-digit phone number, like 800-555-0147.")
}

impl BillerProfileForm {
    /// The checked form as the Profile of the biller `key`.
    pub fn with_key(self, biller_key: String) -> BillerProfile {
        BillerProfile {
            biller_key,
            biller_name: self.biller_name,
            payer_login_url: self.payer_login_url,
            biller_dnis: self.biller_dnis,
            contact_info: self.contact_info,
            support_email: self.support_email,
            support_phone: self.support_phone,
            address: self.address,
        }
    }
}

/// Save Changes' checks, field by field. Returns the values as kept.
pub fn check_biller_profile(form: &BillerProfileForm) -> Result<BillerProfileForm, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut out = BillerProfileForm::default();
    let line = |errors: &mut FieldErrors, field: &str, v: &str, required: Option<&str>| -> String {
        let v = v.trim();
        if v.is_empty() {
            if let Some(m) = required {
                errors.add(field, m);
            }
        } else if v.chars().count() > LINE_MAX {
            errors.add(field, format!("Use at most {LINE_MAX} characters."));
        }
        v.to_string()
    };
    out.biller_name = line(
        &mut errors,
        "biller_name",
        &form.biller_name,
        Some("Enter the name payers see."),
    );
    let url = line(&mut errors, "payer_login_url", &form.payer_login_url, None);
    let https = url.starts_with("https://")
        && url.len() > "https://".len()
        && !url.contains(char::is_whitespace);
    if !url.is_empty() && !https {
        errors.add(
            "payer_login_url",
            "Enter an address that starts with https://.",
        );
    }
    out.payer_login_url = url;
    let dnis = form.biller_dnis.trim();
    out.biller_dnis = if dnis.is_empty() {
        String::new()
    } else {
        phone(dnis).unwrap_or_else(|e| {
            errors.add("biller_dnis", e);
            dnis.to_string()
        })
    };
    let text = |errors: &mut FieldErrors, field: &str, v: &str, required: &str| -> String {
        let v = v.trim().replace("\r\n", "\n");
        if v.is_empty() {
            errors.add(field, required);
        } else if v.chars().count() > TEXT_MAX {
            errors.add(field, format!("Use at most {TEXT_MAX} characters."));
        }
        v
    };
    out.contact_info = text(
        &mut errors,
        "contact_info",
        &form.contact_info,
        "Enter the biller's contacts.",
    );
    out.address = text(
        &mut errors,
        "address",
        &form.address,
        "Enter the address payers see.",
    );
    let email = form.support_email.trim();
    out.support_email = if email.is_empty() {
        String::new()
    } else {
        match Email::parse(email) {
            Ok(e) => e.as_str().to_string(),
            Err(e) => {
                errors.add("support_email", e.to_string());
                email.to_string()
            }
        }
    };
    let sp = form.support_phone.trim();
    out.support_phone = if sp.is_empty() {
        errors.add("support_phone", "Enter the phone number payers call.");
        String::new()
    } else {
        phone(sp).unwrap_or_else(|e| {
            errors.add("support_phone", e);
            sp.to_string()
        })
    };
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors
            .keep("biller_name", &form.biller_name)
            .keep("payer_login_url", &form.payer_login_url)
            .keep("biller_dnis", &form.biller_dnis)
            .keep("contact_info", &form.contact_info)
            .keep("support_email", &form.support_email)
            .keep("support_phone", &form.support_phone)
            .keep("address", &form.address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> BillerProfileForm {
        BillerProfileForm {
            biller_name: " Town of Lakeside ".into(),
            payer_login_url: "https://pay.lakeside.example/p".into(),
            biller_dnis: "".into(),
            contact_info: "Jo Clerk, jo@lakeside.example\r\nFinance office".into(),
            support_email: "help@lakeside.example".into(),
            support_phone: "(800) 555 0147".into(),
            address: "1 Main St\nLakeside, ME 04000".into(),
        }
    }

    #[test]
    fn a_good_profile_is_kept_tidy() {
        let p = check_biller_profile(&good()).unwrap();
        assert_eq!(p.biller_name, "Town of Lakeside");
        assert_eq!(p.support_phone, "800-555-0147");
        assert_eq!(
            p.contact_info,
            "Jo Clerk, jo@lakeside.example\nFinance office"
        );
    }

    #[test]
    fn required_fields_and_formats_are_named() {
        let form = BillerProfileForm {
            biller_name: " ".into(),
            payer_login_url: "http://pay.example".into(),
            biller_dnis: "12".into(),
            contact_info: "".into(),
            support_email: "nope".into(),
            support_phone: "".into(),
            address: "x".repeat(TEXT_MAX + 1),
        };
        let e = check_biller_profile(&form).unwrap_err();
        for f in [
            "biller_name",
            "payer_login_url",
            "biller_dnis",
            "contact_info",
            "support_email",
            "support_phone",
            "address",
        ] {
            assert!(e.message_for(f).is_some(), "{f}");
        }
        assert_eq!(e.value_for("support_email"), Some("nope"));
    }

    #[test]
    fn customer_service_shows_what_payers_need() {
        let p = check_biller_profile(&good()).unwrap();
        let shown = p.with_key("lakeside".into());
        assert_eq!(
            shown.customer_service(),
            vec![
                "Town of Lakeside",
                "1 Main St",
                "Lakeside, ME 04000",
                "Phone: 800-555-0147",
                "Email: help@lakeside.example",
            ]
        );
        // Contact Information is for the record, never shown to payers.
        assert!(!shown.customer_service().concat().contains("Jo Clerk"));
    }
}
