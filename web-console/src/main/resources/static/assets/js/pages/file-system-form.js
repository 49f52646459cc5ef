// Create a file system (POST) or edit one (PATCH with only the fields that changed). Modes are typed in octal and
// sent as the decimal numbers the API takes. The API's validation is the authority: its errors are shown as sent.
// The replica count is chosen at creation only: the API refuses to change it afterwards.

import {get, patch, post} from '../api.js';
import {busy, checkbox, field, h, heading, messageArea, replace} from '../ui.js';

const DEFAULTS = {defaultUid: 0, defaultGid: 0, defaultFileMode: 0o644, defaultDirMode: 0o755,
  flushDelaySeconds: 300, cacheTtlSeconds: 3600};

export function render(main, {id}) {
  const editing = Boolean(id);
  const messages = messageArea();
  replace(main, heading(editing ? 'Edit file system' : 'New file system'), messages.element,
    h('p', {class: 'loading', text: 'Loading…'}));
  if (editing) {
    get(`/api/v1/file-systems/${encodeURIComponent(id)}`)
      .then(fs => showForm(main, messages, fs))
      .catch(e => {
        replace(main, heading('Edit file system'), messages.element,
          h('p', {}, h('a', {href: '#/file-systems', text: 'Back to the file systems'})));
        messages.error(e);
      });
  } else {
    showForm(main, messages, null);
  }
}

function octal(mode) {
  return `0${Number(mode).toString(8).padStart(3, '0')}`;
}

function showForm(main, messages, fs) {
  const value = key => (fs ? fs[key] : DEFAULTS[key]);
  const f = {
    name: field('fs-name', 'Name', {required: true, value: fs ? fs.name : '', attrs: {maxlength: 128},
      hint: 'What admins call it; shown in the console and in mount commands.'}),
    bucket: field('fs-bucket', 'Bucket', {required: true, value: fs ? fs.bucket : '',
      attrs: {autocapitalize: 'none', spellcheck: 'false', minlength: 3, maxlength: 63},
      hint: 'An S3 general-purpose bucket name: 3 to 63 lowercase letters, digits, dots and hyphens.'}),
    region: field('fs-region', 'Region', {required: true, value: fs ? fs.region : 'us-east-1',
      attrs: {autocapitalize: 'none', spellcheck: 'false', pattern: '[a-z]{2}(-[a-z]+)+-\\d{1,2}'},
      hint: 'For example us-east-1.'}),
    endpoint: field('fs-endpoint', 'S3 endpoint', {type: 'url', value: fs && fs.endpoint ? fs.endpoint : '',
      attrs: {autocapitalize: 'none', spellcheck: 'false', placeholder: 'https://s3.example.com'},
      hint: 'Empty for AWS\'s endpoint of the region; otherwise any S3-compatible endpoint (http or https).'}),
    keyPrefix: field('fs-prefix', 'Key prefix', {value: fs ? fs.keyPrefix : '',
      attrs: {autocapitalize: 'none', spellcheck: 'false', placeholder: 'team/data/'},
      hint: 'Empty serves the whole bucket; otherwise only the keys under this prefix.'}),
    defaultUid: field('fs-uid', 'Owner (uid)', {type: 'number', value: value('defaultUid'),
      attrs: {min: 0, max: 4294967295, inputmode: 'numeric'}}),
    defaultGid: field('fs-gid', 'Group (gid)', {type: 'number', value: value('defaultGid'),
      attrs: {min: 0, max: 4294967295, inputmode: 'numeric'}}),
    defaultFileMode: field('fs-file-mode', 'File mode (octal)', {value: octal(value('defaultFileMode')),
      attrs: {pattern: '0?[0-7]{1,4}', inputmode: 'numeric'}}),
    defaultDirMode: field('fs-dir-mode', 'Directory mode (octal)', {value: octal(value('defaultDirMode')),
      attrs: {pattern: '0?[0-7]{1,4}', inputmode: 'numeric'}}),
    flushDelaySeconds: field('fs-flush-delay', 'Flush delay (seconds)', {type: 'number',
      value: value('flushDelaySeconds'), attrs: {min: 1, max: 86400, inputmode: 'numeric'},
      hint: 'How long a change may wait before it is written to S3 (1 to 86400).'}),
    cacheTtlSeconds: field('fs-cache-ttl', 'Cache lifetime (seconds)', {type: 'number',
      value: value('cacheTtlSeconds'), attrs: {min: 1, max: 604800, inputmode: 'numeric'},
      hint: 'How long cached data is trusted before S3 is asked again (1 to 604800).'}),
  };
  // Empty: the control plane's regatta.replication.default-replicas.
  const replicas = fs ? null : field('fs-replicas', 'Replicas', {type: 'select', value: '',
    choices: [['', 'The control plane\'s default'], ['1', '1: one node, no replication'],
      ['3', '3: survives one node down'], ['5', '5: survives two nodes down']],
    hint: 'How many nodes serve it. A group of 3 or 5 waits until that many nodes with a replication address are '
      + 'live, spread over zones. It cannot be changed later.'});
  const force = fs ? checkbox('fs-force', 'Change the bucket, region, endpoint or prefix even while it is mounted',
    false, 'Its clients would see other data at once. Without this, such a change of a mounted file system is refused.')
    : null;
  const submit = h('button', {type: 'submit', class: 'primary', text: fs ? 'Save changes' : 'Create file system'});
  const form = h('form', {id: 'file-system-form', class: 'card', novalidate: true},
    h('fieldset', {}, h('legend', {text: 'Where the data is'}),
      f.name.element, f.bucket.element, f.region.element, f.endpoint.element, f.keyPrefix.element),
    h('fieldset', {class: 'grid-2'}, h('legend', {text: 'Defaults for objects without metadata'}),
      f.defaultUid.element, f.defaultGid.element, f.defaultFileMode.element, f.defaultDirMode.element),
    h('fieldset', {class: 'grid-2'}, h('legend', {text: 'Cache timings'}),
      f.flushDelaySeconds.element, f.cacheTtlSeconds.element),
    h('fieldset', {}, h('legend', {text: 'Replication'}),
      replicas ? replicas.element
        : h('p', {id: 'fs-replicas-fixed', text: `${fs.replicas} ${fs.replicas === 1 ? 'replica' : 'replicas'} (fixed at creation).`})),
    force ? force.element : null,
    messages.element,
    h('div', {class: 'actions'}, submit,
      h('a', {class: 'button secondary', href: '#/file-systems', text: 'Cancel'})));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    messages.clear();
    let body;
    try {
      body = read(f);
    } catch (e) {
      messages.show(e.message);
      if (e.control) {
        e.control.focus();
      }
      return;
    }
    if (!fs) {
      for (const key of ['endpoint', 'keyPrefix']) {
        if (body[key] === '') {
          delete body[key]; // absent: AWS's endpoint, the whole bucket
        }
      }
      if (replicas.control.value) {
        body.replicas = Number(replicas.control.value);
      }
    } else {
      for (const key of Object.keys(body)) {
        const before = key === 'endpoint' ? (fs.endpoint || '') : fs[key];
        if (body[key] === before) {
          delete body[key];
        }
      }
      if (!Object.keys(body).length) {
        messages.show('Nothing changed.', 'info');
        return;
      }
    }
    const path = fs
      ? `/api/v1/file-systems/${encodeURIComponent(fs.id)}${force && force.control.checked ? '?force=true' : ''}`
      : '/api/v1/file-systems';
    const saved = await busy(submit, messages, () => (fs ? patch(path, body) : post(path, body)));
    if (saved) {
      location.hash = `#/file-systems`;
    }
  });

  const title = main.querySelector('h1');
  replace(main, title, h('p', {class: 'lead'}, fs ? h('span', {class: 'mono', text: fs.id}) :
    'A bucket (or a prefix of one) to serve as an NFS file system. Only name, bucket and region are required.'), form);
  if (!fs) {
    f.name.control.focus();
  }
}

class FormError extends Error {
  constructor(message, control) {
    super(message);
    this.control = control;
  }
}

/** The request body from the form, with the browser-side checks the API would make anyway. */
function read(f) {
  const text = key => f[key].control.value.trim();
  const integer = (key, label, min, max) => {
    const raw = text(key);
    if (raw === '') {
      return undefined;
    }
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new FormError(`${label} must be a whole number from ${min} to ${max}.`, f[key].control);
    }
    return Number(raw);
  };
  const mode = (key, label) => {
    const raw = text(key);
    if (raw === '') {
      return undefined;
    }
    if (!/^0?[0-7]{1,4}$/.test(raw)) {
      throw new FormError(`${label} must be an octal mode such as 0644 (digits 0 to 7, at most 07777).`, f[key].control);
    }
    return parseInt(raw, 8);
  };
  for (const [key, label] of [['name', 'Name'], ['bucket', 'Bucket'], ['region', 'Region']]) {
    if (!text(key)) {
      throw new FormError(`${label} is required.`, f[key].control);
    }
  }
  const body = {
    name: text('name'),
    bucket: text('bucket'),
    region: text('region'),
    endpoint: text('endpoint'),
    keyPrefix: text('keyPrefix'),
    defaultUid: integer('defaultUid', 'Owner (uid)', 0, 4294967295),
    defaultGid: integer('defaultGid', 'Group (gid)', 0, 4294967295),
    defaultFileMode: mode('defaultFileMode', 'File mode'),
    defaultDirMode: mode('defaultDirMode', 'Directory mode'),
    flushDelaySeconds: integer('flushDelaySeconds', 'Flush delay', 1, 86400),
    cacheTtlSeconds: integer('cacheTtlSeconds', 'Cache lifetime', 1, 604800),
  };
  for (const key of Object.keys(body)) {
    if (body[key] === undefined) {
      delete body[key];
    }
  }
  return body;
}
