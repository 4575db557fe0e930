-- How far a long upload step has got, for a progress bar whose polls may
-- reach any server behind the load balancer (issue 17; docs/uploads.md,
-- "Progress"). PostgreSQL only: the server running the step writes its
-- count here twice a second and deletes the row when the step ends; a row
-- a crash left behind is deleted after an hour. SQLite (one server) keeps
-- the count in memory and never writes here. Keep in step with
-- ../postgres/0030_upload_progress.sql.
CREATE TABLE upload_progress (
    staff_id    BIGINT NOT NULL REFERENCES staff_users (id),
    token       TEXT   NOT NULL,
    read_bytes  BIGINT NOT NULL,
    total_bytes BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (staff_id, token)
);
