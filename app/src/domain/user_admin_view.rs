//! What User Admin and Role Entitlements show and post.

use super::entitlements::{Entitlement, Entitlements};
use super::staff::Role;
use serde::{Deserialize, Serialize};

/// One row of User Admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffUserView {
    pub login: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    /// Locked out after too many failed sign-ins, until this time.
    pub locked_until: Option<String>,
    /// Holds a temporary password not yet changed.
    pub temporary_password: bool,
    pub created: String,
    pub last_seen: Option<String>,
}

/// One user's page: their row, and their entitlements against their role's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffUserDetail {
    pub user: StaffUserView,
    pub role_entitlements: Entitlements,
    pub entitlements: Entitlements,
    /// The viewer is this user (who may not deactivate themselves or edit
    /// their own entitlements).
    pub is_self: bool,
    /// The viewer may edit entitlements (not only users).
    pub can_edit_entitlements: bool,
    /// Every division of the biller; with one, the page shows no limits.
    #[serde(default)]
    pub all_divisions: Vec<super::division::Division>,
    /// The divisions this user is limited to (none: every division).
    #[serde(default)]
    pub divisions: Vec<i64>,
    /// The viewer may change the user's divisions: they hold User
    /// administration and are limited to no division themselves.
    #[serde(default)]
    pub can_edit_divisions: bool,
}

/// Add user, as posted (field names `form[...]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AddUserForm {
    pub login: String,
    pub email: String,
    pub role: String,
}

/// Checkbox names for entitlements: a form key without dots, so the
/// urlencoded form reads back as a map.
pub fn checkbox_name(e: Entitlement) -> String {
    e.code().replace('.', "_")
}

/// The ticked boxes of an entitlement form.
pub fn ticked<'a>(names: impl IntoIterator<Item = &'a String>) -> Entitlements {
    let names: Vec<&String> = names.into_iter().collect();
    Entitlement::ALL
        .iter()
        .copied()
        .filter(|e| names.iter().any(|n| **n == checkbox_name(*e)))
        .collect()
}

/// The Administrator role always keeps user and entitlement
/// administration, so no one can lock every administrator out.
pub fn check_role_set(role: Role, granted: &Entitlements) -> Result<(), &'static str> {
    if role == Role::Admin
        && !(granted.has(Entitlement::UserAdmin) && granted.has(Entitlement::EntitlementAdmin))
    {
        return Err(
            "Administrators always keep User administration and Entitlement administration.",
        );
    }
    Ok(())
}

/// A temporary password: 16 characters without look-alikes (no 0/O, 1/l/I),
/// in groups of four so it can be read out.
pub fn temporary_password(random: &[u8; 16]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let chars: Vec<char> = random
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkboxes_read_back_as_entitlements() {
        let names = vec![
            checkbox_name(Entitlement::Reports),
            checkbox_name(Entitlement::OnBehalfPayments),
            "bogus".to_string(),
        ];
        assert_eq!(
            checkbox_name(Entitlement::OnBehalfPayments),
            "payments_on_behalf"
        );
        assert_eq!(
            ticked(&names).codes(),
            vec!["payments.on_behalf", "reports"]
        );
    }

    #[test]
    fn administrators_cannot_lose_administration() {
        let all: Entitlements = Entitlement::ALL.iter().copied().collect();
        assert!(check_role_set(Role::Admin, &all).is_ok());
        let without: Entitlements = all
            .iter()
            .filter(|e| *e != Entitlement::EntitlementAdmin)
            .collect();
        assert!(check_role_set(Role::Admin, &without).is_err());
        assert!(
            check_role_set(Role::Csr, &Entitlements::default()).is_ok(),
            "a CSR role may be emptied"
        );
    }

    #[test]
    fn temporary_passwords_meet_the_policy() {
        let p = temporary_password(&[7; 16]);
        assert_eq!(p.len(), 19);
        assert!(crate::domain::staff::check_new_password(&p).is_ok());
        assert_ne!(temporary_password(&[1; 16]), p);
    }
}
