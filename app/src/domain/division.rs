//! Divisions (issue 16; docs/divisions.md): the parts of a multi-division
//! biller (Water, Electric, Parks). Every account belongs to one. A staff
//! user may be limited to some of them; a user without a limit sees them
//! all. Pure: the browser and the server use the same checks.

use serde::{Deserialize, Serialize};

/// The longest division name kept: it appears in the menu's selector, on
/// account pages and in report columns.
pub const NAME_MAX: usize = 40;

/// The division every account belonged to before there were divisions
/// (migration 0034). A biller with one division never sees it named.
pub const DEFAULT_DIVISION: i64 = 1;

/// A division as listed on the Divisions page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    pub id: i64,
    pub name: String,
    /// How many accounts belong to it: counted for the Divisions page only
    /// (a pass over every account), `None` elsewhere.
    pub accounts: Option<i64>,
}

/// Add Division and Rename, as the form posts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DivisionForm {
    #[serde(default)]
    pub name: String,
}

/// A division's name, trimmed and checked: the reason comes back for the
/// field's message.
pub fn check_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Enter the division's name.".into());
    }
    if name.chars().count() > NAME_MAX {
        return Err(format!("Use at most {NAME_MAX} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("Use letters, digits, spaces and punctuation only.".into());
    }
    Ok(name.to_string())
}

/// Which divisions a staff user may see and act on. The server reads it
/// afresh on every request, with the user's entitlements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DivisionScope {
    /// Not limited: every division, including ones made later.
    #[default]
    All,
    /// Only these divisions (sorted, never empty).
    Only(Vec<i64>),
}

/// Every division: what a payer (through a link or the payer site) and
/// unattended work reach. They reach accounts by what identifies them,
/// never by browsing.
pub static ALL_DIVISIONS: DivisionScope = DivisionScope::All;

impl DivisionScope {
    /// The scope of a user limited to `ids`; no ids means no limit.
    pub fn limited_to(mut ids: Vec<i64>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            DivisionScope::All
        } else {
            DivisionScope::Only(ids)
        }
    }

    pub fn allows(&self, division: i64) -> bool {
        match self {
            DivisionScope::All => true,
            DivisionScope::Only(ids) => ids.binary_search(&division).is_ok(),
        }
    }

    /// The divisions named, if limited.
    pub fn ids(&self) -> Option<&[i64]> {
        match self {
            DivisionScope::All => None,
            DivisionScope::Only(ids) => Some(ids),
        }
    }

    /// A condition on `column` (an account's division) for a query: empty
    /// when not limited. The ids are integers the server read from its own
    /// table, never text from a request, so they go into the SQL as
    /// numbers.
    pub fn sql_filter(&self, column: &str) -> String {
        match self {
            DivisionScope::All => String::new(),
            DivisionScope::Only(ids) => {
                let list = ids.iter().map(i64::to_string).collect::<Vec<_>>();
                format!(" AND {column} IN ({})", list.join(", "))
            }
        }
    }
}

/// The divisions ticked on User Admin (boxes named `limit[ID]`); a key
/// that isn't a number is no division.
pub fn ticked<'a>(keys: impl IntoIterator<Item = &'a String>) -> Vec<i64> {
    keys.into_iter().filter_map(|k| k.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(check_name("  Water ").as_deref(), Ok("Water"));
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(NAME_MAX)).is_ok());
        assert!(check_name(&"x".repeat(NAME_MAX + 1)).is_err());
        assert!(check_name("Wa\nter").is_err());
    }

    #[test]
    fn no_limit_allows_every_division() {
        let all = DivisionScope::limited_to(vec![]);
        assert_eq!(all, DivisionScope::All);
        assert!(all.allows(1) && all.allows(99));
        assert_eq!(all.sql_filter("a.division_id"), "");
    }

    #[test]
    fn a_limit_allows_only_its_divisions() {
        let water = DivisionScope::limited_to(vec![3, 2, 3]);
        assert_eq!(water.ids(), Some(&[2, 3][..]));
        assert!(water.allows(2) && water.allows(3));
        assert!(!water.allows(1) && !water.allows(4));
        assert_eq!(
            water.sql_filter("a.division_id"),
            " AND a.division_id IN (2, 3)"
        );
    }
}
