// Who may mount a file system: its grants, a form to add one, removal with an inline confirmation, and the mount
// command an instance runs.

import {del, get, post} from '../api.js';
import {busy, checkbox, confirmInline, copyButton, field, h, heading, messageArea, replace, table,
  formatTime} from '../ui.js';

// The same shapes as the control plane's PrincipalPattern (iam/PrincipalPattern.java): a 12-digit account, or an
// IAM role or user ARN with an optional path; names of 1 to 64 of [\w+=,.@-].
const ACCOUNT = /^\d{12}$/;
const ROLE_OR_USER = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(role|user)(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;

/** Why a principal would be refused, or null when its shape is right. */
export function principalProblem(text) {
  const t = text.trim();
  if (!t) {
    return 'Enter a 12-digit account ID or an IAM role or user ARN.';
  }
  if (ACCOUNT.test(t) || ROLE_OR_USER.test(t)) {
    return null;
  }
  if (/^\d+$/.test(t)) {
    return `An account ID has 12 digits; "${t}" has ${t.length}.`;
  }
  if (t.startsWith('arn:') && t.includes(':sts::')) {
    return 'That is an STS session ARN. Grant its role instead: arn:aws:iam::123456789012:role/NAME.';
  }
  return `"${t}" is neither a 12-digit account ID nor an IAM role or user ARN ` +
    '(arn:aws:iam::123456789012:role/NAME or arn:aws:iam::123456789012:user/NAME).';
}

/** A directory name under /mnt for the mount command: the file system's name, made safe for a shell. */
export function mountPointName(name) {
  const safe = String(name).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return safe || 'regatta';
}

export function render(main, {id}) {
  const messages = messageArea();
  const fsPath = `/api/v1/file-systems/${encodeURIComponent(id)}`;
  const grantsArea = h('div', {id: 'grant-list'}, h('p', {class: 'loading', text: 'Loading…'}));
  const commandArea = h('div', {id: 'mount-command-area'});
  const title = heading('Access');
  const subtitle = h('p', {class: 'lead mono', text: id});

  const formMessages = messageArea();
  const principal = field('grant-principal', 'IAM principal', {required: true,
    attrs: {autocapitalize: 'none', spellcheck: 'false', autocomplete: 'off',
      placeholder: 'arn:aws:iam::123456789012:role/app'},
    hint: 'A role (every session assumed from it), a user, or a 12-digit account ID (everyone in it).'});
  const accessChoice = field('grant-access', 'Access', {type: 'select', value: 'READ_WRITE',
    choices: [['READ_WRITE', 'Read-write'], ['READ_ONLY', 'Read-only']]});
  const rootSquash = checkbox('grant-root-squash', 'Root squash', false,
    'The client\'s root user acts as nobody on this file system.');
  const submit = h('button', {type: 'submit', class: 'primary', text: 'Add grant'});
  const form = h('form', {id: 'grant-form', class: 'card', novalidate: true},
    h('h2', {text: 'Add a grant'}),
    principal.element, accessChoice.element, rootSquash.element,
    h('div', {class: 'actions'}, submit),
    formMessages.element); // below the button, so that a message never moves it

  // A wrong shape is pointed out when the field is left, and the note goes once it is fixed while typing. Nothing
  // is cleared on blur: that would move the button under a pointer that is about to click it.
  let shapeNoteShown = false;
  principal.control.addEventListener('blur', () => {
    const problem = principal.control.value.trim() ? principalProblem(principal.control.value) : null;
    if (problem) {
      principal.control.setAttribute('aria-invalid', 'true');
      formMessages.show(problem);
      shapeNoteShown = true;
    }
  });
  principal.control.addEventListener('input', () => {
    if (shapeNoteShown && !principalProblem(principal.control.value)) {
      principal.control.setAttribute('aria-invalid', 'false');
      formMessages.clear();
      shapeNoteShown = false;
    }
  });

  form.addEventListener('submit', async event => {
    event.preventDefault();
    formMessages.clear();
    shapeNoteShown = false;
    const problem = principalProblem(principal.control.value);
    principal.control.setAttribute('aria-invalid', problem ? 'true' : 'false');
    if (problem) {
      formMessages.show(problem);
      principal.control.focus();
      return;
    }
    const grant = await busy(submit, formMessages, () => post(`${fsPath}/grants`, {
      principal: principal.control.value.trim(),
      access: accessChoice.control.value,
      rootSquash: rootSquash.control.checked,
    }));
    if (grant) {
      formMessages.show(`Granted ${grant.principal} ${grant.access === 'READ_ONLY' ? 'read-only' : 'read-write'} ` +
        'access. The serving node learns of it with its next heartbeat.', 'success');
      principal.control.value = '';
      rootSquash.control.checked = false;
      await loadGrants();
    }
  });

  const loadGrants = async () => {
    try {
      const grants = await get(`${fsPath}/grants`);
      replace(grantsArea, table('Grants', ['Principal', 'Kind', 'Access', 'Root squash', 'Since', ''],
        grants.map(grantRow), 'No grants: nobody can mount this file system yet.'));
    } catch (e) {
      messages.error(e);
    }
  };

  const grantRow = grant => {
    const cell = h('div', {class: 'row-actions'});
    const remove = h('button', {type: 'button', class: 'danger-outline', text: 'Remove',
      'aria-label': `Remove the grant of ${grant.principal}`});
    remove.addEventListener('click', () => confirmInline(cell, {
      question: `Remove ${grant.principal}? New mounts by it are refused at once; the node drops it at its next heartbeat.`,
      confirmLabel: 'Remove grant',
      returnFocusTo: remove,
      async onConfirm() {
        try {
          await del(`${fsPath}/grants/${encodeURIComponent(grant.id)}`);
          messages.show(`Removed the grant of ${grant.principal}.`, 'success');
          await loadGrants();
          form.querySelector('input').focus();
        } catch (e) {
          messages.error(e);
        }
      },
    }));
    cell.append(remove);
    return [
      h('span', {class: 'mono principal', text: grant.principal}),
      grant.principalKind ? grant.principalKind.toLowerCase() : '',
      grant.access === 'READ_ONLY' ? 'Read-only' : 'Read-write',
      grant.rootSquash ? 'Yes' : 'No',
      formatTime(grant.createdAt),
      cell,
    ];
  };

  replace(main, title, subtitle, messages.element,
    h('section', {'aria-labelledby': 'grants-title'}, h('h2', {id: 'grants-title', text: 'Grants'}), grantsArea),
    form,
    h('section', {class: 'card', 'aria-labelledby': 'mount-title'},
      h('h2', {id: 'mount-title', text: 'Mount it on an instance'}), commandArea),
    h('p', {}, h('a', {href: `#/file-systems/${encodeURIComponent(id)}/health`, text: 'Health and mounts'}), ' · ',
      h('a', {href: '#/file-systems', text: 'All file systems'})));

  get(fsPath).then(fs => {
    title.textContent = `Access to ${fs.name}`;
    const command = `sudo mount -t regatta ${fs.id} /mnt/${mountPointName(fs.name)}`;
    replace(commandArea,
      h('p', {}, 'On an instance whose IAM role is granted here, with ', h('code', {text: 'mount.regatta'}),
        ' installed:'),
      h('div', {class: 'command'}, h('code', {id: 'mount-command', text: command}),
        copyButton(() => command, 'Copy', 'Copy the mount command')),
      h('p', {class: 'hint', text: `Create the directory first: sudo mkdir -p /mnt/${mountPointName(fs.name)}`}));
  }).catch(e => messages.error(e));
  loadGrants();
}
