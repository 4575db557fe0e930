-- A previewed upload's file, shared by every server of a biller (issue 17;
-- docs/uploads.md, "Several servers"): on PostgreSQL the file is kept here
-- in pieces of 1 MiB from its preview until its Commit or Abandon, so a
-- Commit that reaches another server behind the load balancer finds it.
-- SQLite (one server) keeps only the file on disk and never writes here.
-- Keep in step with ../postgres/0029_upload_chunks.sql.
CREATE TABLE upload_chunks (
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    seq       BIGINT NOT NULL,
    bytes     BLOB  NOT NULL,
    PRIMARY KEY (upload_id, seq)
);
