-- Reports (issue 13). Keep in step with the other engine's 0017_reports.sql.
-- CSRs get the Reports menu by default, as in DirectBiller's help center;
-- the Audit Report (what staff did) becomes its own entitlement, kept by
-- administrators. Users follow their role unless an override says otherwise
-- (domain::entitlements::Entitlement::default_for; a test keeps both in step).
INSERT INTO role_entitlements (role, entitlement) VALUES ('csr', 'reports'), ('admin', 'reports.audit')
ON CONFLICT DO NOTHING;
