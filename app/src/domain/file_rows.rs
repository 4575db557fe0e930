//! Reading an uploaded CSV file into checked rows, with no database: the
//! header first (a file whose header cannot be used is refused whole), then
//! each data row as a record or its errors, one at a time, so a file of any
//! size streams. Shared by imports and the parser fuzz targets.

use super::bill_file::{BillHeader, BillRecord};
use super::category_file::{CategoryHeader, CategoryRecord};
use super::universal_file::{AccountRecord, Header, RowError};
use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex};

/// Why the file as a whole cannot be read: one error per reason.
pub type Refused = Vec<RowError>;

/// The data rows of a universal file.
pub fn universal_rows<R: Read>(
    input: R,
) -> Result<impl Iterator<Item = Result<AccountRecord, Vec<RowError>>>, Refused> {
    rows(input, Header::parse, Header::record)
}

/// The data rows of a bill file.
pub fn bill_rows<R: Read>(
    input: R,
) -> Result<impl Iterator<Item = Result<BillRecord, Vec<RowError>>>, Refused> {
    rows(input, BillHeader::parse, BillHeader::record)
}

/// The data rows of a category file.
pub fn category_rows<R: Read>(
    input: R,
) -> Result<impl Iterator<Item = Result<CategoryRecord, Vec<RowError>>>, Refused> {
    rows(input, CategoryHeader::parse, CategoryHeader::record)
}

/// A file's header read by `parse`, then each data row checked by `record`
/// with its line number.
fn rows<R: Read, H, T>(
    input: R,
    parse: impl FnOnce(&[&str]) -> Result<H, Refused>,
    record: impl Fn(&H, u64, &[&str]) -> Result<T, Vec<RowError>>,
) -> Result<impl Iterator<Item = Result<T, Vec<RowError>>>, Refused> {
    let (header, records, mut lines) = open(input)?;
    let h = parse(&header.iter().map(String::as_str).collect::<Vec<_>>())?;
    Ok(records.map(move |r| {
        lines
            .numbered(r)
            .and_then(|(line, rec)| record(&h, line, &rec.iter().collect::<Vec<_>>()))
    }))
}

/// The line breaks read so far and not yet passed: the byte offset of each
/// `\n`, and whether a `\r` came just before it.
type Breaks = Arc<Mutex<VecDeque<(u64, bool)>>>;

/// Notes where each line break is as the CSV reader reads ahead. The CSV
/// reader's own line count skips blank lines, and a person looks for the
/// line their editor shows.
struct BreakTap<R> {
    inner: R,
    offset: u64,
    last: u8,
    breaks: Breaks,
}

impl<R: Read> Read for BreakTap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut breaks) = self.breaks.lock() {
            for (i, b) in buf[..n].iter().enumerate() {
                let at = self.offset + i as u64;
                match *b {
                    // A CR alone ends a line too (the CSV reader and editors
                    // agree); one followed by LF is one break, noted at the LF.
                    b'\r' => breaks.push_back((at, false)),
                    b'\n' if self.last == b'\r' => {
                        if let Some(back) = breaks.back_mut()
                            && back.0 + 1 == at
                        {
                            *back = (at, true);
                        }
                    }
                    b'\n' => breaks.push_back((at, false)),
                    _ => {}
                }
                self.last = *b;
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Turns a record's byte offset into its line number. Records come in
/// order, so the breaks before one are counted once and let go.
struct Lines {
    breaks: Breaks,
    passed: u64,
}

impl Lines {
    /// The line of the record the CSV reader says starts at `byte`. That
    /// is where the previous one ended: blank lines it skipped come first.
    fn line_at(&mut self, byte: u64) -> u64 {
        let Ok(mut breaks) = self.breaks.lock() else {
            return 0;
        };
        let mut start = byte;
        while let Some(&(at, after_cr)) = breaks.front() {
            let blank = at == start || (after_cr && at == start + 1);
            if at >= start && !blank {
                break;
            }
            breaks.pop_front();
            self.passed += 1;
            if blank {
                start = at + 1;
            }
        }
        self.passed + 1
    }

    /// A data record with its line number, or why it could not be read.
    fn numbered(
        &mut self,
        r: csv::Result<csv::StringRecord>,
    ) -> Result<(u64, csv::StringRecord), Vec<RowError>> {
        match r {
            Ok(rec) => {
                let line = rec.position().map_or(0, |p| self.line_at(p.byte()));
                // Nothing stores a NUL (PostgreSQL cannot), so say where it is.
                match rec.iter().zip(1..).find(|(f, _)| f.contains('\0')) {
                    Some((_, n)) => Err(vec![RowError {
                        line,
                        column: format!("field {n}"),
                        reason: "contains a NUL character".into(),
                    }]),
                    None => Ok((line, rec)),
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| self.line_at(p.byte()));
                Err(vec![csv_error(e, line)])
            }
        }
    }
}

/// The header's fields, the data records after it, and their line numbers.
type Opened<R> = (Vec<String>, csv::StringRecordsIntoIter<BreakTap<R>>, Lines);

fn open<R: Read>(input: R) -> Result<Opened<R>, Refused> {
    let breaks = Breaks::default();
    let tap = BreakTap {
        inner: input,
        offset: 0,
        last: 0,
        breaks: breaks.clone(),
    };
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(tap);
    let mut records = reader.into_records();
    let mut lines = Lines { breaks, passed: 0 };
    let header: Vec<String> = match records.next() {
        None => {
            return Err(vec![RowError {
                line: 1,
                column: "*".into(),
                reason: "the file is empty".into(),
            }]);
        }
        Some(Err(e)) => {
            let line = e.position().map_or(1, |p| lines.line_at(p.byte()));
            return Err(vec![csv_error(e, line)]);
        }
        Some(Ok(rec)) => rec.iter().map(str::to_string).collect(),
    };
    Ok((header, records, lines))
}

fn csv_error(e: csv::Error, line: u64) -> RowError {
    let reason = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8 text".to_string(),
        _ => format!("cannot be read as CSV ({e})"),
    };
    RowError {
        line,
        column: "*".into(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzzer: a header ended by a lone CR made the next record
    /// line 1. CR, LF and CRLF each end one line, blank lines included.
    #[test]
    fn a_lone_cr_ends_a_line_like_lf_and_crlf() {
        let input = b"h1,h2\ra,b\r\n\r\nc,d\n\re,f\r".as_slice();
        let (header, records, mut lines) = open(input).expect("opens");
        assert_eq!(header, ["h1", "h2"]);
        let got: Vec<(u64, String)> = records
            .map(|r| {
                let (line, rec) = lines.numbered(r).expect("a record");
                (line, rec.iter().collect::<Vec<_>>().join(","))
            })
            .collect();
        assert_eq!(
            got,
            [
                (2, "a,b".to_string()),
                (4, "c,d".to_string()),
                (6, "e,f".to_string())
            ]
        );
    }

    #[test]
    fn rows_stream_with_their_line_numbers() {
        let file = "account_number,account_type,first_name,last_name,status\n100001,I,Ann,Lee,active\n\n100002,X,Bo,Lee,active\n";
        let rows: Vec<_> = universal_rows(file.as_bytes()).unwrap().collect();
        assert_eq!(rows.len(), 2, "a blank line is no row");
        assert_eq!(rows[0].as_ref().unwrap().line, 2);
        let errs = rows[1].as_ref().unwrap_err();
        assert_eq!(
            (errs[0].line, errs[0].column.as_str()),
            (4, "account_type"),
            "the blank line counts"
        );
        let quoted = "account_number,account_type,first_name,last_name,status\r\n1,I,\"A\nB\",Lee,active\r\n\r\n2,I,Bo,Lee,gone\r\n";
        let lines: Vec<u64> = universal_rows(quoted.as_bytes())
            .unwrap()
            .map(|r| r.map_or_else(|e| e[0].line, |r| r.line))
            .collect();
        assert_eq!(lines, [2, 5], "a row is named by the line it starts on");
    }

    #[test]
    fn an_unusable_file_is_refused_whole() {
        assert_eq!(
            universal_rows(&b""[..]).err().unwrap()[0].reason,
            "the file is empty"
        );
        let unknown = universal_rows(&b"account_number,colour\n1,red\n"[..])
            .err()
            .unwrap();
        assert!(unknown.iter().any(|e| e.column == "colour"), "{unknown:?}");
        let bad_utf8 = universal_rows(
            &b"account_number,account_type,first_name,last_name,status\n1,I,Ann,Lee,\xff\n"[..],
        )
        .unwrap()
        .next()
        .unwrap()
        .unwrap_err();
        assert_eq!(bad_utf8[0].reason, "is not valid UTF-8 text");
        assert!(
            bill_rows(&b"account_number\n"[..]).is_err(),
            "a bill file needs its columns"
        );
        let nul = universal_rows(
            &b"account_number,account_type,first_name,last_name,status\n1,I,A\0n,Lee,active\n"[..],
        )
        .unwrap()
        .next()
        .unwrap()
        .unwrap_err();
        assert_eq!(
            (nul[0].line, nul[0].column.as_str(), nul[0].reason.as_str()),
            (2, "field 3", "contains a NUL character")
        );
    }
}
