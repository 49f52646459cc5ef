-- Issue 17: every control plane over this database answers alike, so what one instance used to keep in memory is
-- kept here.

-- The console's sessions (Spring Session JDBC, its PostgreSQL schema as spring-session-jdbc 4.0 ships it in
-- org/springframework/session/jdbc/schema-postgresql.sql). A sign-in through one instance is honoured by every
-- other; a session outlives the instance that made it. Spring's own schema initialisation is off
-- (spring.session.jdbc.initialize-schema: never): Flyway owns the schema.
create table spring_session (
    primary_id            char(36) not null,
    session_id            char(36) not null,
    creation_time         bigint not null,
    last_access_time      bigint not null,
    max_inactive_interval int not null,
    expiry_time           bigint not null,
    principal_name        varchar(100),
    constraint spring_session_pk primary key (primary_id)
);
create unique index spring_session_ix1 on spring_session (session_id);
create index spring_session_ix2 on spring_session (expiry_time);
create index spring_session_ix3 on spring_session (principal_name);

create table spring_session_attributes (
    session_primary_id char(36) not null,
    attribute_name     varchar(200) not null,
    attribute_bytes    bytea not null,
    constraint spring_session_attributes_pk primary key (session_primary_id, attribute_name),
    constraint spring_session_attributes_fk foreign key (session_primary_id) references spring_session (primary_id)
        on delete cascade
);

-- Failed console sign-ins per source address, for the sign-in throttle (regatta.admin.failed-logins-per-source
-- within regatta.admin.failed-login-window): guesses spread over several instances count together. A row lives
-- until it leaves the window; a successful sign-in from the source deletes its rows.
create table sign_in_failure (
    source    text not null,
    failed_at timestamptz not null
);
create index sign_in_failure_source on sign_in_failure (source, failed_at);
create index sign_in_failure_expiry on sign_in_failure (failed_at);
