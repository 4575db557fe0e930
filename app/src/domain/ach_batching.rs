//! How a settlement run's ACH entries become one NACHA file: which batch an
//! entry goes in (consumer or business, debit or credit), its transaction
//! code, its trace number, and the file's id modifier. Pure rules; the
//! repository only reads the payments and writes what this decides.

use super::division::AchCompany;
use super::nacha::{self, Batch, Entry, FileDates, FileTotals, Originator, SecCode, tx};
use std::collections::BTreeMap;

/// One entry to send: a Pending ACH debit, or a queued refund credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// A business account's entries go out as CCD, everyone else's as PPD.
    pub business: bool,
    pub savings: bool,
    pub credit: bool,
    pub routing: String,
    /// In clear, for the bank.
    pub account_number: String,
    pub amount_cents: i64,
    /// The payer's account number with the biller (the entry's individual id).
    pub individual_id: String,
    pub name: String,
    /// The division of the payer's account: each division's entries go in
    /// batches of their own.
    pub division: i64,
}

/// The divisions that have their own ACH company; the others' batches go
/// out under the originator's.
pub type Companies = BTreeMap<i64, AchCompany>;

/// Where one [`Outgoing`] (by its index) landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedEntry {
    pub index: usize,
    /// 1-based, counting only batches that have entries.
    pub batch_number: i64,
    pub transaction_code: u8,
    pub trace_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedBatch {
    pub number: i64,
    pub division: i64,
    pub sec: SecCode,
    pub description: String,
    pub entry_count: i64,
    pub debit_cents: i64,
    pub credit_cents: i64,
}

/// The file's text and what it holds, batch by batch and entry by entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlan {
    pub content: String,
    pub totals: FileTotals,
    pub batches: Vec<PlannedBatch>,
    pub entries: Vec<PlacedEntry>,
}

/// Batches in a fixed order: by division (its id), then consumer before
/// business, debits before credits.
const ORDER: [(SecCode, bool); 4] = [
    (SecCode::Ppd, false),
    (SecCode::Ccd, false),
    (SecCode::Ppd, true),
    (SecCode::Ccd, true),
];

pub fn sec_code(business: bool) -> SecCode {
    if business { SecCode::Ccd } else { SecCode::Ppd }
}

pub fn transaction_code(savings: bool, credit: bool) -> u8 {
    match (savings, credit) {
        (false, false) => tx::CHECKING_DEBIT,
        (false, true) => tx::CHECKING_CREDIT,
        (true, false) => tx::SAVINGS_DEBIT,
        (true, true) => tx::SAVINGS_CREDIT,
    }
}

/// The File ID Modifier (A–Z) of the day's `files_today + 1`th file: files
/// sent the same day to the same destination must differ in it.
pub fn file_id_modifier(files_today: i64) -> char {
    (b'A' + files_today.rem_euclid(26) as u8) as char
}

/// Puts `outgoing` into batches, one set per division under its company
/// (`companies`, else the originator's), and writes the file. A biller
/// with one division gets the file it always got. Trace numbers continue
/// from `traces_so_far` (every entry ever sent), so none repeats.
pub fn plan_file(
    originator: &Originator,
    companies: &Companies,
    dates: &FileDates,
    outgoing: &[Outgoing],
    traces_so_far: i64,
) -> FilePlan {
    let mut batches = Vec::new();
    let mut planned = Vec::new();
    let mut placed = Vec::with_capacity(outgoing.len());
    let mut seq = traces_so_far;
    let mut divisions: Vec<i64> = outgoing.iter().map(|o| o.division).collect();
    divisions.sort_unstable();
    divisions.dedup();
    let kinds = divisions
        .iter()
        .flat_map(|d| ORDER.iter().map(move |(sec, credit)| (*d, *sec, *credit)));
    for (division, sec, credit) in kinds {
        let mut entries = Vec::new();
        for (index, o) in outgoing.iter().enumerate().filter(|(_, o)| {
            o.division == division && o.credit == credit && sec_code(o.business) == sec
        }) {
            seq += 1;
            let trace_number = nacha::trace_number(&originator.odfi_routing, seq);
            let transaction_code = transaction_code(o.savings, credit);
            entries.push(Entry {
                transaction_code,
                routing: o.routing.clone(),
                account_number: o.account_number.clone(),
                amount_cents: o.amount_cents,
                individual_id: o.individual_id.clone(),
                name: o.name.clone(),
                trace_number: trace_number.clone(),
            });
            placed.push(PlacedEntry {
                index,
                // This batch's number, once it is known to have entries.
                batch_number: batches.len() as i64 + 1,
                transaction_code,
                trace_number,
            });
        }
        if entries.is_empty() {
            continue;
        }
        let description = if credit { "REFUND" } else { "BILL PAY" };
        let total = |debit: bool| -> i64 {
            entries
                .iter()
                .filter(|e| tx::is_debit(e.transaction_code) == debit)
                .map(|e| e.amount_cents)
                .sum()
        };
        planned.push(PlannedBatch {
            number: batches.len() as i64 + 1,
            division,
            sec,
            description: description.into(),
            entry_count: entries.len() as i64,
            debit_cents: total(true),
            credit_cents: total(false),
        });
        batches.push(Batch {
            sec,
            description: description.into(),
            company: companies.get(&division).cloned(),
            entries,
        });
    }
    let (content, totals) = nacha::write_file(originator, dates, &batches);
    FilePlan {
        content,
        totals,
        batches: planned,
        entries: placed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn originator() -> Originator {
        Originator {
            immediate_destination: "091000019".into(),
            immediate_destination_name: "Demo ODFI".into(),
            immediate_origin: "1234567890".into(),
            immediate_origin_name: "Demo".into(),
            company_name: "Demo".into(),
            company_id: "1234567890".into(),
            odfi_routing: "091000019".into(),
        }
    }

    fn out(business: bool, savings: bool, credit: bool, cents: i64) -> Outgoing {
        Outgoing {
            business,
            savings,
            credit,
            routing: "021000021".into(),
            account_number: format!("0001234{cents}"),
            amount_cents: cents,
            individual_id: "100003".into(),
            name: "Ann Lee".into(),
            division: 1,
        }
    }

    #[test]
    fn entries_go_in_fixed_batches_with_fresh_traces() {
        let dates = FileDates {
            created_date: "261125".into(),
            created_time: "1700".into(),
            effective_date: "261126".into(),
            file_id_modifier: file_id_modifier(1),
        };
        // Arrival order is mixed; no consumer credit, so three batches.
        let outgoing = [
            out(true, false, true, 500),
            out(false, true, false, 1_000),
            out(true, false, false, 2_000),
            out(false, false, false, 3_000),
        ];
        let plan = plan_file(&originator(), &Companies::new(), &dates, &outgoing, 41);
        let batches: Vec<_> = plan
            .batches
            .iter()
            .map(|b| (b.number, b.sec, b.description.as_str(), b.entry_count))
            .collect();
        assert_eq!(
            batches,
            [
                (1, SecCode::Ppd, "BILL PAY", 2),
                (2, SecCode::Ccd, "BILL PAY", 1),
                (3, SecCode::Ccd, "REFUND", 1),
            ]
        );
        let placed: Vec<_> = plan
            .entries
            .iter()
            .map(|e| (e.index, e.batch_number, e.transaction_code))
            .collect();
        assert_eq!(
            placed,
            [
                (1, 1, tx::SAVINGS_DEBIT),
                (3, 1, tx::CHECKING_DEBIT),
                (2, 2, tx::CHECKING_DEBIT),
                (0, 3, tx::CHECKING_CREDIT),
            ]
        );
        assert_eq!(plan.entries[0].trace_number, "091000010000042");
        assert_eq!(plan.entries[3].trace_number, "091000010000045");
        assert_eq!(
            (plan.totals.debit_cents, plan.totals.credit_cents),
            (6_000, 500)
        );
        assert_eq!(
            (plan.batches[2].debit_cents, plan.batches[2].credit_cents),
            (0, 500)
        );
        let parsed = nacha::parse_file(&plan.content).expect("a valid file");
        assert_eq!(parsed.batches.len(), 3);
        assert_eq!(plan.content.lines().next().map(|l| &l[33..34]), Some("B"));
    }

    #[test]
    fn each_division_has_its_batches_under_its_own_company() {
        let dates = FileDates {
            created_date: "261206".into(),
            created_time: "1700".into(),
            effective_date: "261207".into(),
            file_id_modifier: 'A',
        };
        let water = AchCompany {
            name: "Lakeside Water".into(),
            id: "1999999999".into(),
        };
        let companies = Companies::from([(3, water)]);
        let in_division = |division: i64, o: Outgoing| Outgoing { division, ..o };
        // Water (3) and Main (1), mixed; Parks (2) has no company of its own.
        let outgoing = [
            in_division(3, out(false, false, false, 1_000)),
            in_division(1, out(false, false, false, 2_000)),
            in_division(3, out(false, false, true, 300)),
            in_division(2, out(false, false, false, 4_000)),
            in_division(3, out(false, true, false, 5_000)),
        ];
        let plan = plan_file(&originator(), &companies, &dates, &outgoing, 0);
        let batches: Vec<_> = plan
            .batches
            .iter()
            .map(|b| (b.number, b.division, b.description.as_str(), b.entry_count))
            .collect();
        assert_eq!(
            batches,
            [
                (1, 1, "BILL PAY", 1),
                (2, 2, "BILL PAY", 1),
                (3, 3, "BILL PAY", 2),
                (4, 3, "REFUND", 1),
            ]
        );
        let parsed = nacha::parse_file(&plan.content).expect("a valid file");
        let companies: Vec<_> = parsed
            .batches
            .iter()
            .map(|b| {
                (
                    b.company_name.as_str(),
                    b.company_id.as_str(),
                    b.entries.len(),
                )
            })
            .collect();
        assert_eq!(
            companies,
            [
                ("DEMO", "1234567890", 1),
                ("DEMO", "1234567890", 1),
                ("LAKESIDE WATER", "1999999999", 2),
                ("LAKESIDE WATER", "1999999999", 1),
            ]
        );
        // The batch control repeats the batch's company id.
        let controls: Vec<&str> = plan
            .content
            .lines()
            .filter(|l| l.starts_with('8'))
            .map(|l| &l[44..54])
            .collect();
        assert_eq!(
            controls,
            ["1234567890", "1234567890", "1999999999", "1999999999"]
        );
        assert_eq!(
            (plan.totals.debit_cents, plan.totals.credit_cents),
            (12_000, 300)
        );
    }

    #[test]
    fn modifiers_run_a_to_z_and_wrap() {
        assert_eq!(file_id_modifier(0), 'A');
        assert_eq!(file_id_modifier(25), 'Z');
        assert_eq!(file_id_modifier(26), 'A');
    }
}
