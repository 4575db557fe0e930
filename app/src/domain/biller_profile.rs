//! The biller's Profile (help center A2): who the biller is to payers and
//! how payers reach them, and who the biller is to its bank (the ACH
//! originator settings every NACHA file carries). Administrators keep it
//! on the console's Profile page; receipts, payer notices and the payer
//! site's Customer Service show it. Pure: the same checks run in the
//! browser and on the server.

use super::bank::check_routing;
use super::email::Email;
use super::nacha::Originator;
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
    /// The ACH originator settings (NACHA's file header and batch header
    /// fields; `Originator` says what each is).
    pub ach_company_name: String,
    pub ach_company_id: String,
    pub ach_odfi_routing: String,
    pub ach_destination: String,
    pub ach_destination_name: String,
    pub ach_origin: String,
    pub ach_origin_name: String,
}

impl BillerProfile {
    /// Who the NACHA files say they come from.
    pub fn originator(&self) -> Originator {
        Originator {
            immediate_destination: self.ach_destination.clone(),
            immediate_destination_name: self.ach_destination_name.clone(),
            immediate_origin: self.ach_origin.clone(),
            immediate_origin_name: self.ach_origin_name.clone(),
            company_name: self.ach_company_name.clone(),
            company_id: self.ach_company_id.clone(),
            odfi_routing: self.ach_odfi_routing.clone(),
        }
    }

    /// The same Profile with `o` as its ACH originator settings.
    pub fn with_originator(self, o: &Originator) -> Self {
        BillerProfile {
            ach_company_name: o.company_name.clone(),
            ach_company_id: o.company_id.clone(),
            ach_odfi_routing: o.odfi_routing.clone(),
            ach_destination: o.immediate_destination.clone(),
            ach_destination_name: o.immediate_destination_name.clone(),
            ach_origin: o.immediate_origin.clone(),
            ach_origin_name: o.immediate_origin_name.clone(),
            ..self
        }
    }

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
    pub ach_company_name: String,
    pub ach_company_id: String,
    pub ach_odfi_routing: String,
    pub ach_destination: String,
    pub ach_destination_name: String,
    pub ach_origin: String,
    pub ach_origin_name: String,
}

/// NACHA's widths: the batch header's Company Name, the file header's
/// destination and origin names.
pub const COMPANY_NAME_MAX: usize = 16;
pub const BANK_NAME_MAX: usize = 23;

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
            ach_company_name: self.ach_company_name,
            ach_company_id: self.ach_company_id,
            ach_odfi_routing: self.ach_odfi_routing,
            ach_destination: self.ach_destination,
            ach_destination_name: self.ach_destination_name,
            ach_origin: self.ach_origin,
            ach_origin_name: self.ach_origin_name,
        }
    }
}

/// A NACHA name field: required, at most `max` characters of what a NACHA
/// file can carry (ASCII letters, digits, spaces and punctuation; the file
/// upper-cases them).
pub(crate) fn nacha_name(v: &str, max: usize, required: &'static str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() {
        Err(required.into())
    } else if !v.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        Err("Use only letters, digits, spaces and punctuation without accents.".into())
    } else if v.chars().count() > max {
        Err(format!("A NACHA file has room for {max} characters."))
    } else {
        Ok(v.to_string())
    }
}

/// Ten characters as NACHA identifies an originator: "1" and the 9-digit
/// EIN, or what the bank assigned.
pub(crate) fn nacha_id(v: &str, required: &'static str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() {
        Err(required.into())
    } else if v.len() == 10 && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(v.to_ascii_uppercase())
    } else {
        Err("Enter 10 letters or digits, usually 1 and the 9-digit EIN.".into())
    }
}

/// The Immediate Origin: a Company ID, or 9 digits that the file carries
/// after a space (NACHA's other usual form).
fn nacha_origin(v: &str) -> Result<String, String> {
    let t = v.trim();
    if t.len() == 9 && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(format!(" {t}"))
    } else {
        nacha_id(t, "Enter the Immediate Origin your bank gave you.")
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
    let mut ach = |field: &str, checked: Result<String, String>, typed: &str| {
        checked.unwrap_or_else(|e| {
            errors.add(field, e);
            typed.to_string()
        })
    };
    out.ach_company_name = ach(
        "ach_company_name",
        nacha_name(
            &form.ach_company_name,
            COMPANY_NAME_MAX,
            "Enter the company name your bank knows.",
        ),
        &form.ach_company_name,
    );
    out.ach_company_id = ach(
        "ach_company_id",
        nacha_id(
            &form.ach_company_id,
            "Enter the Company ID your bank gave you.",
        ),
        &form.ach_company_id,
    );
    let routing = |v: &str| check_routing(v).map_err(|e| e.to_string());
    out.ach_odfi_routing = ach(
        "ach_odfi_routing",
        routing(&form.ach_odfi_routing),
        &form.ach_odfi_routing,
    );
    out.ach_destination = ach(
        "ach_destination",
        routing(&form.ach_destination),
        &form.ach_destination,
    );
    out.ach_destination_name = ach(
        "ach_destination_name",
        nacha_name(
            &form.ach_destination_name,
            BANK_NAME_MAX,
            "Enter the name of the bank that receives the file.",
        ),
        &form.ach_destination_name,
    );
    out.ach_origin = ach(
        "ach_origin",
        nacha_origin(&form.ach_origin),
        &form.ach_origin,
    );
    out.ach_origin_name = ach(
        "ach_origin_name",
        nacha_name(
            &form.ach_origin_name,
            BANK_NAME_MAX,
            "Enter the name the file is sent under.",
        ),
        &form.ach_origin_name,
    );
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
            .keep("address", &form.address)
            .keep("ach_company_name", &form.ach_company_name)
            .keep("ach_company_id", &form.ach_company_id)
            .keep("ach_odfi_routing", &form.ach_odfi_routing)
            .keep("ach_destination", &form.ach_destination)
            .keep("ach_destination_name", &form.ach_destination_name)
            .keep("ach_origin", &form.ach_origin)
            .keep("ach_origin_name", &form.ach_origin_name))
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
            ach_company_name: "Town of Lakeside".into(),
            ach_company_id: "1234567890".into(),
            ach_odfi_routing: "091000019".into(),
            ach_destination: " 091000019".into(),
            ach_destination_name: "First Lakeside Bank".into(),
            ach_origin: "123456789".into(),
            ach_origin_name: "Town of Lakeside".into(),
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
            ach_company_name: "Town of Lakeside Water".into(),
            ach_company_id: "12345".into(),
            ach_odfi_routing: "091000018".into(),
            ach_destination: "".into(),
            ach_destination_name: "Banque Québec".into(),
            ach_origin: "12 3456789".into(),
            ach_origin_name: " ".into(),
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
            "ach_company_name",
            "ach_company_id",
            "ach_odfi_routing",
            "ach_destination",
            "ach_destination_name",
            "ach_origin",
            "ach_origin_name",
        ] {
            assert!(e.message_for(f).is_some(), "{f}");
        }
        assert_eq!(e.value_for("support_email"), Some("nope"));
        assert_eq!(e.value_for("ach_company_id"), Some("12345"));
        assert!(
            e.message_for("ach_company_name")
                .is_some_and(|m| m.contains("16 characters"))
        );
    }

    #[test]
    fn the_ach_settings_are_what_a_nacha_file_needs() {
        let p = check_biller_profile(&good())
            .unwrap()
            .with_key("lakeside".into());
        let o = p.originator();
        assert_eq!(o.company_id, "1234567890");
        assert_eq!(o.immediate_destination, "091000019");
        // Nine digits of origin are NACHA's " 123456789".
        assert_eq!(o.immediate_origin, " 123456789");
        assert_eq!(o.company_name, "Town of Lakeside");
        // And back: the configuration's first-run values fill a Profile.
        assert_eq!(BillerProfile::default().with_originator(&o).originator(), o);
        // A Company ID is never the space-led form.
        let spaced = BillerProfileForm {
            ach_company_id: "123456789".into(),
            ..good()
        };
        let e = check_biller_profile(&spaced).unwrap_err();
        assert!(e.message_for("ach_company_id").is_some());
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
