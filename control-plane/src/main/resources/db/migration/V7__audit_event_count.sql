-- A source that keeps calling while throttled gets one audit row per failure window that counts its 429s, rather
-- than a row per request: a flood must not push real decisions out of the audit view (issue 13).
-- count: how many refusals the row stands for (1 for every single decision); last_at: when the last of them was,
-- null for a single one.
alter table audit_event add column count integer not null default 1 check (count >= 1);
alter table audit_event add column last_at timestamptz;
