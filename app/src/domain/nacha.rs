//! NACHA ACH files: the settlement file Paydesk sends (PPD and CCD debits,
//! refund credits) and the return files the bank sends back. Fixed-width
//! 94-character records, blocked in tens (docs/lifecycle.md has the layout).
//! Pure: the settlement service supplies entries and dates.

use std::fmt::Write as _;

pub const RECORD_LEN: usize = 94;
pub const BLOCKING_FACTOR: usize = 10;

/// Who sends the file: the biller Profile's ACH settings (`PAYDESK_ACH_*`
/// until first saved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Originator {
    /// The receiving point's routing number (9 digits).
    pub immediate_destination: String,
    pub immediate_destination_name: String,
    /// 10 characters, usually a space or 1 and a 9-digit number.
    pub immediate_origin: String,
    pub immediate_origin_name: String,
    pub company_name: String,
    /// 10 characters, usually 1 and the EIN.
    pub company_id: String,
    /// The originating bank's routing number (9 digits; its first 8 start
    /// every trace number).
    pub odfi_routing: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecCode {
    /// Consumer accounts.
    Ppd,
    /// Business accounts.
    Ccd,
}

impl SecCode {
    pub fn code(self) -> &'static str {
        match self {
            SecCode::Ppd => "PPD",
            SecCode::Ccd => "CCD",
        }
    }
}

/// Transaction codes for the entries we write.
pub mod tx {
    pub const CHECKING_CREDIT: u8 = 22;
    pub const CHECKING_DEBIT: u8 = 27;
    pub const SAVINGS_CREDIT: u8 = 32;
    pub const SAVINGS_DEBIT: u8 = 37;

    pub fn is_debit(code: u8) -> bool {
        matches!(code, 27 | 37)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub transaction_code: u8,
    /// The payer's bank routing number (9 digits, check digit included).
    pub routing: String,
    pub account_number: String,
    pub amount_cents: i64,
    /// The biller's account number for this payer.
    pub individual_id: String,
    pub name: String,
    pub trace_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub sec: SecCode,
    /// "BILL PAY", "REFUND": shown on the payer's statement.
    pub description: String,
    /// The company the batch goes out under (a division's own); `None`:
    /// the originator's.
    pub company: Option<super::division::AchCompany>,
    pub entries: Vec<Entry>,
}

/// When the file is made: dates as YYMMDD, time as HHMM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDates {
    pub created_date: String,
    pub created_time: String,
    pub effective_date: String,
    /// A–Z or 0–9: tells apart files made the same day.
    pub file_id_modifier: char,
}

/// Totals of a written file, for the settlement record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTotals {
    pub batch_count: usize,
    pub entry_count: usize,
    pub entry_hash: u64,
    pub debit_cents: i64,
    pub credit_cents: i64,
    pub block_count: usize,
}

/// `odfi`'s first 8 digits and `sequence` as 7 digits.
pub fn trace_number(odfi_routing: &str, sequence: i64) -> String {
    format!(
        "{}{:07}",
        &odfi_routing.get(..8).unwrap_or("00000000"),
        sequence.rem_euclid(10_000_000)
    )
}

/// Alphanumeric field: upper case, printable ASCII, left-justified, cut to `width`.
fn alpha(value: &str, width: usize) -> String {
    let clean: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c.to_ascii_uppercase()
            } else {
                ' '
            }
        })
        .take(width)
        .collect();
    format!("{clean:<width$}")
}

/// Numeric field: right-justified, zero-filled; the low digits if too long.
fn num(value: u64, width: usize) -> String {
    let s = format!("{value:0width$}");
    s[s.len() - width..].to_string()
}

fn entry_hash_part(routing: &str) -> u64 {
    routing.get(..8).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Writes a whole file. Batches without entries are left out.
pub fn write_file(o: &Originator, dates: &FileDates, batches: &[Batch]) -> (String, FileTotals) {
    let mut lines = Vec::new();
    lines.push(format!(
        "101{}{}{}{}{}094101{}{}{}",
        alpha(&format!(" {}", o.immediate_destination), 10),
        alpha(&o.immediate_origin, 10),
        dates.created_date,
        dates.created_time,
        dates.file_id_modifier,
        alpha(&o.immediate_destination_name, 23),
        alpha(&o.immediate_origin_name, 23),
        alpha("", 8),
    ));
    let odfi8 = o.odfi_routing.get(..8).unwrap_or("00000000");
    let mut totals = FileTotals {
        batch_count: 0,
        entry_count: 0,
        entry_hash: 0,
        debit_cents: 0,
        credit_cents: 0,
        block_count: 0,
    };
    for batch in batches.iter().filter(|b| !b.entries.is_empty()) {
        let (company_name, company_id) = match &batch.company {
            Some(c) => (c.name.as_str(), c.id.as_str()),
            None => (o.company_name.as_str(), o.company_id.as_str()),
        };
        totals.batch_count += 1;
        let number = totals.batch_count as u64;
        let debits: i64 = batch
            .entries
            .iter()
            .filter(|e| tx::is_debit(e.transaction_code))
            .map(|e| e.amount_cents)
            .sum();
        let credits: i64 = batch
            .entries
            .iter()
            .filter(|e| !tx::is_debit(e.transaction_code))
            .map(|e| e.amount_cents)
            .sum();
        let service_class = match (debits > 0, credits > 0) {
            (true, false) => "225",
            (false, true) => "220",
            _ => "200",
        };
        lines.push(format!(
            "5{service_class}{}{}{}{}{}{}{}   1{odfi8}{}",
            alpha(company_name, 16),
            alpha("", 20),
            alpha(company_id, 10),
            batch.sec.code(),
            alpha(&batch.description, 10),
            dates.effective_date,
            dates.effective_date,
            num(number, 7),
        ));
        let mut hash = 0u64;
        for e in &batch.entries {
            hash += entry_hash_part(&e.routing);
            lines.push(format!(
                "6{}{}{}{}{}{}  0{}",
                num(u64::from(e.transaction_code), 2),
                alpha(&e.routing, 9),
                alpha(&e.account_number, 17),
                num(e.amount_cents.max(0) as u64, 10),
                alpha(&e.individual_id, 15),
                alpha(&e.name, 22),
                alpha(&e.trace_number, 15),
            ));
        }
        lines.push(format!(
            "8{service_class}{}{}{}{}{}{}{}{odfi8}{}",
            num(batch.entries.len() as u64, 6),
            num(hash, 10),
            num(debits as u64, 12),
            num(credits as u64, 12),
            alpha(company_id, 10),
            alpha("", 19),
            alpha("", 6),
            num(number, 7),
        ));
        totals.entry_count += batch.entries.len();
        totals.entry_hash += hash;
        totals.debit_cents += debits;
        totals.credit_cents += credits;
    }
    let records = lines.len() + 1;
    totals.block_count = records.div_ceil(BLOCKING_FACTOR);
    lines.push(format!(
        "9{}{}{}{}{}{}{}",
        num(totals.batch_count as u64, 6),
        num(totals.block_count as u64, 6),
        num(totals.entry_count as u64, 8),
        num(totals.entry_hash, 10),
        num(totals.debit_cents as u64, 12),
        num(totals.credit_cents as u64, 12),
        alpha("", 39),
    ));
    while lines.len() % BLOCKING_FACTOR != 0 {
        lines.push("9".repeat(RECORD_LEN));
    }
    let mut out = String::with_capacity(lines.len() * (RECORD_LEN + 1));
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    (out, totals)
}

/// A return the bank sent back: the original entry's trace number and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Return {
    /// The line of the addenda record that carried it (1-based).
    pub line: usize,
    pub return_code: String,
    pub original_trace: String,
    pub amount_cents: i64,
}

/// Writes a return file for `returns` (entry returned, reason code): what
/// the sandbox bank sends back, and what the tests read.
pub fn write_returns(o: &Originator, dates: &FileDates, returns: &[(Entry, &str)]) -> String {
    let bank = Originator {
        immediate_destination: o.odfi_routing.clone(),
        immediate_destination_name: o.immediate_origin_name.clone(),
        immediate_origin: format!(" {}", o.immediate_destination),
        immediate_origin_name: o.immediate_destination_name.clone(),
        ..o.clone()
    };
    let entries: Vec<Entry> = returns.iter().map(|(e, _)| e.clone()).collect();
    let (file, _) = write_file(
        &bank,
        dates,
        &[Batch {
            sec: SecCode::Ppd,
            description: "RETURN".into(),
            company: None,
            entries,
        }],
    );
    // Each entry gets its addenda: indicator 1 and a 7-99 record after it.
    let mut out = String::new();
    let mut i = 0;
    let mut body: Vec<String> = Vec::new();
    for line in file.lines() {
        if line.starts_with('6') {
            let (entry, code) = &returns[i];
            i += 1;
            let mut l = line.to_string();
            l.replace_range(78..79, "1");
            let return_trace = trace_number(&bank.immediate_destination, i as i64);
            l.replace_range(79..94, &return_trace);
            body.push(l);
            body.push(format!(
                "799{}{}{}{}{}{}",
                alpha(code, 3),
                alpha(&entry.trace_number, 15),
                alpha("", 6),
                alpha(entry.routing.get(..8).unwrap_or(""), 8),
                alpha("", 44),
                alpha(&return_trace, 15),
            ));
        } else if !line.starts_with("99999") {
            body.push(line.to_string());
        }
    }
    // Recount: addenda change the entry/addenda counts and the block count.
    let addenda = returns.len() as u64;
    let records = body.len();
    for l in body.iter_mut() {
        if l.starts_with('8') {
            let n: u64 = l[4..10].parse().unwrap_or(0) + addenda;
            l.replace_range(4..10, &num(n, 6));
        } else if l.starts_with('9') {
            let n: u64 = l[13..21].parse().unwrap_or(0) + addenda;
            l.replace_range(13..21, &num(n, 8));
            l.replace_range(7..13, &num(records.div_ceil(BLOCKING_FACTOR) as u64, 6));
        }
    }
    while !body.len().is_multiple_of(BLOCKING_FACTOR) {
        body.push("9".repeat(RECORD_LEN));
    }
    for l in body {
        let _ = writeln!(out, "{l}");
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct NachaError {
    pub line: usize,
    pub reason: String,
}

fn err(line: usize, reason: impl Into<String>) -> NachaError {
    NachaError {
        line,
        reason: reason.into(),
    }
}

/// A file read back, with its control totals checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    pub batches: Vec<ParsedBatch>,
    pub totals: FileTotals,
    pub returns: Vec<Return>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedBatch {
    pub sec: String,
    pub service_class: String,
    /// Company Name and Company Identification, as written.
    pub company_name: String,
    pub company_id: String,
    pub entries: Vec<Entry>,
}

fn field_num(
    line: &str,
    range: std::ops::Range<usize>,
    n: usize,
    what: &str,
) -> Result<u64, NachaError> {
    line[range.clone()].trim().parse::<u64>().map_err(|_| {
        err(
            n,
            format!(
                "{what} (columns {}–{}) is not a number",
                range.start + 1,
                range.end
            ),
        )
    })
}

/// Reads a NACHA file and checks every record length, count, hash and
/// total against the control records. Returns (addenda type 99) come back
/// in `returns`.
pub fn parse_file(text: &str) -> Result<ParsedFile, NachaError> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    if lines.is_empty() {
        return Err(err(1, "the file is empty"));
    }
    let mut batches: Vec<ParsedBatch> = Vec::new();
    let mut returns = Vec::new();
    let mut in_batch = false;
    let (mut count, mut hash, mut debits, mut credits) = (0u64, 0u64, 0i64, 0i64);
    let mut file_control: Option<FileTotals> = None;
    let mut seen = FileTotals {
        batch_count: 0,
        entry_count: 0,
        entry_hash: 0,
        debit_cents: 0,
        credit_cents: 0,
        block_count: 0,
    };
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        if line.len() != RECORD_LEN || !line.is_ascii() {
            return Err(err(
                n,
                format!(
                    "a record is {RECORD_LEN} characters; this one is {}",
                    line.chars().count()
                ),
            ));
        }
        if file_control.is_some() {
            if *line != "9".repeat(RECORD_LEN) {
                return Err(err(
                    n,
                    "only padding records of 9s may follow the file control",
                ));
            }
            continue;
        }
        match &line[..1] {
            "1" if n == 1 => {
                if &line[34..37] != "094" || &line[37..39] != "10" {
                    return Err(err(
                        n,
                        "the file header must give record size 094 and blocking factor 10",
                    ));
                }
            }
            "1" => return Err(err(n, "a file header may only be the first record")),
            "5" => {
                if in_batch {
                    return Err(err(n, "a batch header before the previous batch's control"));
                }
                in_batch = true;
                (count, hash, debits, credits) = (0, 0, 0, 0);
                batches.push(ParsedBatch {
                    sec: line[50..53].to_string(),
                    service_class: line[1..4].to_string(),
                    company_name: line[4..20].trim_end().to_string(),
                    company_id: line[40..50].trim_end().to_string(),
                    entries: vec![],
                });
            }
            "6" => {
                let batch = batches
                    .last_mut()
                    .filter(|_| in_batch)
                    .ok_or_else(|| err(n, "an entry outside a batch"))?;
                let code = field_num(line, 1..3, n, "the transaction code")? as u8;
                let amount = field_num(line, 29..39, n, "the amount")? as i64;
                hash += field_num(line, 3..11, n, "the receiving bank")?;
                count += 1;
                if tx::is_debit(code) {
                    debits += amount;
                } else {
                    credits += amount;
                }
                batch.entries.push(Entry {
                    transaction_code: code,
                    routing: line[3..12].to_string(),
                    account_number: line[12..29].trim().to_string(),
                    amount_cents: amount,
                    individual_id: line[39..54].trim().to_string(),
                    name: line[54..76].trim().to_string(),
                    trace_number: line[79..94].to_string(),
                });
            }
            "7" => {
                if !in_batch {
                    return Err(err(n, "an addenda record outside a batch"));
                }
                count += 1;
                if &line[1..3] == "99" {
                    let amount = batches
                        .last()
                        .and_then(|b| b.entries.last())
                        .map(|e| e.amount_cents)
                        .unwrap_or(0);
                    returns.push(Return {
                        line: n,
                        return_code: line[3..6].to_string(),
                        original_trace: line[6..21].to_string(),
                        amount_cents: amount,
                    });
                }
            }
            "8" => {
                if !in_batch {
                    return Err(err(n, "a batch control without its header"));
                }
                in_batch = false;
                let checks = [
                    (
                        field_num(line, 4..10, n, "the entry count")?,
                        count,
                        "entry/addenda count",
                    ),
                    (
                        field_num(line, 10..20, n, "the entry hash")?,
                        hash % 10_000_000_000,
                        "entry hash",
                    ),
                    (
                        field_num(line, 20..32, n, "the debit total")?,
                        debits as u64,
                        "total debits",
                    ),
                    (
                        field_num(line, 32..44, n, "the credit total")?,
                        credits as u64,
                        "total credits",
                    ),
                ];
                for (stated, actual, what) in checks {
                    if stated != actual {
                        return Err(err(
                            n,
                            format!(
                                "batch control {what} says {stated}, the entries add up to {actual}"
                            ),
                        ));
                    }
                }
                seen.batch_count += 1;
                seen.entry_count += count as usize;
                seen.entry_hash += hash;
                seen.debit_cents += debits;
                seen.credit_cents += credits;
            }
            "9" => {
                if in_batch {
                    return Err(err(n, "the file control inside a batch"));
                }
                let stated = FileTotals {
                    batch_count: field_num(line, 1..7, n, "the batch count")? as usize,
                    block_count: field_num(line, 7..13, n, "the block count")? as usize,
                    entry_count: field_num(line, 13..21, n, "the entry count")? as usize,
                    entry_hash: field_num(line, 21..31, n, "the entry hash")?,
                    debit_cents: field_num(line, 31..43, n, "the debit total")? as i64,
                    credit_cents: field_num(line, 43..55, n, "the credit total")? as i64,
                };
                seen.block_count = lines.len() / BLOCKING_FACTOR;
                let actual = FileTotals {
                    entry_hash: seen.entry_hash % 10_000_000_000,
                    ..seen.clone()
                };
                if stated != actual {
                    return Err(err(
                        n,
                        format!("file control {stated:?} does not match the batches {actual:?}"),
                    ));
                }
                file_control = Some(stated);
            }
            other => return Err(err(n, format!("unknown record type {other:?}"))),
        }
    }
    let totals =
        file_control.ok_or_else(|| err(lines.len(), "the file has no file control record"))?;
    if !lines.len().is_multiple_of(BLOCKING_FACTOR) {
        return Err(err(
            lines.len(),
            format!(
                "{} records is not a multiple of {BLOCKING_FACTOR}",
                lines.len()
            ),
        ));
    }
    Ok(ParsedFile {
        batches,
        totals,
        returns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn originator() -> Originator {
        Originator {
            immediate_destination: "091000019".into(),
            immediate_destination_name: "Wells Fargo".into(),
            immediate_origin: "1234567890".into(),
            immediate_origin_name: "Paydesk Demo Utility".into(),
            company_name: "Demo Utility".into(),
            company_id: "1234567890".into(),
            odfi_routing: "091000019".into(),
        }
    }

    fn dates() -> FileDates {
        FileDates {
            created_date: "261125".into(),
            created_time: "1700".into(),
            effective_date: "261126".into(),
            file_id_modifier: 'A',
        }
    }

    fn entry(code: u8, routing: &str, amount: i64, seq: i64) -> Entry {
        Entry {
            transaction_code: code,
            routing: routing.into(),
            account_number: "000123456789".into(),
            amount_cents: amount,
            individual_id: "100001".into(),
            name: "Pat Doe".into(),
            trace_number: trace_number("091000019", seq),
        }
    }

    fn sample() -> (String, FileTotals) {
        write_file(
            &originator(),
            &dates(),
            &[
                Batch {
                    sec: SecCode::Ppd,
                    description: "BILL PAY".into(),
                    company: None,
                    entries: vec![
                        entry(27, "011000015", 12_550, 1),
                        entry(37, "021000021", 99, 2),
                    ],
                },
                Batch {
                    sec: SecCode::Ccd,
                    description: "BILL PAY".into(),
                    company: None,
                    entries: vec![entry(27, "121000358", 1_000_000, 3)],
                },
                Batch {
                    sec: SecCode::Ppd,
                    description: "REFUND".into(),
                    company: None,
                    entries: vec![entry(22, "011000015", 2_000, 4)],
                },
                Batch {
                    sec: SecCode::Ccd,
                    description: "REFUND".into(),
                    company: None,
                    entries: vec![],
                },
            ],
        )
    }

    #[test]
    fn every_record_is_94_characters_in_blocks_of_ten() {
        let (file, totals) = sample();
        let lines: Vec<&str> = file.lines().collect();
        assert!(lines.iter().all(|l| l.len() == RECORD_LEN), "{file}");
        // 1 header + 3 batches × 2 + 4 entries + 1 control = 12 → padded to 20.
        assert_eq!(lines.len(), 20);
        assert_eq!(totals.block_count, 2);
        assert_eq!(
            lines[12..].iter().filter(|l| **l == "9".repeat(94)).count(),
            8
        );
        assert_eq!(&lines[0][..3], "101");
        assert_eq!(&lines[0][3..13], " 091000019");
        assert_eq!(&lines[0][34..40], "094101");
    }

    #[test]
    fn controls_count_hash_and_total_the_entries() {
        let (file, totals) = sample();
        assert_eq!(totals.batch_count, 3, "the empty batch is left out");
        assert_eq!(totals.entry_count, 4);
        // 01100001 + 02100002 + 12100035 + 01100001
        assert_eq!(
            totals.entry_hash,
            1_100_001 + 2_100_002 + 12_100_035 + 1_100_001
        );
        assert_eq!(totals.debit_cents, 12_550 + 99 + 1_000_000);
        assert_eq!(totals.credit_cents, 2_000);
        let lines: Vec<&str> = file.lines().collect();
        let first_batch = lines[1];
        assert_eq!(&first_batch[1..4], "225", "debits only");
        assert_eq!(&first_batch[50..53], "PPD");
        assert_eq!(&first_batch[79..87], "09100001");
        let refund_batch = lines.iter().rev().find(|l| l.starts_with('5')).unwrap();
        assert_eq!(&refund_batch[1..4], "220", "credits only");
        let ccd_control = lines[7];
        assert!(ccd_control.starts_with("8225000001"), "{ccd_control}");
        assert_eq!(&ccd_control[10..20], "0012100035");
        assert_eq!(&ccd_control[20..32], "000001000000");
        let file_control = lines[11];
        assert_eq!(&file_control[..21], "900000300000200000004");
        assert_eq!(&file_control[31..43], "000001012649");
        assert_eq!(&file_control[43..55], "000000002000");
        let entry = lines[2];
        assert_eq!(&entry[..12], "627011000015");
        assert_eq!(&entry[12..29], "000123456789     ");
        assert_eq!(&entry[29..39], "0000012550");
        assert_eq!(&entry[79..94], "091000010000001");
    }

    #[test]
    fn a_written_file_reads_back_the_same() {
        let (file, totals) = sample();
        let parsed = parse_file(&file).unwrap();
        assert_eq!(parsed.totals, totals);
        assert_eq!(parsed.batches.len(), 3);
        assert_eq!(parsed.batches[1].sec, "CCD");
        assert_eq!(
            parsed.batches[0].entries[0],
            Entry {
                name: "PAT DOE".into(),
                ..entry(27, "011000015", 12_550, 1)
            },
            "names go out in capitals"
        );
        assert!(parsed.returns.is_empty());
    }

    #[test]
    fn tampering_is_caught_with_its_line() {
        let (file, _) = sample();
        let changed = file.replacen("0000012550", "0000012551", 1);
        let e = parse_file(&changed).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.reason.contains("total debits"), "{e}");
        let short = file.replacen("PAT DOE", "PAT DO", 1);
        assert_eq!(parse_file(&short).unwrap_err().line, 3);
        let unpadded: String = file.lines().take(12).map(|l| format!("{l}\n")).collect();
        assert!(parse_file(&unpadded).is_err());
        assert!(parse_file("").is_err());
    }

    fn sample_returns() -> String {
        write_returns(
            &originator(),
            &dates(),
            &[
                (entry(27, "011000015", 12_550, 1), "R01"),
                (entry(27, "021000021", 99, 2), "R03"),
            ],
        )
    }

    #[test]
    fn return_files_carry_code_and_original_trace() {
        let returned = entry(27, "011000015", 12_550, 1);
        let text = sample_returns();
        let parsed = parse_file(&text).unwrap();
        assert_eq!(parsed.returns.len(), 2);
        assert_eq!(parsed.returns[0].return_code, "R01");
        assert_eq!(parsed.returns[0].original_trace, returned.trace_number);
        assert_eq!(parsed.returns[0].amount_cents, 12_550);
        assert_eq!(parsed.returns[1].return_code, "R03");
        assert_eq!(
            parsed.totals.entry_count, 4,
            "two entries and their addenda"
        );
    }
}
