//! Statements stepped on SQLite's C API through a connection's raw handle,
//! not through sqlx's rows: an export's rows, and the bulk reads and writes
//! of a job's transaction (settlement's debits, the batches of history,
//! journal and ACH entries, [`super::Bulk`]).
//!
//! Why: sqlx runs each SQLite connection on a worker thread and hands every
//! row and every statement to it through a channel, so a 1,000,000-row
//! export woke a thread a million times; `perf` put a third of the export
//! in the kernel's futex wake-ups and a sixth in allocating sqlx's rows
//! (docs/benchmarks.md). Settling 1,000,000 payments read 500,000 debits
//! in 6.8 s through sqlx against 0.9 s in SQLite's own shell, and wrote
//! its 2,500,000 rows as JSON batches that SQLite parsed once per column.
//! Here a prepared statement is stepped in a loop: an export's on a
//! blocking thread of its own, handing on batches of `STREAM_BATCH` rows;
//! a transaction's on the task's own thread, which first tells the runtime
//! that it blocks when the work is long ([`blocking`], [`SHORT_WRITE`]).
//!
//! The connection is locked for the whole call (`lock_handle`: sqlx's
//! worker waits until the guard drops), so nothing else uses the handle
//! meanwhile. Every `unsafe` block below is a call into SQLite's C API on
//! that handle or on the statement prepared from it, which is finalized on
//! every path (`Stmt`'s `Drop`).

use super::DbError;
use super::reports::{Cell, STREAM_BATCH, Val};
use crate::domain::report::CellType;
use libsqlite3_sys as ffi;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::{SqliteConnection, SqlitePool};
use std::borrow::Cow;
use std::ffi::{CStr, CString, c_int};
use std::ptr::{self, NonNull};
use tokio::sync::mpsc::Sender;

type Batch = Result<Vec<Vec<Cell>>, DbError>;

/// Reads every row of `sql` (with `binds` for `$1`, `$2`, …) as `types`,
/// on a blocking thread, sending batches to `tx` until the rows end, an
/// error (sent as the last item), or the receiver is dropped.
pub fn stream(
    pool: SqlitePool,
    sql: String,
    binds: Vec<Val>,
    types: Vec<CellType>,
    tx: Sender<Batch>,
) {
    tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Handle::current();
        if let Err(e) = read(&rt, &pool, &sql, &binds, &types, &tx) {
            let _ = tx.blocking_send(Err(e));
        }
    });
}

fn read(
    rt: &tokio::runtime::Handle,
    pool: &SqlitePool,
    sql: &str,
    binds: &[Val],
    types: &[CellType],
    tx: &Sender<Batch>,
) -> Result<(), DbError> {
    let mut conn = rt.block_on(pool.acquire())?;
    let mut locked = rt.block_on(conn.lock_handle())?;
    let db = locked.as_raw_handle();
    let stmt = Stmt::prepare(db, sql)?;
    for (i, v) in binds.iter().enumerate() {
        stmt.bind(db, i + 1, v)?;
    }
    let mut batch = Vec::with_capacity(STREAM_BATCH);
    while stmt.step(db)? {
        batch.push(
            types
                .iter()
                .enumerate()
                .map(|(i, ty)| stmt.cell(i, *ty))
                .collect(),
        );
        if batch.len() == STREAM_BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(STREAM_BATCH));
            if tx.blocking_send(Ok(full)).is_err() {
                return Ok(()); // the client went away: stop reading
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(Ok(batch));
    }
    Ok(())
}

/// Runs `work` on `conn`'s raw handle, locked for the call. The work runs
/// on this task's thread: a transaction's statements must run on its
/// connection, and the handle cannot leave the lock's scope.
async fn on_handle<R>(
    conn: &mut SqliteConnection,
    long: bool,
    work: impl FnOnce(NonNull<ffi::sqlite3>) -> Result<R, DbError>,
) -> Result<R, DbError> {
    let mut locked = conn.lock_handle().await?;
    let db = locked.as_raw_handle();
    if long {
        blocking(|| work(db))
    } else {
        work(db)
    }
}

/// Rows written at once below which the work runs like any other code on
/// the task (a few hundred rows take well under a millisecond; a
/// request's payment writes one or two), rather than handing the worker
/// thread over first, which wakes another thread.
const SHORT_WRITE: usize = 256;

/// Runs `work`, which blocks for as long as SQLite takes, telling a
/// multi-threaded runtime first so that it moves this worker's other tasks
/// elsewhere meanwhile. A single-threaded runtime (tests, one-shot
/// commands) has no other worker, and `block_in_place` would panic there.
fn blocking<R>(work: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// Inserts each of `rows` with `sql`, an `INSERT … VALUES (?1, ?2, …)`
/// whose parameters are a row's fields in order (a row serializes as a
/// tuple of numbers, text, booleans and nulls, one field per parameter):
/// one prepared statement, bound and stepped once per row.
pub(crate) async fn insert_each<T: Serialize>(
    conn: &mut SqliteConnection,
    sql: &str,
    rows: &[T],
) -> Result<(), DbError> {
    if rows.is_empty() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    on_handle(conn, rows.len() >= SHORT_WRITE, |db| {
        let stmt = Stmt::prepare(db, sql)?;
        // SAFETY: the statement is live.
        let params = unsafe { ffi::sqlite3_bind_parameter_count(stmt.0.as_ptr()) };
        for row in rows {
            let Value::Array(fields) = serde_json::to_value(row).map_err(encode)? else {
                return Err(encode("a row that is not a tuple"));
            };
            // Every parameter is bound afresh for each row: a short row
            // would otherwise keep the row before's last fields.
            if usize::try_from(params).ok() != Some(fields.len()) {
                return Err(encode(format!(
                    "a row of {} fields for {params} parameters",
                    fields.len()
                )));
            }
            for (i, v) in fields.iter().enumerate() {
                stmt.bind_json(db, i + 1, v)?;
            }
            stmt.step(db)?;
            stmt.reset();
        }
        Ok(())
    })
    .await?;
    // sqlx logs its statements' timings; these skip sqlx, so say it here.
    tracing::debug!(statement = sql, rows = rows.len(), elapsed = ?started.elapsed(), "sqlite bulk insert");
    Ok(())
}

/// Every row of `sql` (with `binds` for `$1`, `$2`, …) as a `T`, whose
/// fields are matched to the columns by name, as sqlx's `FromRow` does.
pub(crate) async fn fetch_all<T: DeserializeOwned>(
    conn: &mut SqliteConnection,
    sql: &str,
    binds: &[Val],
) -> Result<Vec<T>, DbError> {
    let started = std::time::Instant::now();
    // Only settlement reads this way, and its reads are long.
    let out: Vec<T> = on_handle(conn, true, |db| {
        let stmt = Stmt::prepare(db, sql)?;
        for (i, v) in binds.iter().enumerate() {
            stmt.bind(db, i + 1, v)?;
        }
        let names = stmt.column_names()?;
        let mut out = Vec::new();
        while stmt.step(db)? {
            let mut row = serde_json::Map::with_capacity(names.len());
            for (i, name) in (0..).zip(&names) {
                row.insert(name.clone(), stmt.json(i)?);
            }
            out.push(serde_json::from_value(Value::Object(row)).map_err(decode)?);
        }
        Ok(out)
    })
    .await?;
    tracing::debug!(statement = sql, rows = out.len(), elapsed = ?started.elapsed(), "sqlite bulk read");
    Ok(out)
}

fn decode(e: impl std::fmt::Display) -> DbError {
    DbError::Sqlx(sqlx::Error::Decode(e.to_string().into()))
}

fn encode(e: impl std::fmt::Display) -> DbError {
    DbError::Sqlx(sqlx::Error::Encode(e.to_string().into()))
}

/// SQLite's refusal of a statement, as sqlx reports its own: a database
/// error whose kind tells a unique key's refusal apart (the callers that
/// count on one, such as the scheduler's occurrence keys, see the same).
#[derive(Debug)]
struct Refused {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, …).
    code: c_int,
    message: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for Refused {}

impl DatabaseError for Refused {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

/// A prepared statement, finalized when dropped.
struct Stmt(NonNull<ffi::sqlite3_stmt>);

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: the statement came from sqlite3_prepare_v2 and is
        // finalized exactly once, here.
        unsafe {
            ffi::sqlite3_finalize(self.0.as_ptr());
        }
    }
}

fn error(db: NonNull<ffi::sqlite3>, rc: c_int, what: &str) -> DbError {
    // SAFETY: sqlite3_errmsg returns a NUL-terminated string owned by the
    // connection, valid until the next call on it; it is copied at once.
    // sqlite3_extended_errcode only reads the connection's last result.
    let (msg, code) = unsafe {
        (
            CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr()))
                .to_string_lossy()
                .into_owned(),
            ffi::sqlite3_extended_errcode(db.as_ptr()),
        )
    };
    DbError::Sqlx(sqlx::Error::Database(Box::new(Refused {
        code: if code == 0 { rc } else { code },
        message: format!("sqlite {what} failed: {msg}"),
    })))
}

impl Stmt {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Stmt, DbError> {
        let text = CString::new(sql)
            .map_err(|_| DbError::Sqlx(sqlx::Error::Protocol("a NUL in the SQL".into())))?;
        let mut stmt = ptr::null_mut();
        // SAFETY: `db` is the locked connection's open handle; `text` is
        // NUL-terminated and outlives the call; `stmt` receives the result.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(db.as_ptr(), text.as_ptr(), -1, &mut stmt, ptr::null_mut())
        };
        match NonNull::new(stmt) {
            Some(s) if rc == ffi::SQLITE_OK => Ok(Stmt(s)),
            Some(s) => {
                drop(Stmt(s));
                Err(error(db, rc, "prepare"))
            }
            None => Err(error(db, rc, "prepare")),
        }
    }

    /// Binds `v` to `$n` (the SQL numbers its placeholders `$1`, `$2`, …).
    fn bind(&self, db: NonNull<ffi::sqlite3>, n: usize, v: &Val) -> Result<(), DbError> {
        let name = format!("${n}\0");
        // SAFETY: the statement is live; `name` is NUL-terminated.
        let index =
            unsafe { ffi::sqlite3_bind_parameter_index(self.0.as_ptr(), name.as_ptr().cast()) };
        if index == 0 {
            return Err(DbError::Sqlx(sqlx::Error::Protocol(format!(
                "no ${n} in the SQL"
            ))));
        }
        // SAFETY: the statement is live and `index` is one of its
        // parameters; SQLITE_TRANSIENT makes SQLite copy the text before
        // the call returns, so `s` need not outlive it.
        let rc = unsafe {
            match v {
                Val::Int(i) => ffi::sqlite3_bind_int64(self.0.as_ptr(), index, *i),
                Val::Text(s) => ffi::sqlite3_bind_text(
                    self.0.as_ptr(),
                    index,
                    s.as_ptr().cast(),
                    c_int::try_from(s.len()).unwrap_or(c_int::MAX),
                    ffi::SQLITE_TRANSIENT(),
                ),
            }
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(error(db, rc, "bind"))
        }
    }

    /// Binds a row's field `v` to `?n`.
    fn bind_json(&self, db: NonNull<ffi::sqlite3>, n: usize, v: &Value) -> Result<(), DbError> {
        let index = c_int::try_from(n).unwrap_or(c_int::MAX);
        let s = self.0.as_ptr();
        // SAFETY: the statement is live; SQLITE_TRANSIENT makes SQLite copy
        // the text before the call returns.
        let rc = unsafe {
            match v {
                Value::Null => ffi::sqlite3_bind_null(s, index),
                Value::Bool(b) => ffi::sqlite3_bind_int64(s, index, i64::from(*b)),
                Value::Number(x) => match x.as_i64() {
                    Some(i) => ffi::sqlite3_bind_int64(s, index, i),
                    // Money and ids are whole numbers; anything else is a bug.
                    None => return Err(encode(format!("{x} is not a whole number"))),
                },
                Value::String(t) => ffi::sqlite3_bind_text(
                    s,
                    index,
                    t.as_ptr().cast(),
                    c_int::try_from(t.len()).unwrap_or(c_int::MAX),
                    ffi::SQLITE_TRANSIENT(),
                ),
                Value::Array(_) | Value::Object(_) => {
                    return Err(encode("a row's field is not a number, text or null"));
                }
            }
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(error(db, rc, "bind"))
        }
    }

    /// Ready to step again, from the start (the bindings stay).
    fn reset(&self) {
        // SAFETY: the statement is live. Its result repeats the last
        // step's, which `step` has already reported.
        unsafe {
            ffi::sqlite3_reset(self.0.as_ptr());
        }
    }

    /// The statement's column names (`AS` names where given), in order.
    fn column_names(&self) -> Result<Vec<String>, DbError> {
        let s = self.0.as_ptr();
        // SAFETY: the statement is live; each name is a NUL-terminated
        // string owned by the statement, copied at once.
        unsafe {
            (0..ffi::sqlite3_column_count(s))
                .map(|i| {
                    let p = ffi::sqlite3_column_name(s, i);
                    if p.is_null() {
                        return Err(decode("SQLite gave a column no name"));
                    }
                    Ok(CStr::from_ptr(p).to_string_lossy().into_owned())
                })
                .collect()
        }
    }

    /// Column `i` of the current row as SQLite stored it: a bulk read
    /// selects whole numbers, text and nulls only, and anything else is
    /// refused rather than read as something it is not.
    fn json(&self, i: c_int) -> Result<Value, DbError> {
        let s = self.0.as_ptr();
        // SAFETY: called only after sqlite3_step returned SQLITE_ROW, with
        // `i` below the column count.
        unsafe {
            match ffi::sqlite3_column_type(s, i) {
                ffi::SQLITE_NULL => Ok(Value::Null),
                ffi::SQLITE_INTEGER => Ok(Value::from(ffi::sqlite3_column_int64(s, i))),
                ffi::SQLITE_TEXT => match self.text(i) {
                    Some(bytes) => String::from_utf8(bytes).map(Value::String).map_err(decode),
                    None => Ok(Value::Null),
                },
                other => Err(decode(format!(
                    "column {i} holds SQLite type {other}, not a whole number or text"
                ))),
            }
        }
    }

    /// The next row: true while there is one.
    fn step(&self, db: NonNull<ffi::sqlite3>) -> Result<bool, DbError> {
        // SAFETY: the statement is live and only this thread steps it.
        match unsafe { ffi::sqlite3_step(self.0.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            rc => Err(error(db, rc, "step")),
        }
    }

    /// Column `i` of the current row, read as the report's type says (the
    /// same reading as `read_cells!` through sqlx, except that text which
    /// is not UTF-8, which we never write, is read lossily where sqlx
    /// would refuse the row).
    fn cell(&self, i: usize, ty: CellType) -> Cell {
        let s = self.0.as_ptr();
        let i = c_int::try_from(i).unwrap_or(c_int::MAX);
        // SAFETY: called only after sqlite3_step returned SQLITE_ROW, with
        // `i` below the column count (types has one entry per selected
        // column).
        unsafe {
            if ffi::sqlite3_column_type(s, i) == ffi::SQLITE_NULL {
                return Cell::Null;
            }
            match ty {
                CellType::Money | CellType::Time | CellType::Count => {
                    Cell::Int(ffi::sqlite3_column_int64(s, i))
                }
                CellType::Text | CellType::Date => match self.text(i) {
                    // Valid UTF-8 (always, from our writes) is not copied again.
                    Some(bytes) => Cell::Text(
                        String::from_utf8(bytes)
                            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                    ),
                    None => Cell::Null,
                },
            }
        }
    }

    /// Column `i` of the current row read as text, copied (none for a
    /// NULL). Call only after `step` found a row, with `i` below the
    /// column count.
    fn text(&self, i: c_int) -> Option<Vec<u8>> {
        let s = self.0.as_ptr();
        // SAFETY: the statement is on a row and `i` is one of its columns
        // (above); the text's pointer is taken before its length, as
        // SQLite asks, and the bytes are copied before any other call.
        unsafe {
            let p = ffi::sqlite3_column_text(s, i);
            let n = usize::try_from(ffi::sqlite3_column_bytes(s, i)).unwrap_or(0);
            (!p.is_null()).then(|| std::slice::from_raw_parts(p, n).to_vec())
        }
    }
}
