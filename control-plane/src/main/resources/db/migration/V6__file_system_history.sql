-- The NFS, MOUNT and NLM calls a node has served on a file system since it started; null for nodes that do not
-- report it (older ones).
alter table file_system_status add column nfs_operations bigint;

-- Every report a node made on a file system it serves, for the console's charts: kept for 24 hours, pruned as new
-- ones arrive. Counters are cumulative since the node started, as reported; rates are computed when read.
create table file_system_sample (
    id                      bigserial primary key,
    file_system_id          text        not null references file_system (id) on delete cascade,
    node_id                 text        not null,   -- no reference: the history outlives a forgotten node
    reported_at             timestamptz not null,
    cache_bytes             bigint      not null,
    dirty_bytes             bigint      not null,
    oldest_unsynced_seconds bigint      not null,
    cache_hit_ratio         double precision not null,
    connected_clients       integer     not null,
    s3_requests             text        not null,   -- JSON object: request type -> count since the node started
    nfs_operations          bigint                  -- null when the node did not report it
);
create index file_system_sample_by_time on file_system_sample (file_system_id, reported_at);
