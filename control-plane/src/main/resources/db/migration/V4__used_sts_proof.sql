-- Each STS proof admits one mount. A proof stays replayable at STS for its 15 minutes, so someone who saw one (a
-- proxy's log, a stolen request) could otherwise get a certificate for the caller's identity with a key of their
-- own. Only a SHA-256 of the Authorization header is kept, until the proof has expired anyway.
create table used_sts_proof (
    fingerprint bytea primary key,
    expires_at  timestamptz not null
);
create index used_sts_proof_expiry on used_sts_proof (expires_at);
