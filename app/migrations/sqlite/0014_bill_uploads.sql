-- Keep in step with ../postgres/0014_bill_uploads.sql.
-- File Transfers takes bill files too. This once was an edit of 0008 after
-- 0008 had shipped; db/migrations.rs marks it applied on a database whose
-- 0008 was the edited one.
-- SQLite cannot change a CHECK in place, so both upload tables are rebuilt
-- (upload_errors too: dropping uploads under it would break its foreign key,
-- and foreign keys cannot be turned off inside the migration's transaction).
CREATE TABLE uploads_copy AS SELECT * FROM uploads;
CREATE TABLE upload_errors_copy AS SELECT * FROM upload_errors;
DROP TABLE upload_errors;
DROP TABLE uploads;

CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    kind         TEXT   NOT NULL CHECK (kind IN ('accounts', 'bills')),
    file_name    TEXT   NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT   NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES staff_users (id),
    uploaded_at  BIGINT NOT NULL,
    status       TEXT   NOT NULL CHECK (status IN ('previewed', 'committing', 'success', 'limited_errors', 'unprocessed', 'abandoned')),
    rows_read    BIGINT NOT NULL DEFAULT 0,
    created      BIGINT NOT NULL DEFAULT 0,
    updated      BIGINT NOT NULL DEFAULT 0,
    rejected     BIGINT NOT NULL DEFAULT 0,
    decided_by   BIGINT REFERENCES staff_users (id),
    decided_at   BIGINT
);
CREATE INDEX uploads_recent ON uploads (uploaded_at);
CREATE INDEX uploads_by_content ON uploads (sha256);

CREATE TABLE upload_errors (
    upload_id   BIGINT NOT NULL REFERENCES uploads (id),
    seq         BIGINT NOT NULL,
    line        BIGINT NOT NULL,
    column_name TEXT   NOT NULL,
    reason      TEXT   NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

INSERT INTO uploads SELECT * FROM uploads_copy;
INSERT INTO upload_errors SELECT * FROM upload_errors_copy;
DROP TABLE upload_errors_copy;
DROP TABLE uploads_copy;
