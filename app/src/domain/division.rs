//! Divisions (issue 16; docs/divisions.md): the parts of a multi-division
//! biller (Water, Electric, Parks). Every account belongs to one. A staff
//! user may be limited to some of them; a user without a limit sees them
//! all. Pure: the browser and the server use the same checks.

use crate::error::FieldErrors;
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
    /// Its own ACH company, read for the Divisions page only.
    #[serde(default)]
    pub ach: Option<AchCompany>,
}

/// Add Division and Rename, as the form posts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DivisionForm {
    #[serde(default)]
    pub name: String,
}

/// A division's own ACH company: the Company Name and Company
/// Identification of its batches in the NACHA file (issue 16: one batch
/// per division, each with its own). A division without one sends under
/// the Profile's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AchCompany {
    pub name: String,
    pub id: String,
}

/// ACH Company as the Divisions page posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AchCompanyForm {
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub company_id: String,
}

/// Checks ACH Company: both fields empty is none (the Profile's company);
/// otherwise both are needed, checked as the Profile checks its own.
pub fn check_ach_company(form: &AchCompanyForm) -> Result<Option<AchCompany>, FieldErrors> {
    use super::biller_profile::{COMPANY_NAME_MAX, nacha_id, nacha_name};
    let (name, id) = (form.company_name.trim(), form.company_id.trim());
    if name.is_empty() && id.is_empty() {
        return Ok(None);
    }
    let mut errors = FieldErrors::new()
        .keep("company_name", &form.company_name)
        .keep("company_id", &form.company_id);
    let name = nacha_name(
        name,
        COMPANY_NAME_MAX,
        "Enter the company name, or leave both fields empty.",
    )
    .map_err(|m| errors.add("company_name", m));
    let id = nacha_id(id, "Enter the Company ID, or leave both fields empty.")
        .map_err(|m| errors.add("company_id", m));
    match (name, id) {
        (Ok(name), Ok(id)) => Ok(Some(AchCompany { name, id })),
        _ => Err(errors),
    }
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
        match self.sql_list() {
            None => String::new(),
            Some(list) => format!(" AND {column} IN ({list})"),
        }
    }

    /// The ids as a SQL list (`2, 3`), if limited; see `sql_filter`.
    pub fn sql_list(&self) -> Option<String> {
        let ids = self.ids()?;
        Some(
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        )
    }

    /// A condition on `column` (an account id, such as a payment's) for a
    /// query: its account is in one of the divisions; empty when not
    /// limited. The ids are the server's integers, as in `sql_filter`.
    pub fn accounts_filter(&self, column: &str) -> String {
        match self {
            DivisionScope::All => String::new(),
            DivisionScope::Only(_) => format!(
                " AND {column} IN (SELECT a.id FROM accounts a WHERE 1 = 1{})",
                self.sql_filter("a.division_id")
            ),
        }
    }
}

/// The selector's choice as posted: empty is every division, else a
/// division's id. Anything else was not sent by the selector.
pub fn parse_choice(raw: &str) -> Result<Option<i64>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(Some(id)),
        _ => Err("Choose a division from the list.".into()),
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
    fn an_ach_company_is_both_fields_or_neither() {
        let form = |name: &str, id: &str| AchCompanyForm {
            company_name: name.into(),
            company_id: id.into(),
        };
        assert_eq!(check_ach_company(&form(" ", "")), Ok(None));
        assert_eq!(
            check_ach_company(&form(" Lakeside Water ", "1234567890")),
            Ok(Some(AchCompany {
                name: "Lakeside Water".into(),
                id: "1234567890".into()
            }))
        );
        let e = check_ach_company(&form("Lakeside Water", "")).unwrap_err();
        assert!(e.message_for("company_id").is_some());
        assert!(e.message_for("company_name").is_none());
        assert_eq!(e.value_for("company_name"), Some("Lakeside Water"));
        let e = check_ach_company(&form("A name too long for NACHA", "12345")).unwrap_err();
        assert!(e.message_for("company_name").is_some());
        assert!(e.message_for("company_id").is_some());
    }

    #[test]
    fn the_selector_posts_a_division_or_nothing() {
        assert_eq!(parse_choice(""), Ok(None));
        assert_eq!(parse_choice(" 3 "), Ok(Some(3)));
        assert!(parse_choice("0").is_err());
        assert!(parse_choice("-2").is_err());
        assert!(parse_choice("Water").is_err());
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
        assert_eq!(
            water.accounts_filter("p.account_id"),
            " AND p.account_id IN (SELECT a.id FROM accounts a WHERE 1 = 1 AND a.division_id IN (2, 3))"
        );
        assert_eq!(DivisionScope::All.accounts_filter("p.account_id"), "");
    }
}
