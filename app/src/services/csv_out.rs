//! CSV downloads (the Audit Report export, an upload's refused rows):
//! `csv::Writer` does the quoting, every cell quoted, lines end in CRLF, and
//! each cell passes the formula guard first (`domain::audit_view::formula_safe`).
//! Written into a buffer that is taken a piece at a time, so a long export
//! streams out instead of being built whole.

use crate::domain::audit_view::formula_safe;

pub struct CsvOut {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvOut {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvOut {
    pub fn new() -> CsvOut {
        CsvOut { writer: writer() }
    }

    /// A row where cells marked `true` are ours (an amount we formatted)
    /// and skip the formula guard, so `-12.50` stays a number.
    pub fn row_trusting<'a, I>(&mut self, cells: I)
    where
        I: IntoIterator<Item = (&'a str, bool)>,
    {
        let _ = self.writer.write_record(cells.into_iter().map(|(c, ours)| {
            if ours {
                c.as_bytes().to_vec()
            } else {
                formula_safe(c).as_bytes().to_vec()
            }
        }));
    }

    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        // Writing into a Vec cannot fail, and every row has the header's
        // number of cells, so there is no error to report.
        let _ = self.writer.write_record(
            cells
                .into_iter()
                .map(|c| formula_safe(c.as_ref()).into_owned()),
        );
    }

    /// What was written since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        // Flushing into a Vec cannot fail.
        std::mem::replace(&mut self.writer, writer())
            .into_inner()
            .unwrap_or_default()
    }
}

fn builder() -> csv::WriterBuilder {
    let mut b = csv::WriterBuilder::new();
    // Flexible: a report's export starts with lines that say what it is,
    // shorter than its table's rows.
    b.quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .flexible(true);
    b
}

fn writer() -> csv::Writer<Vec<u8>> {
    builder().from_writer(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_never_formulas() {
        let mut out = CsvOut::new();
        out.row(["Line", "Reason"]);
        out.row(["=HYPERLINK(\"http://x\")", "plain, with comma"]);
        out.row(["a\r\nb", "-2"]);
        let text = String::from_utf8(out.take()).unwrap();
        assert_eq!(
            text,
            "\"Line\",\"Reason\"\r\n\
             \"'=HYPERLINK(\"\"http://x\"\")\",\"plain, with comma\"\r\n\
             \"a\r\nb\",\"'-2\"\r\n"
        );
        assert!(out.take().is_empty(), "taken once");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[1][0], "a\r\nb", "a line break stays inside its cell");
    }
}
