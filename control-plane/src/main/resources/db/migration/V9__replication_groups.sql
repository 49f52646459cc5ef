-- Replication groups (issue 17): a file system is served by a group of data-plane nodes, one of which leads.

-- What a node tells about itself beyond its TLS front: its failure domain (placement keeps a group's members in
-- distinct zones), its plain NFS port and where its replication (Ratis gRPC) server listens. Null while unknown
-- (nodes from before replication send none of them).
alter table node add column zone                text;
alter table node add column nfs_address         text;     -- host:port
alter table node add column replication_address text;     -- host:port; a node without one joins no group of 3 or 5

-- How many nodes serve the file system: 1 (a single node, as before), 3 or 5. Existing file systems keep one; new
-- ones always state it (regatta.replication.default-replicas when the request does not).
alter table file_system add column replicas integer not null default 1 check (replicas in (1, 3, 5));
alter table file_system alter column replicas drop default;

-- The members of each file system's group, one row per node, and what each last said of itself in its heartbeat.
-- position: the member's place in the group (0..replicas-1); a replacement takes the place of the node it replaces,
-- so that the other members keep theirs. A deleted node's rows go with it (its places are filled again).
-- role: 'leader', 'follower' or 'starting' as the node reported it; null when unknown (not reported, or not one of
-- those). term: the Raft term the node knows; applied_index: the last replication-log index it applied.
create table file_system_member (
    file_system_id text        not null references file_system (id) on delete cascade,
    node_id        text        not null references node (id) on delete cascade,
    position       integer     not null check (position >= 0 and position < 5),
    added_at       timestamptz not null,
    role           text check (role in ('leader', 'follower', 'starting')),
    term           bigint check (term >= 0),
    applied_index  bigint check (applied_index >= 0),
    reported_at    timestamptz,
    primary key (file_system_id, node_id),
    unique (file_system_id, position)
);
create index file_system_member_by_node on file_system_member (node_id);

-- The one node of each file system assigned so far becomes the only member of its group.
insert into file_system_member (file_system_id, node_id, position, added_at)
select id, node_id, 0, now() from file_system where node_id is not null;
alter table file_system drop column node_id;
