-- A mount session lives from the mount to its unmount, across certificate renewals. A renewal names the session it
-- continues and updates its row (certificate, node, grant) rather than adding one; the client reports the unmount,
-- which ends the session. A session is live while it has not ended and its current certificate has not expired.
alter table mount_session add column renewal_count integer not null default 0;
alter table mount_session add column renewed_at    timestamptz;           -- the last renewal, null before the first
alter table mount_session add column ended_at      timestamptz;           -- null while the session goes on
alter table mount_session add column end_reason    text;                  -- why it ended, in words

-- The admin's list of live mounts and the "file system is mounted" check read only the sessions not ended.
drop index mount_session_by_file_system;
create index mount_session_live_by_file_system on mount_session (file_system_id, certificate_expires_at)
    where ended_at is null;
create index mount_session_by_file_system on mount_session (file_system_id, created_at desc);
