-- Divisions (issue 16; docs/divisions.md): a biller's parts, such as Water,
-- Electric and Parks. Every account belongs to one. Existing accounts move
-- into the default division (id 1), which a biller with one division never
-- sees. Names are unique whatever their case.
-- Keep in step with ../postgres/0034_divisions.sql.
CREATE TABLE divisions (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX divisions_by_name ON divisions (lower(name));
INSERT INTO divisions (id, name, created_at) VALUES (1, 'Main', 0);

-- No REFERENCES: SQLite refuses to add one with a default other than
-- NULL, and can't rebuild accounts, which many tables refer to (PostgreSQL
-- goes without too, so both engines hold the same schema). The services
-- only ever write a division that exists, and divisions are never deleted.
ALTER TABLE accounts ADD COLUMN division_id INTEGER NOT NULL DEFAULT 1;

-- A staff user limited to some divisions sees and acts on only their
-- accounts. A user with no row here is not limited.
CREATE TABLE staff_divisions (
    user_id     INTEGER NOT NULL REFERENCES staff_users (id),
    division_id INTEGER NOT NULL REFERENCES divisions (id),
    PRIMARY KEY (user_id, division_id)
);

-- Administrators get the new Divisions entitlement, as the role defaults
-- say (domain::entitlements).
INSERT INTO role_entitlements (role, entitlement) VALUES ('admin', 'divisions')
ON CONFLICT DO NOTHING;
