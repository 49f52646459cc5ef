-- The control plane's schema. Flyway owns it; later changes go in new V<n>__*.sql files, never edits here.

-- One-row facts about this deployment (the server ID that mount proofs must name).
create table service_setting (
    name  text primary key,
    value text not null
);

-- Data-plane nodes. A node authenticates its heartbeats with a token of its own, stored hashed.
create table node (
    id                text primary key,              -- node- + 17 hex
    name              text        not null,
    address           text        not null,          -- host:port clients' tunnels connect to
    token_hash        bytea       not null unique,   -- SHA-256 of the node's secret token
    certificate_pem   text        not null,
    registered_at     timestamptz not null,
    last_heartbeat_at timestamptz not null
);

create table file_system (
    id                  text primary key,            -- fs- + 17 hex
    name                text        not null,
    bucket              text        not null,
    region              text        not null,
    endpoint            text,                        -- null: AWS's endpoint for the region
    key_prefix          text        not null default '',
    default_uid         bigint      not null default 0,
    default_gid         bigint      not null default 0,
    default_file_mode   integer     not null default 420,  -- 0644
    default_dir_mode    integer     not null default 493,  -- 0755
    flush_delay_seconds integer     not null default 300,
    cache_ttl_seconds   integer     not null default 3600,
    node_id             text references node (id) on delete set null,
    created_at          timestamptz not null,
    updated_at          timestamptz not null
);

-- IAM principals allowed to mount a file system.
create table access_grant (
    id             text primary key,                 -- grant- + 17 hex
    file_system_id text        not null references file_system (id) on delete cascade,
    principal      text        not null,             -- 12-digit account, or an IAM role or user ARN
    access         text        not null check (access in ('READ_WRITE', 'READ_ONLY')),
    root_squash    boolean     not null default false,
    created_at     timestamptz not null,
    unique (file_system_id, principal)
);

-- What a node last reported for a file system it serves.
create table file_system_status (
    file_system_id        text primary key references file_system (id) on delete cascade,
    node_id               text        not null,
    reported_at           timestamptz not null,
    cache_bytes           bigint      not null,
    dirty_bytes           bigint      not null,
    oldest_unsynced_seconds bigint    not null,
    cache_hit_ratio       double precision not null,
    connected_clients     integer     not null,
    s3_requests           text        not null       -- JSON object: request type -> count since the node started
);

-- Mounts the control plane admitted (one per certificate issued).
create table mount_session (
    id                     text primary key,         -- mount- + 17 hex
    file_system_id         text        not null references file_system (id) on delete cascade,
    grant_id               text references access_grant (id) on delete set null,
    principal_arn          text        not null,
    access                 text        not null,
    client_address         text        not null,
    node_id                text        not null,
    certificate_serial     text        not null,
    certificate_expires_at timestamptz not null,
    created_at             timestamptz not null
);
create index mount_session_by_file_system on mount_session (file_system_id, certificate_expires_at);

-- Every mount decision, refusals with their reason. Kept when the file system goes.
create table audit_event (
    id             bigserial primary key,
    at             timestamptz not null,
    file_system_id text,
    principal_arn  text,
    source_address text        not null,
    decision       text        not null check (decision in ('ALLOWED', 'REFUSED')),
    reason         text        not null
);
create index audit_event_by_time on audit_event (at desc);

-- Admin API tokens: only a hash is stored; the secret is shown once.
create table api_token (
    id           text primary key,                   -- token- + 17 hex
    name         text        not null,
    token_hash   bytea       not null unique,
    created_at   timestamptz not null,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- The certificate authority: its certificate, and its private key encrypted with the configured key.
create table certificate_authority (
    id              integer primary key check (id = 1),
    certificate_pem text        not null,
    encrypted_key   bytea       not null,            -- AES-256-GCM: 12-byte nonce, then ciphertext and tag
    created_at      timestamptz not null
);
