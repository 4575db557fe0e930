//! An export's rows read from SQLite on a thread of our own, through the
//! pooled connection's raw handle, not through sqlx's row stream.
//!
//! Why: sqlx runs each SQLite connection on a worker thread and hands every
//! row to the reader through a channel, so a 1,000,000-row export woke a
//! thread a million times; `perf` put a third of the export in the
//! kernel's futex wake-ups and a sixth in allocating sqlx's rows
//! (docs/benchmarks.md). Here one blocking thread steps the statement
//! itself and hands on batches of `STREAM_BATCH` rows: the same cells,
//! the same order, the same channel to the encoder.
//!
//! The connection is locked for the whole read (`lock_handle`: sqlx's
//! worker waits until the guard drops), so nothing else uses the handle
//! meanwhile. Every `unsafe` block below is a call into SQLite's C API on
//! that handle or on the statement prepared from it, which is finalized on
//! every path (`Stmt`'s `Drop`).

use super::DbError;
use super::reports::{Cell, STREAM_BATCH, Val};
use crate::domain::report::CellType;
use libsqlite3_sys as ffi;
use sqlx::SqlitePool;
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
    let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }
        .to_string_lossy()
        .into_owned();
    DbError::Sqlx(sqlx::Error::Protocol(format!(
        "sqlite {what} failed ({rc}): {msg}"
    )))
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
    /// same reading as `read_cells!` through sqlx).
    fn cell(&self, i: usize, ty: CellType) -> Cell {
        let s = self.0.as_ptr();
        let i = c_int::try_from(i).unwrap_or(c_int::MAX);
        // SAFETY: called only after sqlite3_step returned SQLITE_ROW, with
        // `i` below the column count (types has one entry per selected
        // column). sqlite3_column_text's bytes are valid until the next
        // step or column call on this column and are copied at once.
        unsafe {
            if ffi::sqlite3_column_type(s, i) == ffi::SQLITE_NULL {
                return Cell::Null;
            }
            match ty {
                CellType::Money | CellType::Time | CellType::Count => {
                    Cell::Int(ffi::sqlite3_column_int64(s, i))
                }
                CellType::Text | CellType::Date => {
                    let p = ffi::sqlite3_column_text(s, i);
                    let n = usize::try_from(ffi::sqlite3_column_bytes(s, i)).unwrap_or(0);
                    if p.is_null() {
                        return Cell::Null;
                    }
                    let bytes = std::slice::from_raw_parts(p, n);
                    Cell::Text(String::from_utf8_lossy(bytes).into_owned())
                }
            }
        }
    }
}
