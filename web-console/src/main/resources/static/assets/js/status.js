// A file system's status at a glance, from GET /api/v1/file-systems/{id} (its serving node, its latest report, its
// group's placement and its settings). The rule is written down in web-console/README.md; keep the two in step.

/** How old a report may be before it no longer says anything about now (nodes heartbeat every 10 s). */
export const STALE_REPORT_SECONDS = 60;
/** Grace beyond the flush delay before unsynced changes count as falling behind. */
export const BEHIND_GRACE_SECONDS = 60;

/**
 * @returns {{state: 'healthy'|'syncing'|'behind'|'error', reason: string}}
 */
export function statusOf(details, now = Date.now()) {
  const node = details.node;
  if (!node) {
    // The placement says what an unplaced group waits for ("needs 3 live nodes with a replication address ...").
    const placement = details.status && details.status.placement;
    return {state: 'error', reason: placement || 'no data-plane node serves it'};
  }
  if (!node.live) {
    return {state: 'error', reason: details.replicas > 1 ? `none of its ${details.replicas} nodes is live (no heartbeat)`
      : `its node ${node.name || node.id} is down (no heartbeat)`};
  }
  const report = details.status && details.status.latestReport;
  if (!report) {
    return {state: 'syncing', reason: 'waiting for the node\'s first report'};
  }
  const age = (now - new Date(report.reportedAt).getTime()) / 1000;
  if (age > STALE_REPORT_SECONDS) {
    return {state: 'error', reason: `no report from its node for ${Math.round(age)} s`};
  }
  const oldest = Number(report.oldestUnsyncedSeconds || 0);
  const dirty = Number(report.dirtyBytes || 0);
  if (oldest > Number(details.flushDelaySeconds || 0) + BEHIND_GRACE_SECONDS) {
    return {state: 'behind', reason: `a change has waited ${oldest} s for S3 (flush delay ${details.flushDelaySeconds} s)`};
  }
  if (dirty > 0 || oldest > 0) {
    return {state: 'syncing', reason: `${dirty} bytes not yet in S3`};
  }
  return {state: 'healthy', reason: 'everything written is in S3'};
}

export const STATE_LABELS = {healthy: 'Healthy', syncing: 'Syncing', behind: 'Behind', error: 'Error'};
