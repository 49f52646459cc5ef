// The audit log of mount decisions (GET /api/v1/audit-events), filterable by decision, principal text and file
// system, with the counted 429s of throttled sources optionally hidden so that a flood cannot bury real decisions.
// Used as a page of its own and as a section of a file system's health page.

import {get, query} from '../api.js';
import {busy, checkbox, field, h, heading, messageArea, replace, table, formatTime} from '../ui.js';

/**
 * The audit section: a filter form and the events.
 *
 * @param {{fileSystemId?: string, headingLevel?: string}} options fileSystemId: the file system filter to start with
 * @returns {{element: HTMLElement, refresh: () => Promise<void>}}
 */
export function auditSection({fileSystemId = '', headingLevel = 'h2'} = {}) {
  const messages = messageArea();
  const decision = field('audit-decision', 'Decision', {type: 'select', value: '',
    choices: [['', 'All'], ['ALLOWED', 'Allowed'], ['REFUSED', 'Refused']]});
  const principal = field('audit-principal', 'Principal contains', {
    attrs: {autocapitalize: 'none', spellcheck: 'false', placeholder: 'role name or ARN part'}});
  const fileSystem = field('audit-file-system', 'File system', {type: 'select', value: fileSystemId,
    choices: [['', 'All file systems'], ...(fileSystemId ? [[fileSystemId, fileSystemId]] : [])]});
  const hideThrottled = checkbox('audit-hide-throttled', 'Hide throttled refusals (429)', false,
    'A source refused too often gets 429s, counted in one event per source and failure window.');
  const submit = h('button', {type: 'submit', class: 'secondary', text: 'Filter'});
  const form = h('form', {id: 'audit-filter', class: 'filters', role: 'search', 'aria-label': 'Filter the audit log'},
    decision.element, principal.element, fileSystem.element, hideThrottled.element,
    h('div', {class: 'actions'}, submit));
  const results = h('div', {id: 'audit-events', 'aria-live': 'polite'});

  // The file system choices get their names once known; a failure here leaves the IDs, which still work.
  get('/api/v1/file-systems').then(list => {
    const chosen = fileSystem.control.value;
    replace(fileSystem.control, h('option', {value: '', text: 'All file systems'}),
      list.map(fs => h('option', {value: fs.id, text: `${fs.name} (${fs.id})`, selected: fs.id === chosen})));
  }).catch(e => messages.error(e));

  let latest = 0; // answers to older requests (a slower unfiltered load) must not replace newer ones
  const refresh = async () => {
    const request = ++latest;
    try {
      const events = await get(`/api/v1/audit-events${query({
        decision: decision.control.value,
        principal: principal.control.value.trim(),
        fileSystemId: fileSystem.control.value,
        throttled: hideThrottled.control.checked ? 'false' : '',
        limit: 100,
      })}`);
      if (request !== latest) {
        return;
      }
      messages.clear();
      replace(results, table('Mount decisions, newest first',
        ['When', 'Decision', 'Principal', 'File system', 'Source', 'Reason'],
        events.map(e => [
          formatTime(e.at),
          h('span', {class: `badge ${e.decision === 'ALLOWED' ? 'healthy' : 'error'}`, 'data-decision': e.decision},
            e.decision === 'ALLOWED' ? 'Allowed' : 'Refused',
            e.status ? h('span', {class: 'muted', text: ` ${e.status}`}) : null,
            e.count > 1 ? h('span', {class: 'muted', 'data-count': String(e.count),
              text: ` ×${e.count} until ${formatTime(e.lastAt)}`}) : null),
          h('span', {class: 'mono principal', text: e.principal || '(not identified)'}),
          h('span', {class: 'mono', text: e.fileSystemId || '–'}),
          e.sourceAddress || '–',
          h('span', {class: 'reason', text: e.reason}),
        ]),
        'No mount decisions match.'));
    } catch (e) {
      if (request === latest) {
        messages.error(e);
      }
    }
  };

  form.addEventListener('submit', event => {
    event.preventDefault();
    busy(submit, messages, refresh);
  });

  const element = h('section', {class: 'audit', 'aria-labelledby': 'audit-title'},
    h(headingLevel, {id: 'audit-title', text: 'Audit log of mount decisions'}),
    form, messages.element, results);
  return {element, refresh};
}

export function render(main) {
  const section = auditSection({headingLevel: 'h2'});
  replace(main, heading('Audit log'),
    h('p', {class: 'lead', text: 'Every mount, renewal and unmount report the control plane decided, with why.'}),
    section.element);
  section.refresh();
}
