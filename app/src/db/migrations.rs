//! Bringing a database's schema up to date.
//!
//! Migrations are append-only. Two of them, 0004 and 0008, were once edited
//! after they had shipped, which left databases made from an earlier checkout
//! unable to start (sqlx refuses a migration whose text changed). Both are
//! back to their shipped text; what the edits added now lives in 0013 and
//! 0014. A database migrated with the edited text already has those changes,
//! so before sqlx runs, [`reconcile_edited`] records the shipped checksum for
//! it and marks the moved migration as applied.

use super::{Backend, Db, DbError, in_tx};
use sqlx::migrate::{Migration, Migrator};
use std::borrow::Cow;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// A shipped migration that was later edited: the edited text's checksum
/// (SHA-384, as sqlx records it) for each engine, and the migration the
/// edit's changes moved to.
struct EditedMigration {
    version: i64,
    edited_sqlite: &'static str,
    edited_postgres: &'static str,
    moved_to: i64,
}

const EDITED_0004_SQLITE: &str = "edcb7eef3102cdb105be2043e10ae0854cad54770e2b93d042d4956dd07b450e7473d3ff6a3e4f3d59892c26fdccd708";
const EDITED_0004_POSTGRES: &str = "617db8fcff139df84cdfd3b8b1a7e0512c3f67d421e11e2655d72cb49de1c62b9b907e59a42daee3a8a845200e60137d";
const EDITED_0008_SQLITE: &str = "fb22e7b460f7a2e7788a7ddecb8888b6c3d67fc42355160b7f0503a02ff0678d3393b5605f32879b74f18438b016b4fb";
const EDITED_0008_POSTGRES: &str = "0046cf3ab0301cfeae1650d351d73cfcc9dc699ea83777e307aca8c679a26731c5bd928048cb74705c2c4ce020ff4998";

/// Every edited text's checksum; the tests check them against the edited
/// files kept in tests/fixtures/legacy-migrations/.
pub const EDITED_CHECKSUMS: [&str; 4] = [
    EDITED_0004_SQLITE,
    EDITED_0004_POSTGRES,
    EDITED_0008_SQLITE,
    EDITED_0008_POSTGRES,
];

const EDITED: [EditedMigration; 2] = [
    EditedMigration {
        version: 4,
        edited_sqlite: EDITED_0004_SQLITE,
        edited_postgres: EDITED_0004_POSTGRES,
        moved_to: 13,
    },
    EditedMigration {
        version: 8,
        edited_sqlite: EDITED_0008_SQLITE,
        edited_postgres: EDITED_0008_POSTGRES,
        moved_to: 14,
    },
];

/// 0013 adds the column that 0012 re-indexes, so on a database that lacks it
/// it must run right after 0004, whatever its number. sqlx applies missing
/// migrations in the order of its list, so the list is reordered.
const RUN_AFTER: [(i64, i64); 1] = [(13, 4)];

/// The migrations for `backend`, in the order they are applied.
pub fn migrator(backend: Backend) -> Migrator {
    let shipped = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    let mut list: Vec<Migration> = shipped.iter().cloned().collect();
    for (moved, after) in RUN_AFTER {
        if let Some(from) = list.iter().position(|m| m.version == moved) {
            let m = list.remove(from);
            let to = list
                .iter()
                .position(|m| m.version == after)
                .map_or(list.len(), |i| i + 1);
            list.insert(to, m);
        }
    }
    // Built by hand: sqlx offers no constructor from a list. Its fields are
    // public for `migrate!`; Cargo.lock pins the sqlx that has them.
    Migrator {
        migrations: Cow::Owned(list),
        // A migration applied that this build does not know comes from a
        // newer release: during a rolling upgrade (docs/deploy.md) a server
        // of the previous release must still start on the new schema,
        // which only ever adds to what it knows.
        ignore_missing: true,
        ..Migrator::DEFAULT
    }
}

impl Db {
    /// Brings the schema up to date; safe to run at every start, and by
    /// several servers at once (sqlx takes a lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<(), DbError> {
        reconcile_edited(self).await?;
        let migrator = migrator(self.backend());
        match self {
            Db::Sqlite(pool) => migrator.run(pool).await?,
            Db::Postgres(pool) => migrator.run(pool).await?,
        }
        Ok(())
    }
}

/// On a database migrated with an edited 0004 or 0008: records the shipped
/// checksum, and the migration its changes moved to as applied (it already
/// has them). Does nothing anywhere else, so it is safe to run every time.
async fn reconcile_edited(db: &Db) -> Result<(), DbError> {
    let backend = db.backend();
    let migrator = migrator(backend);
    let has_table: bool = super::on_pool!(db, |pool| {
        let sql = match backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => "SELECT to_regclass('_sqlx_migrations') IS NOT NULL",
        };
        sqlx::query_scalar(sql).fetch_one(pool).await
    })?;
    if !has_table {
        return Ok(());
    }
    for edit in &EDITED {
        let edited = match backend {
            Backend::Sqlite => edit.edited_sqlite,
            Backend::Postgres => edit.edited_postgres,
        };
        let edited = hex::decode(edited).unwrap_or_default();
        let (Some(shipped), Some(moved)) = (
            migrator.iter().find(|m| m.version == edit.version),
            migrator.iter().find(|m| m.version == edit.moved_to),
        ) else {
            continue;
        };
        let fixed = in_tx!(db, |tx| {
            let n = sqlx::query(
                "UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2 AND checksum = $3",
            )
            .bind(&*shipped.checksum)
            .bind(edit.version)
            .bind(&edited)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                sqlx::query(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                     VALUES ($1, $2, TRUE, $3, 0) ON CONFLICT (version) DO NOTHING",
                )
                .bind(moved.version)
                .bind(&*moved.description)
                .bind(&*moved.checksum)
                .execute(&mut *tx)
                .await?;
            }
            n == 1
        });
        if fixed {
            tracing::info!(
                version = edit.version,
                moved_to = edit.moved_to,
                "migration {} had been edited after it shipped; its changes are now migration {}, recorded as applied",
                edit.version,
                edit.moved_to
            );
        }
    }
    Ok(())
}
