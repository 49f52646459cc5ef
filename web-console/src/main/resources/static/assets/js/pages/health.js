// A file system's health: its status now, its replication group (members, roles, lag), charts of the last hour
// from the history endpoint, the live mount sessions, and the audit log of its mount decisions. Refreshed every 10 s
// while the page is open.

import {get} from '../api.js';
import {h, heading, messageArea, replace, table, formatBytes, formatNumber, formatSeconds, formatTime,
  relative} from '../ui.js';
import {lineChart} from '../charts.js';
import {STATE_LABELS, statusOf} from '../status.js';
import {auditSection} from './audit.js';

const REFRESH_MS = 10000;
const ROLE_LABELS = {leader: 'Leader', follower: 'Follower', starting: 'Starting', unknown: 'Unknown'};
const S3_ORDER = ['GET', 'PUT', 'LIST', 'HEAD', 'DELETE', 'COPY'];

export function render(main, {id}) {
  const fsPath = `/api/v1/file-systems/${encodeURIComponent(id)}`;
  const title = heading('Health');
  const messages = messageArea();
  const summary = h('div', {id: 'health-summary', class: 'summary'});
  const group = h('div', {id: 'member-list'}, h('p', {class: 'loading', text: 'Loading…'}));
  const charts = h('div', {id: 'health-charts'}, h('p', {class: 'loading', text: 'Loading…'}));
  const mounts = h('div', {id: 'mount-list'}, h('p', {class: 'loading', text: 'Loading…'}));
  const audit = auditSection({fileSystemId: id});

  replace(main, title, h('p', {class: 'lead mono', text: id}), messages.element, summary,
    h('section', {'aria-labelledby': 'group-title'},
      h('h2', {id: 'group-title', text: 'Replication group'}), group),
    h('section', {'aria-labelledby': 'charts-title'},
      h('h2', {id: 'charts-title', text: 'The last hour'}), charts),
    h('section', {'aria-labelledby': 'mounts-title'},
      h('h2', {id: 'mounts-title', text: 'Current mounts'}), mounts),
    audit.element,
    h('p', {}, h('a', {href: `#/file-systems/${encodeURIComponent(id)}/access`, text: 'Access'}), ' · ',
      h('a', {href: '#/file-systems', text: 'All file systems'})));

  let failures = [];
  const attempt = async (what, action) => {
    try {
      await action();
    } catch (e) {
      failures.push(`${what}: ${e.message}`);
    }
  };

  const refresh = async () => {
    failures = [];
    await Promise.all([
      attempt('Status', async () => {
        const fs = await get(fsPath);
        showSummary(fs);
        showGroup(fs.status);
      }),
      attempt('History', async () => showCharts(await get(`${fsPath}/history?minutes=60`))),
      attempt('Mounts', async () => showMounts(await get(`${fsPath}/mounts`))),
      attempt('Audit log', () => audit.refresh()),
    ]);
    if (failures.length) {
      messages.show(failures.join(' · '));
    } else {
      messages.clear();
    }
  };

  const showSummary = fs => {
    title.textContent = `Health of ${fs.name}`;
    const status = statusOf(fs);
    const report = fs.status && fs.status.latestReport;
    replace(summary,
      h('p', {}, h('span', {class: `badge ${status.state}`, 'data-state': status.state}, STATE_LABELS[status.state]),
        ` ${status.reason}.`),
      h('dl', {class: 'facts'},
        fact(fs.status && fs.status.leader && fs.replicas > 1 ? 'Leader' : 'Node',
          fs.node ? `${fs.node.name || fs.node.id} (${fs.node.live ? 'live' : 'down'})` : 'none'),
        fact('Replicas', String(fs.replicas)),
        fact('Dirty', report ? formatBytes(report.dirtyBytes) : '–'),
        fact('Oldest unsynced change', report ? formatSeconds(report.oldestUnsyncedSeconds) : '–'),
        fact('Cache', report ? formatBytes(report.cacheBytes) : '–'),
        fact('Hit ratio', report ? `${formatNumber(report.cacheHitRatio * 100, 0)} %` : '–'),
        fact('Connected clients', report ? String(report.connectedClients) : '–'),
        fact('Live mounts', String(fs.activeMountCount)),
        fact('Last report', fs.status ? fs.status.summary : '–')));
  };

  // The members in position order; the lag is how many log entries a member has yet to apply to catch up with
  // the leader.
  const showGroup = status => {
    replace(group,
      h('p', {id: 'placement', text: status.placement}),
      table('Members of the replication group',
        ['Node', 'Zone', 'Role', 'Live', 'Lag'],
        status.members.map(m => [
          h('span', {}, m.node || m.nodeId, h('div', {class: 'muted mono', text: m.tlsAddress})),
          m.zone || '–',
          h('span', {'data-role': m.role, text: ROLE_LABELS[m.role] || m.role}),
          m.live ? 'Live' : 'Down',
          m.lag === null || m.lag === undefined ? '–' : `${formatNumber(m.lag, 0)} entries`,
        ]),
        'No members: the group is not placed.'));
  };

  const showCharts = history => {
    const samples = history.samples || [];
    const from = new Date(history.from).getTime();
    const to = new Date(history.to).getTime();
    const at = samples.map(s => new Date(s.at).getTime());
    const line = (name, pick) => ({name, points: samples.map((s, i) => [at[i], pick(s)])});
    const types = new Set();
    for (const s of samples) {
      Object.keys(s.s3RequestsPerSecond || {}).forEach(t => types.add(t));
    }
    // Only the request types that happened in this hour: a node counts a dozen kinds, most of them idle.
    const busyTypes = [...types].filter(t => samples.some(s => s.s3RequestsPerSecond && s.s3RequestsPerSecond[t] > 0));
    const s3Types = busyTypes.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    const perSecond = v => `${formatNumber(v, v < 10 ? 1 : 0)}/s`;
    const seconds = v => (v < 10 ? `${formatNumber(v, 1)} s` : formatSeconds(v));
    // A rate needs two reports of the node: the first sample has none.
    const rateEmpty = samples.length ? 'No rate yet: it needs a second report from the node.' : undefined;
    replace(charts,
      samples.length ? null : h('p', {class: 'empty', text: 'No reports from the node in the last hour yet.'}),
      h('div', {class: 'chart-grid'},
        lineChart({id: 'chart-dirty', title: 'Dirty bytes (not yet in S3)', from, to, format: formatBytes, minTop: 1024, binary: true,
          series: [line('Dirty', s => s.dirtyBytes)]}),
        lineChart({id: 'chart-oldest', title: 'Oldest unsynced change', from, to, format: seconds, minTop: 10,
          series: [line('Age', s => s.oldestUnsyncedSeconds)]}),
        lineChart({id: 'chart-cache', title: 'Cache size', from, to, format: formatBytes, minTop: 1024, binary: true,
          series: [line('Cache', s => s.cacheBytes)]}),
        lineChart({id: 'chart-hit-ratio', title: 'Cache hit ratio', from, to, max: 1,
          format: v => `${formatNumber(v * 100, 0)} %`, series: [line('Hit ratio', s => s.cacheHitRatio)]}),
        lineChart({id: 'chart-s3', title: 'S3 requests per second', from, to, format: perSecond, emptyText: rateEmpty,
          series: s3Types.length ? s3Types.map(t => line(t, s => (s.s3RequestsPerSecond ? s.s3RequestsPerSecond[t] ?? 0 : null)))
            : [line('All types', s => (s.s3RequestsPerSecond ? 0 : null))]}),
        lineChart({id: 'chart-nfs', title: 'NFS operations per second', from, to, format: perSecond, emptyText: rateEmpty,
          series: [line('Operations', s => s.nfsOperationsPerSecond)]})));
  };

  const showMounts = list => {
    replace(mounts, table('Live mount sessions, newest first',
      ['Principal', 'Client', 'Access', 'Certificate expires', 'Mounted', 'Mount ID'],
      list.map(m => [
        h('span', {class: 'mono principal', text: m.principal}),
        m.clientAddress || '–',
        m.access === 'READ_ONLY' ? 'Read-only' : 'Read-write',
        h('span', {}, formatTime(m.certificateExpiresAt),
          h('span', {class: 'muted', text: ` (${relative(m.certificateExpiresAt)})`})),
        `${formatTime(m.createdAt)}${m.renewalCount ? ` · renewed ${m.renewalCount}×` : ''}`,
        h('span', {class: 'mono', text: m.id}),
      ]),
      'Nobody has it mounted.'));
  };

  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}

function rank(type) {
  const i = S3_ORDER.indexOf(type);
  return i < 0 ? S3_ORDER.length : i;
}

function fact(term, value) {
  return h('div', {}, h('dt', {text: term}), h('dd', {text: value}));
}
