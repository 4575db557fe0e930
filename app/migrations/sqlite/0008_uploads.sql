-- File Transfers: each upload, what its preview and its commit found, and
-- the rows it refused (line, column, reason). The file itself waits in
-- PAYDESK_DATA_DIR/uploads/ between preview and commit.
-- Keep in step with ../postgres/0008_uploads.sql.
CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    kind         TEXT   NOT NULL CHECK (kind IN ('accounts')),
    file_name    TEXT   NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT   NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES staff_users (id),
    uploaded_at  BIGINT NOT NULL,
    -- previewed: read, nothing applied yet; committing: being applied;
    -- success / limited_errors: applied (every valid row); unprocessed: the
    -- file was refused whole; abandoned: never applied.
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
