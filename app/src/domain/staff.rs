//! Staff users of the console: their login IDs and roles.

use super::account::coded_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

coded_enum!(
    /// What a staff user is allowed to do; finer entitlements build on this.
    Role {
        Admin => "admin", "Administrator",
        Csr => "csr", "CSR",
    }
);

/// A staff login ID: 3–64 characters of letters, digits and `. _ - @`,
/// compared without regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoginId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginIdError {
    #[error("Enter your login ID.")]
    Empty,
    #[error("A login ID has 3 to 64 characters.")]
    Length,
    #[error("Use only letters, digits and . _ - @ in a login ID.")]
    BadCharacter,
}

impl LoginId {
    /// The longest login ID; sign-in refuses anything longer before any work.
    pub const MAX_LEN: usize = 64;

    pub fn parse(input: &str) -> Result<LoginId, LoginIdError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(LoginIdError::Empty);
        }
        if !(3..=Self::MAX_LEN).contains(&s.chars().count()) {
            return Err(LoginIdError::Length);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
        {
            return Err(LoginIdError::BadCharacter);
        }
        Ok(LoginId(s.to_ascii_lowercase()))
    }
}

super::string_newtype!(LoginId, LoginIdError);

/// Rules a new staff password must meet (the full policy with history and
/// expiry lives with user administration).
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < 12 {
        return Err("Use at least 12 characters.");
    }
    if n > 64 {
        return Err("Use at most 64 characters.");
    }
    if is_common_password(password) {
        return Err("That password is too common. Choose another.");
    }
    Ok(())
}

/// Passwords of 12 or more characters that appear in breach lists again and
/// again (shorter ones fail the length rule anyway). Compared ignoring case.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "111111111111",
    "000000000000",
    "123123123123",
    "qwertyuiopas",
    "qwertyuiop123",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "password123!",
    "p@ssw0rd1234",
    "iloveyou1234",
    "welcome12345",
    "welcome123456",
    "letmein12345",
    "abc123456789",
    "abcdefghijkl",
    "administrator",
    "admin1234567",
    "changeme1234",
    "trustno11234",
    "football1234",
    "baseball1234",
    "superman1234",
    "princess1234",
    "sunshine1234",
    "monkey123456",
    "dragon123456",
    "master123456",
    "michael12345",
    "jennifer1234",
    "starwars1234",
    "whatever1234",
    "q1w2e3r4t5y6",
    "zaq12wsxcde3",
    "asdfghjkl123",
    "zxcvbnm12345",
    "11111111111111",
    "987654321098",
    "paydesk12345",
    "paydesk-password",
];

pub fn is_common_password(password: &str) -> bool {
    let lower = password.to_lowercase();
    COMMON_PASSWORDS.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_limited_to_divisions_keeps_what_acts_on_one_account_and_reports() {
        use super::super::division::DivisionScope;
        use super::super::entitlements::Entitlement;
        let mut admin = StaffUser {
            id: 1,
            login: "alex".into(),
            email: "alex@example.com".into(),
            role: Role::Admin,
            must_change_password: false,
            entitlements: Entitlement::default_for(Role::Admin),
            divisions: DivisionScope::All,
            viewing: None,
        };
        assert!(Entitlement::ALL.iter().all(|e| admin.can(*e)));
        admin.divisions = DivisionScope::limited_to(vec![2]);
        assert!(admin.can(Entitlement::OnBehalfPayments));
        assert!(admin.can(Entitlement::Refunds));
        assert!(admin.can(Entitlement::ApproveRefunds));
        assert!(admin.can(Entitlement::Reports), "reports narrow to them");
        assert!(
            admin.can(Entitlement::AuditReport),
            "so does the Audit Report"
        );
        for whole_biller in [
            Entitlement::Uploads,
            Entitlement::UserAdmin,
            Entitlement::Settlement,
            Entitlement::Divisions,
        ] {
            assert!(!admin.can(whole_biller), "{whole_biller:?}");
        }
    }

    #[test]
    fn login_ids_are_case_insensitive_and_checked() {
        assert_eq!(LoginId::parse(" Jane.Doe ").unwrap().as_str(), "jane.doe");
        assert_eq!(LoginId::parse("jd"), Err(LoginIdError::Length));
        assert_eq!(LoginId::parse("jane doe"), Err(LoginIdError::BadCharacter));
        assert_eq!(LoginId::parse(""), Err(LoginIdError::Empty));
    }

    #[test]
    fn roles_have_codes_and_labels() {
        assert_eq!(Role::from_code("csr"), Some(Role::Csr));
        assert_eq!(Role::Admin.label(), "Administrator");
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn new_passwords_have_a_length_policy() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("twelve chars").is_ok());
        assert!(check_new_password(&"x".repeat(65)).is_err());
        assert_eq!(
            check_new_password("Password1234"),
            Err("That password is too common. Choose another.")
        );
        assert!(check_new_password("correct horse battery").is_ok());
    }
}

/// The signed-in staff user, as the UI and every server function see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffUser {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub role: Role,
    /// A temporary or expired password: nothing but Change Password until
    /// the user sets their own.
    #[serde(default)]
    pub must_change_password: bool,
    /// What this user may use: their role's entitlements with their own
    /// overrides applied, read afresh on every request.
    #[serde(default)]
    pub entitlements: super::entitlements::Entitlements,
    /// The divisions this user may see and act on, read afresh on every
    /// request with the entitlements.
    #[serde(default)]
    pub divisions: super::division::DivisionScope,
    /// The division chosen in the selector above the menu, kept with the
    /// session: it narrows searches, Home and reports. `None`: every
    /// division in `divisions`. Never one outside them.
    #[serde(default)]
    pub viewing: Option<i64>,
}

impl StaffUser {
    /// Whether the user may use `e`. A user limited to some divisions
    /// keeps only what acts on one account at a time, and the reports,
    /// which narrow to their divisions: the pages over the whole biller
    /// (Audit Report, settlement runs, files, staff, configuration) would
    /// show or change the other divisions (docs/divisions.md).
    pub fn can(&self, e: super::entitlements::Entitlement) -> bool {
        self.entitlements.has(e) && (self.divisions.ids().is_none() || e.division_scoped())
    }

    /// The divisions this user's lists, searches and reports show: the one
    /// chosen in the selector, or all they may use. What they may reach by
    /// a link is `divisions`, whatever they chose to look at.
    pub fn shown(&self) -> super::division::DivisionScope {
        match self.viewing {
            Some(d) if self.divisions.allows(d) => super::division::DivisionScope::Only(vec![d]),
            _ => self.divisions.clone(),
        }
    }
}
