-- Files whose upload keeps failing on the serving node: how many, and the first few with their last S3 error (JSON
-- array of {path, code, error, attempts, since}). Null when the node does not report them (older ones). Only the
-- latest report keeps them; the history does not chart them.
alter table file_system_status add column failing_files integer;
alter table file_system_status add column failing text;
