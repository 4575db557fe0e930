-- Uploads belong to a division (issue 16; docs/divisions.md#uploads): the
-- one chosen in the division selector when the file was uploaded. A
-- division's upload puts new accounts into it and refuses rows of other
-- divisions' accounts; NULL is an upload for every division (as before).
-- Keep in step with ../sqlite/0039_division_uploads.sql.
ALTER TABLE uploads ADD COLUMN division_id BIGINT REFERENCES divisions (id);
