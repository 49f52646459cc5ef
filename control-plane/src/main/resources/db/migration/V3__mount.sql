-- Mount authentication. Each decision keeps the HTTP status it answered with: the per-source rate limit counts only
-- the refusals a caller caused (4xx other than 429), not the 429s it gets meanwhile (the window would never drain)
-- nor outages of STS or the nodes (a helper retrying through one must not lock itself out).
alter table audit_event add column status integer;
create index audit_event_refusals_by_source on audit_event (source_address, at) where decision = 'REFUSED';
