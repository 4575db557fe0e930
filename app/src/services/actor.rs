//! Who acts on an enrolled payer's saved methods, plans and payments: a
//! staff user on Payer Support, or the payer on the payer site. Audit rows,
//! plan history and sealed reviews name them the same way everywhere.

use super::payer_accounts::PayerSession;
use crate::domain::division::{ALL_DIVISIONS, DivisionScope};
use crate::domain::staff::StaffUser;

#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Staff(&'a StaffUser),
    Payer(&'a PayerSession),
}

impl Actor<'_> {
    /// The staff user's id (audit rows' `actor_id`); None for a payer.
    pub fn staff_id(&self) -> Option<i64> {
        match self {
            Actor::Staff(s) => Some(s.id),
            Actor::Payer(_) => None,
        }
    }

    /// As the audit trail and histories show who: the staff login, or
    /// "payer" and the User ID.
    pub fn login(&self) -> String {
        match self {
            Actor::Staff(s) => s.login.clone(),
            Actor::Payer(p) => format!("payer {}", p.user_id),
        }
    }

    /// Whose sealed review it is: only its owner may open it.
    pub fn owner(&self) -> String {
        match self {
            Actor::Staff(s) => format!("staff:{}", s.id),
            Actor::Payer(p) => format!("payer:{}", p.payer_id),
        }
    }

    /// The divisions whose accounts the actor reaches: a staff user's, or
    /// every one for a payer (who reaches only the accounts they pay).
    pub fn divisions(&self) -> &DivisionScope {
        match self {
            Actor::Staff(s) => &s.divisions,
            Actor::Payer(_) => &ALL_DIVISIONS,
        }
    }

    /// The payer acting on their own things, if it is one.
    pub fn payer(&self) -> Option<&PayerSession> {
        match self {
            Actor::Payer(p) => Some(p),
            Actor::Staff(_) => None,
        }
    }
}
