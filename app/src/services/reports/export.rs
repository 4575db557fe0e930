//! Exports: every row that matches a report's query (not only the page),
//! as CSV, Excel, fixed-width text or XML, streamed. Rows come from one
//! query in batches (`Db::report_stream`) and leave as bytes batch by
//! batch, so memory stays flat however many rows match.
//!
//! Every file starts by saying what it is: the report, its dates, the time
//! zone, who ran it and when. Amounts are exact decimals (`1234.56`); in
//! Excel they are numbers formatted as currency (see `xlsx`). CSV cells
//! pass the formula guard; Excel cells are typed strings, which a
//! spreadsheet never runs.

use super::{Built, Run, build, check};
use crate::config::Config;
use crate::db::audit::AuditEntry;
use crate::db::reports::Cell;
use crate::db::{Db, DbError, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::report::{CellType, ColumnSpec, ExportFormat, ReportQuery, decimal};
use crate::domain::staff::StaffUser;
use crate::error::AppError;
use crate::services::clock;
use crate::services::csv_out::CsvOut;
use futures::StreamExt;
use futures::stream::BoxStream;
use jiff::tz::TimeZone;
use tokio::sync::mpsc::Receiver;

/// An export on its way out.
pub struct ExportFile {
    pub file_name: String,
    pub content_type: &'static str,
    pub body: BoxStream<'static, Result<Vec<u8>, std::io::Error>>,
}

/// What the first lines of a file say.
#[derive(Debug, Clone)]
pub struct Meta {
    pub report: &'static str,
    pub range: String,
    pub timezone: String,
    pub run_by: String,
    pub run_at: String,
}

impl Meta {
    fn lines(&self) -> [(&'static str, &str); 5] {
        [
            ("Report", self.report),
            ("Dates", &self.range),
            ("Time zone", &self.timezone),
            ("Run by", &self.run_by),
            ("Run at", &self.run_at),
        ]
    }
}

/// The export of `query` as `format`, audited when it starts.
pub async fn export(
    db: &Db,
    config: &Config,
    who: &StaffUser,
    ip: Option<&str>,
    query: &ReportQuery,
    format: ExportFormat,
) -> Result<ExportFile, AppError> {
    let q = check(db, query, config).await?;
    let spec = q.spec();
    if !spec.exports.contains(&format) {
        return Err(AppError::NotFound(format!(
            "The {} report does not export as {}.",
            q.kind.label(),
            format.label()
        )));
    }
    let tz = config.timezone.clone();
    let (from_ms, until_ms) = super::bounds(&q, &tz);
    let shown = who.shown();
    let run = Run {
        db,
        config,
        tz: &tz,
        q: &q,
        from_ms,
        until_ms,
        summaries: false,
        divisions: &shown,
    };
    let Built { select, .. } = build(&run).await?;
    let now = now_ms();
    let after = serde_json::json!({ "format": format.code(), "query": q.params() }).to_string();
    db.audit(&AuditEntry {
        after: Some(&after),
        at: now,
        ..AuditEntry::by_staff(who, AuditAction::ReportExport, q.kind.label(), ip)
    })
    .await?;
    let meta = Meta {
        report: q.kind.label(),
        range: q.range_label(),
        timezone: tz.clone(),
        run_by: who.login.clone(),
        run_at: clock::file_time(now, &clock::zone(&tz)),
    };
    let columns = q.columns();
    let fix = select.fix;
    let rows = with_fix(db.report_stream(select), fix, tz.clone());
    let zone = clock::zone(&tz);
    let body = match format {
        ExportFormat::Csv => encode(rows, Csv::new(meta, columns, zone)),
        ExportFormat::Txt => encode(
            rows,
            Txt {
                meta,
                columns,
                zone,
            },
        ),
        ExportFormat::Xml => encode(
            rows,
            Xml {
                meta,
                columns,
                zone,
            },
        ),
        ExportFormat::Xlsx => xlsx(rows, meta, columns, tz),
    };
    Ok(ExportFile {
        file_name: format!(
            "{}-{}.{}",
            q.kind.code(),
            q.range_label().replace(' ', "").replace("today,", ""),
            format.code()
        ),
        content_type: format.content_type(),
        body,
    })
}

type Batches = Receiver<Result<Vec<Vec<Cell>>, DbError>>;

/// The rows with the report's `fix` applied (a date in the biller's zone),
/// on their way from the query to the encoder.
fn with_fix(rows: Batches, fix: Option<fn(&mut [Cell], &str)>, tz: String) -> Batches {
    let Some(fix) = fix else {
        return rows;
    };
    let (tx, out) = tokio::sync::mpsc::channel(2);
    let mut rows = rows;
    tokio::spawn(async move {
        while let Some(batch) = rows.recv().await {
            let batch = batch.map(|mut b| {
                for r in &mut b {
                    fix(r, &tz);
                }
                b
            });
            if tx.send(batch).await.is_err() {
                break;
            }
        }
    });
    out
}

/// A cell as a file holds it: exact decimals, times in the biller's zone.
pub fn file_text(ty: CellType, cell: &Cell, zone: &TimeZone) -> String {
    match (ty, cell) {
        (_, Cell::Null) => String::new(),
        (CellType::Money, Cell::Int(c)) => decimal(*c),
        (CellType::Time, Cell::Int(ms)) => clock::file_time(*ms, zone),
        (_, Cell::Int(n)) => n.to_string(),
        (_, Cell::Text(s)) => s.clone(),
    }
}

/// A text format: bytes before the rows, per batch, and after.
trait Encoder: Send + 'static {
    fn start(&mut self) -> Vec<u8>;
    fn rows(&mut self, rows: &[Vec<Cell>]) -> Vec<u8>;
    fn end(&mut self) -> Vec<u8>;
}

/// A database error part-way ends the response with an error, so a cut
/// file cannot pass for a whole one; the details go to the log.
fn cut(e: DbError) -> std::io::Error {
    let incident = crate::services::incident_id();
    tracing::error!(incident = %incident, error = %e, "report export failed part-way");
    std::io::Error::other(format!("export failed (incident {incident})"))
}

fn encode<E: Encoder>(
    rows: Receiver<Result<Vec<Vec<Cell>>, DbError>>,
    enc: E,
) -> BoxStream<'static, Result<Vec<u8>, std::io::Error>> {
    enum Phase<E> {
        Start(Receiver<Result<Vec<Vec<Cell>>, DbError>>, E),
        Rows(Receiver<Result<Vec<Vec<Cell>>, DbError>>, E),
        Done,
    }
    futures::stream::unfold(Phase::Start(rows, enc), |phase| async move {
        match phase {
            Phase::Start(rx, mut enc) => Some((Ok(enc.start()), Phase::Rows(rx, enc))),
            Phase::Rows(mut rx, mut enc) => match rx.recv().await {
                Some(Ok(batch)) => Some((Ok(enc.rows(&batch)), Phase::Rows(rx, enc))),
                Some(Err(e)) => Some((Err(cut(e)), Phase::Done)),
                None => Some((Ok(enc.end()), Phase::Done)),
            },
            Phase::Done => None,
        }
    })
    .boxed()
}

struct Csv {
    out: CsvOut,
    meta: Meta,
    columns: Vec<ColumnSpec>,
    zone: TimeZone,
}

impl Csv {
    fn new(meta: Meta, columns: Vec<ColumnSpec>, zone: TimeZone) -> Csv {
        Csv {
            out: CsvOut::new(),
            meta,
            columns,
            zone,
        }
    }
}

impl Encoder for Csv {
    fn start(&mut self) -> Vec<u8> {
        for (k, v) in self.meta.lines() {
            self.out.row([k, v]);
        }
        self.out.row([""]);
        self.out.row(self.columns.iter().map(|c| c.label));
        self.out.take()
    }

    fn rows(&mut self, rows: &[Vec<Cell>]) -> Vec<u8> {
        for r in rows {
            let cells: Vec<String> = self
                .columns
                .iter()
                .zip(r)
                .map(|(c, cell)| file_text(c.ty, cell, &self.zone))
                .collect();
            // Amounts are ours, never typed: a negative one stays a number.
            self.out.row_trusting(
                cells
                    .iter()
                    .zip(&self.columns)
                    .map(|(v, c)| (v.as_str(), c.ty == CellType::Money)),
            );
        }
        self.out.take()
    }

    fn end(&mut self) -> Vec<u8> {
        self.out.take()
    }
}

/// Fixed-width text: each column padded to its width (numbers on the
/// right), one space between; longer text is cut to the width.
struct Txt {
    meta: Meta,
    columns: Vec<ColumnSpec>,
    zone: TimeZone,
}

pub fn width(c: &ColumnSpec) -> usize {
    match c.ty {
        CellType::Money => 14,
        CellType::Time => 19,
        CellType::Date => 10,
        CellType::Count => 8,
        CellType::Text => match c.key {
            "reference" => 14,
            "account" | "invoice" | "user_id" => 32,
            // A division's name (the Key column) is up to 40 too.
            "name" | "email" | "key" => 40,
            "return_code" => 11,
            "kind" | "status" => 12,
            _ => 24,
        },
    }
}

fn fixed(text: &str, width: usize, right: bool) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(width)
        .collect();
    if right {
        format!("{clean:>width$}")
    } else {
        format!("{clean:<width$}")
    }
}

impl Txt {
    fn line<'a>(&self, cells: impl Iterator<Item = (&'a ColumnSpec, String)>) -> String {
        let parts: Vec<String> = cells
            .map(|(c, t)| fixed(&t, width(c), c.ty.numeric()))
            .collect();
        format!("{}\r\n", parts.join(" ").trim_end())
    }
}

impl Encoder for Txt {
    fn start(&mut self) -> Vec<u8> {
        let mut s = String::new();
        for (k, v) in self.meta.lines() {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        s.push_str("\r\n");
        s.push_str(&self.line(self.columns.iter().map(|c| (c, c.label.to_string()))));
        s.into_bytes()
    }

    fn rows(&mut self, rows: &[Vec<Cell>]) -> Vec<u8> {
        let mut s = String::new();
        for r in rows {
            s.push_str(
                &self.line(
                    self.columns
                        .iter()
                        .zip(r)
                        .map(|(c, cell)| (c, file_text(c.ty, cell, &self.zone))),
                ),
            );
        }
        s.into_bytes()
    }

    fn end(&mut self) -> Vec<u8> {
        Vec::new()
    }
}

struct Xml {
    meta: Meta,
    columns: Vec<ColumnSpec>,
    zone: TimeZone,
}

/// Text as XML 1.0 character data: markup escaped, and the control
/// characters XML cannot hold dropped.
pub fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

impl Encoder for Xml {
    fn start(&mut self) -> Vec<u8> {
        let m = &self.meta;
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<report name=\"{}\" dates=\"{}\" timezone=\"{}\" run-by=\"{}\" run-at=\"{}\">\n",
            xml_text(m.report),
            xml_text(&m.range),
            xml_text(&m.timezone),
            xml_text(&m.run_by),
            xml_text(&m.run_at)
        )
        .into_bytes()
    }

    fn rows(&mut self, rows: &[Vec<Cell>]) -> Vec<u8> {
        let mut s = String::new();
        for r in rows {
            s.push_str("  <row>");
            for (c, cell) in self.columns.iter().zip(r) {
                let key = c.key;
                s.push_str(&format!(
                    "<{key}>{}</{key}>",
                    xml_text(&file_text(c.ty, cell, &self.zone))
                ));
            }
            s.push_str("</row>\n");
        }
        s.into_bytes()
    }

    fn end(&mut self) -> Vec<u8> {
        b"</report>\n".to_vec()
    }
}

/// The most rows a worksheet holds; past it the rows go on in another sheet.
const SHEET_ROWS: u32 = 1_048_576;

/// Excel, written by `rust_xlsxwriter` in constant-memory mode (rows go to
/// a temporary file as they are written) on a blocking thread, then zipped
/// straight into the response. The file cannot start before its last row
/// is read (a zip's parts are written whole), but memory stays flat.
///
/// Amounts are written as numbers: cents (an exact integer) divided by 100
/// once, which gives the double nearest the exact decimal, and Excel shows
/// it, with the currency format, as exactly that decimal.
fn xlsx(
    mut rows: Receiver<Result<Vec<Vec<Cell>>, DbError>>,
    meta: Meta,
    columns: Vec<ColumnSpec>,
    tz: String,
) -> BoxStream<'static, Result<Vec<u8>, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let failed = tx.clone();
        let result = write_xlsx(&mut rows, &meta, columns, &tz, ChannelWriter::new(tx));
        if let Err(e) = result {
            let _ = failed.blocking_send(Err(e));
        }
    });
    futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .boxed()
}

fn write_xlsx(
    rows: &mut Receiver<Result<Vec<Vec<Cell>>, DbError>>,
    meta: &Meta,
    columns: Vec<ColumnSpec>,
    tz: &str,
    out: ChannelWriter,
) -> Result<(), std::io::Error> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
    let fail = |e: XlsxError| {
        let incident = crate::services::incident_id();
        tracing::error!(incident = %incident, error = %e, "excel export failed");
        std::io::Error::other(format!("export failed (incident {incident})"))
    };
    let money = Format::new().set_num_format("$#,##0.00");
    let time = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let bold = Format::new().set_bold();
    let zone = clock::zone(tz);
    let mut book = Workbook::new();
    // Level 1, not the default 6: deflating the sheet's XML was most of the
    // time of a large export (docs/benchmarks.md); the file is larger by
    // about half, and still a fraction of the CSV's size.
    book.set_zip_compression_level(1);
    let mut sheet_index = 0;
    let mut row: u32 = 0;
    let header = |book: &mut Workbook, index: usize, at: u32| -> Result<(), XlsxError> {
        let sheet = book.worksheet_from_index(index)?;
        for (i, c) in columns.iter().enumerate() {
            let col = i as u16;
            sheet.write_string_with_format(at, col, c.label, &bold)?;
            sheet.set_column_width(col, (width(c) as f64 + 2.0).min(45.0))?;
        }
        Ok(())
    };
    {
        let sheet = book.add_worksheet_with_constant_memory().map_err(fail)?;
        for (k, v) in meta.lines() {
            sheet
                .write_string_with_format(row, 0, k, &bold)
                .map_err(fail)?;
            sheet.write_string(row, 1, v).map_err(fail)?;
            row += 1;
        }
    }
    row += 1;
    header(&mut book, 0, row).map_err(fail)?;
    row += 1;
    while let Some(batch) = rows.blocking_recv() {
        let batch = batch.map_err(cut)?;
        for r in batch {
            if row >= SHEET_ROWS {
                book.add_worksheet_with_constant_memory().map_err(fail)?;
                sheet_index += 1;
                header(&mut book, sheet_index, 0).map_err(fail)?;
                row = 1;
            }
            let sheet = book.worksheet_from_index(sheet_index).map_err(fail)?;
            for (i, (c, cell)) in columns.iter().zip(&r).enumerate() {
                let col = i as u16;
                match (c.ty, cell) {
                    (_, Cell::Null) => continue,
                    (CellType::Money, Cell::Int(cents)) => {
                        sheet.write_number_with_format(row, col, *cents as f64 / 100.0, &money)
                    }
                    (CellType::Count, Cell::Int(n)) => sheet.write_number(row, col, *n as f64),
                    (CellType::Time, Cell::Int(ms)) => {
                        match clock::wall_clock_seconds(*ms, &zone)
                            .and_then(|s| ExcelDateTime::from_timestamp(s).ok())
                        {
                            Some(t) => sheet.write_datetime_with_format(row, col, &t, &time),
                            None => sheet.write_string(row, col, clock::file_time(*ms, &zone)),
                        }
                    }
                    (CellType::Date, Cell::Text(d)) => match ExcelDateTime::parse_from_str(d) {
                        Ok(t) => sheet.write_datetime_with_format(row, col, &t, &date),
                        Err(_) => sheet.write_string(row, col, d.as_str()),
                    },
                    (_, other) => sheet.write_string(row, col, file_text(c.ty, other, &zone)),
                }
                .map_err(fail)?;
            }
            row += 1;
        }
    }
    book.save_to_writer(out).map_err(fail)
}

/// A `Write` that hands what is written to the response, 64 KiB at a time.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    fn new(tx: tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>) -> ChannelWriter {
        ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        let _ = self.send();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped_and_clean() {
        assert_eq!(xml_text("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn fixed_width_pads_and_cuts() {
        assert_eq!(fixed("abc", 5, false), "abc  ");
        assert_eq!(fixed("12.50", 8, true), "   12.50");
        assert_eq!(fixed("abcdef", 3, false), "abc");
        assert_eq!(fixed("a\tb", 3, false), "a b");
    }

    #[test]
    fn file_cells_are_exact() {
        assert_eq!(
            file_text(CellType::Money, &Cell::Int(123_456), &TimeZone::UTC),
            "1234.56"
        );
        assert_eq!(
            file_text(CellType::Time, &Cell::Int(0), &TimeZone::UTC),
            "1970-01-01 00:00:00"
        );
        assert_eq!(file_text(CellType::Text, &Cell::Null, &TimeZone::UTC), "");
    }
}
