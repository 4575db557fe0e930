//! Entitlements: the pages and actions a staff user may use. A role is a
//! named set of them; a user gets their role's set, changed by per-user
//! overrides. The server checks them on every server function; the browser
//! uses the same set only to hide what the user may not use.

use super::account::coded_enum;
use super::lifecycle::ActionKind;
use super::staff::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

coded_enum!(
    Entitlement {
        OnBehalfPayments => "payments.on_behalf", "On-behalf payments",
        CancelVoid => "payments.cancel_void", "Cancel and void",
        Refunds => "payments.refund", "Refunds",
        ApproveRefunds => "payments.refund_approve", "Approve refunds above the threshold",
        Uploads => "uploads", "Uploads",
        Reports => "reports", "Reports",
        AuditReport => "reports.audit", "Audit Report",
        UserAdmin => "users", "User administration",
        EntitlementAdmin => "entitlements", "Entitlement administration",
        Settlement => "settlement", "Settlement",
        BalanceAdjustments => "balances", "Balance adjustments",
        BillerProfile => "profile", "Biller profile",
        Categories => "categories", "Manage Category",
        Fees => "fees", "Convenience Fees",
        Divisions => "divisions", "Divisions",
    }
);

impl Entitlement {
    /// What a role has until an administrator changes it (the migration
    /// seeds the same sets; a test keeps them in step).
    pub fn default_for(role: Role) -> Entitlements {
        match role {
            Role::Admin => Entitlements::from_iter(Entitlement::ALL.iter().copied()),
            Role::Csr => Entitlements::from_iter([
                Entitlement::OnBehalfPayments,
                Entitlement::CancelVoid,
                Entitlement::Refunds,
                Entitlement::Reports,
            ]),
        }
    }

    /// Whether a user limited to some divisions keeps it: it acts on one
    /// account (or its payments) at a time, and the server checks the
    /// division of each account it reaches; or it shows only the divisions
    /// the user may use (Reports: every report, its export and Home's
    /// charts narrow to them, Reconciliation to their NACHA batches; the
    /// Audit Report to their divisions' rows). The others are the whole
    /// biller's.
    pub fn division_scoped(self) -> bool {
        matches!(
            self,
            Entitlement::OnBehalfPayments
                | Entitlement::CancelVoid
                | Entitlement::Refunds
                | Entitlement::ApproveRefunds
                | Entitlement::BalanceAdjustments
                | Entitlement::Reports
                | Entitlement::AuditReport
        )
    }

    /// The entitlement a Cancel/Reverse action needs: cancelling a
    /// scheduled payment or voiding one not yet settled moves no money back;
    /// everything else is a refund.
    pub fn for_action(kind: ActionKind) -> Entitlement {
        match kind {
            ActionKind::Cancel | ActionKind::Void => Entitlement::CancelVoid,
            _ => Entitlement::Refunds,
        }
    }
}

/// A change made on User Admin or Role Entitlements, as far as who may make
/// it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange {
    /// Add a user with this role.
    AddUser(Role),
    /// Activate, deactivate, unlock or reset the password of a user with
    /// this role.
    User(Role),
    /// Change the per-user entitlements of a user with this role; `own`
    /// when they are the one asking.
    UserEntitlements { role: Role, own: bool },
    /// Change this role's entitlements.
    Role(Role),
}

/// Whether only an Administrator may make `change`. Delegated user or
/// entitlement administration (held by someone who is not an
/// Administrator) must not turn into full administration: no creating,
/// activating or otherwise changing an Administrator, no changing an
/// Administrator's entitlements, and nothing of one's own role or one's
/// own entitlements.
pub fn needs_administrator(actor: Role, change: StaffChange) -> bool {
    if actor == Role::Admin {
        return false;
    }
    match change {
        StaffChange::AddUser(role) | StaffChange::User(role) => role == Role::Admin,
        StaffChange::UserEntitlements { role, own } => role == Role::Admin || own,
        StaffChange::Role(role) => role == Role::Admin || role == actor,
    }
}

/// A set of entitlements, kept as a sorted list so it serializes the same
/// way every time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlements(Vec<Entitlement>);

impl Entitlements {
    pub fn has(&self, e: Entitlement) -> bool {
        self.0.contains(&e)
    }

    pub fn iter(&self) -> impl Iterator<Item = Entitlement> + '_ {
        self.0.iter().copied()
    }

    pub fn codes(&self) -> Vec<&'static str> {
        self.0.iter().map(|e| e.code()).collect()
    }

    /// From stored codes; unknown codes (a newer server's) are skipped.
    pub fn from_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> Entitlements {
        Entitlements::from_iter(codes.into_iter().filter_map(Entitlement::from_code))
    }

    /// A role's set with a user's overrides applied (`true` grants,
    /// `false` takes away).
    pub fn with_overrides(&self, overrides: &BTreeMap<Entitlement, bool>) -> Entitlements {
        Entitlement::ALL
            .iter()
            .copied()
            .filter(|e| overrides.get(e).copied().unwrap_or_else(|| self.has(*e)))
            .collect()
    }

    /// The overrides that turn this role set into `wanted`: only where they
    /// differ, so a later change to the role still reaches the rest.
    pub fn overrides_for(&self, wanted: &Entitlements) -> BTreeMap<Entitlement, bool> {
        Entitlement::ALL
            .iter()
            .copied()
            .filter(|e| self.has(*e) != wanted.has(*e))
            .map(|e| (e, wanted.has(e)))
            .collect()
    }
}

impl FromIterator<Entitlement> for Entitlements {
    fn from_iter<I: IntoIterator<Item = Entitlement>>(iter: I) -> Self {
        let mut v: Vec<Entitlement> = iter.into_iter().collect();
        v.sort_by_key(|e| Entitlement::ALL.iter().position(|x| x == e));
        v.dedup();
        Entitlements(v)
    }
}

// Ord by position in ALL, so BTreeMaps of overrides read in page order.
impl PartialOrd for Entitlement {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entitlement {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let pos = |e: &Entitlement| Entitlement::ALL.iter().position(|x| x == e);
        pos(self).cmp(&pos(other))
    }
}

/// A role's page of checkboxes (Role Entitlements).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleEntitlementsView {
    pub role: Role,
    pub granted: Entitlements,
    /// How many active users have this role, and how many of them have
    /// overrides (what Apply to current users would reset).
    pub users: i64,
    pub users_with_overrides: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrs_take_payments_but_do_not_administer() {
        let csr = Entitlement::default_for(Role::Csr);
        assert!(csr.has(Entitlement::OnBehalfPayments) && csr.has(Entitlement::Refunds));
        for e in [
            Entitlement::UserAdmin,
            Entitlement::EntitlementAdmin,
            Entitlement::Settlement,
            Entitlement::ApproveRefunds,
            Entitlement::AuditReport,
        ] {
            assert!(!csr.has(e), "{e:?}");
        }
        assert_eq!(
            Entitlement::default_for(Role::Admin).iter().count(),
            Entitlement::ALL.len()
        );
    }

    #[test]
    fn overrides_only_record_differences_and_round_trip() {
        let role = Entitlement::default_for(Role::Csr);
        let wanted: Entitlements = [Entitlement::OnBehalfPayments, Entitlement::Uploads]
            .into_iter()
            .collect();
        let o = role.overrides_for(&wanted);
        assert_eq!(
            o.len(),
            4,
            "CancelVoid, Refunds and Reports taken, Uploads given: {o:?}"
        );
        assert_eq!(o.get(&Entitlement::Uploads), Some(&true));
        assert_eq!(o.get(&Entitlement::Refunds), Some(&false));
        assert_eq!(role.with_overrides(&o), wanted);
        assert!(role.overrides_for(&role).is_empty());
    }

    #[test]
    fn sets_are_ordered_and_skip_unknown_codes() {
        let s = Entitlements::from_codes([
            "reports",
            "payments.on_behalf",
            "reports",
            "launch.missiles",
        ]);
        assert_eq!(s.codes(), vec!["payments.on_behalf", "reports"]);
    }

    #[test]
    fn delegated_administration_never_reaches_administrators_or_oneself() {
        use StaffChange as C;
        let entitlements = |role, own| C::UserEntitlements { role, own };
        for change in [
            C::AddUser(Role::Admin),
            C::User(Role::Admin),
            entitlements(Role::Admin, false),
            entitlements(Role::Csr, true),
            C::Role(Role::Admin),
            C::Role(Role::Csr),
        ] {
            assert!(needs_administrator(Role::Csr, change), "{change:?}");
            assert!(!needs_administrator(Role::Admin, change), "{change:?}");
        }
        for change in [
            C::AddUser(Role::Csr),
            C::User(Role::Csr),
            entitlements(Role::Csr, false),
        ] {
            assert!(!needs_administrator(Role::Csr, change), "{change:?}");
        }
    }

    #[test]
    fn refunding_needs_refunds_and_voiding_needs_cancel_void() {
        assert_eq!(
            Entitlement::for_action(ActionKind::Void),
            Entitlement::CancelVoid
        );
        assert_eq!(
            Entitlement::for_action(ActionKind::Cancel),
            Entitlement::CancelVoid
        );
        assert_eq!(
            Entitlement::for_action(ActionKind::PartialRefund),
            Entitlement::Refunds
        );
        assert_eq!(
            Entitlement::for_action(ActionKind::FullReversal),
            Entitlement::Refunds
        );
    }
}
