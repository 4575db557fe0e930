-- Keep in step with ../sqlite/0014_bill_uploads.sql.
-- File Transfers takes bill files too. This once was an edit of 0008 after
-- 0008 had shipped; db/migrations.rs marks it applied on a database whose
-- 0008 was the edited one.
ALTER TABLE uploads DROP CONSTRAINT uploads_kind_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_kind_check CHECK (kind IN ('accounts', 'bills'));
