// The file systems: one row each with its status at a glance, and the ways to its access, health, settings and
// deletion (with an inline confirmation; a mounted one needs a second, forced confirmation).

import {del, get} from '../api.js';
import {confirmInline, h, heading, messageArea, replace, table} from '../ui.js';
import {STATE_LABELS, statusOf} from '../status.js';

const REFRESH_MS = 15000;

export function render(main) {
  const messages = messageArea();
  const list = h('div', {id: 'file-system-list', 'aria-live': 'polite'}, h('p', {class: 'loading', text: 'Loading…'}));
  replace(main,
    h('div', {class: 'page-head'},
      heading('File systems'),
      h('a', {class: 'button primary', href: '#/file-systems/new', id: 'new-file-system', text: 'New file system'})),
    messages.element,
    list);

  let confirming = false;
  let loadFailed = false;
  const load = async () => {
    if (confirming) {
      return; // do not pull a confirmation out from under the user
    }
    try {
      const summaries = await get('/api/v1/file-systems');
      const details = await Promise.all(summaries.map(fs => get(`/api/v1/file-systems/${encodeURIComponent(fs.id)}`)));
      replace(list, view(details));
      if (loadFailed) {
        messages.clear(); // the earlier failure to load is over
        loadFailed = false;
      }
    } catch (e) {
      messages.error(e);
      loadFailed = true;
    }
  };

  const view = details => table('File systems and their status',
    ['Name', 'Status', 'Bucket', 'Mounts', 'Grants', 'Actions'],
    details.map(fs => row(fs)),
    'No file systems yet. Make one with "New file system".');

  const row = fs => {
    const status = statusOf(fs);
    const actions = h('div', {class: 'row-actions'});
    const deleteButton = h('button', {type: 'button', class: 'danger-outline', text: 'Delete',
      'aria-label': `Delete ${fs.name}`});
    deleteButton.addEventListener('click', () => confirmDelete(fs, actions, deleteButton, false));
    actions.append(
      h('a', {class: 'button secondary', href: `#/file-systems/${fs.id}/access`, 'aria-label': `Access to ${fs.name}`,
        text: 'Access'}),
      h('a', {class: 'button secondary', href: `#/file-systems/${fs.id}/health`, 'aria-label': `Health of ${fs.name}`,
        text: 'Health'}),
      h('a', {class: 'button secondary', href: `#/file-systems/${fs.id}/edit`, 'aria-label': `Edit ${fs.name}`,
        text: 'Edit'}),
      deleteButton);
    return [
      h('div', {class: 'fs-name', 'data-fs-id': fs.id},
        h('a', {href: `#/file-systems/${fs.id}/health`, text: fs.name}),
        h('div', {class: 'muted mono', text: fs.id}),
        fs.replicas > 1 ? h('div', {class: 'muted', text: `${fs.replicas} replicas`}) : null),
      h('span', {class: `badge ${status.state}`, title: status.reason, 'data-state': status.state},
        STATE_LABELS[status.state], h('span', {class: 'visually-hidden', text: `: ${status.reason}`})),
      h('div', {},
        h('span', {class: 'mono', text: fs.bucket + (fs.keyPrefix ? `/${fs.keyPrefix}` : '')}),
        h('div', {class: 'muted', text: fs.region + (fs.endpoint ? ` · ${fs.endpoint}` : '')})),
      String(fs.activeMountCount),
      String(fs.grantCount),
      actions,
    ];
  };

  const confirmDelete = (fs, container, returnFocusTo, force) => {
    confirming = true;
    const restore = confirmInline(container, {
      question: force
        ? `${fs.name} is mounted. Delete it anyway? Its clients lose it at once.`
        : `Delete ${fs.name}? Its grants go with it; the bucket's objects stay.`,
      confirmLabel: force ? 'Delete anyway' : 'Delete',
      returnFocusTo,
      onCancel() {
        confirming = false;
      },
      async onConfirm() {
        try {
          await del(`/api/v1/file-systems/${encodeURIComponent(fs.id)}${force ? '?force=true' : ''}`);
          confirming = false;
          messages.show(`Deleted ${fs.name}.`, 'success');
          await load();
        } catch (e) {
          messages.error(e);
          if (e.status === 409 && !force) {
            restore();
            confirmDelete(fs, container, returnFocusTo, true);
          }
        }
      },
    });
  };

  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}
