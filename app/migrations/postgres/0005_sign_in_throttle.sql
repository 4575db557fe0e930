-- Failed sign-ins per client IP, in fixed 15-minute windows: past the limit
-- (PAYDESK_SIGN_IN_IP_LIMIT) an address is refused before any password is
-- checked. Kept in the database so every app server counts together.
-- Keep in step with ../sqlite/0005_sign_in_throttle.sql.
CREATE TABLE sign_in_failures_by_ip (
    ip           TEXT   NOT NULL,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL,
    PRIMARY KEY (ip, window_start)
);
