// Admin API tokens: make one (its secret is shown once, here), list them, revoke one.

import {del, get, post} from '../api.js';
import {busy, confirmInline, copyButton, field, h, heading, messageArea, replace, table, formatTime} from '../ui.js';

export function render(main) {
  const messages = messageArea();
  const list = h('div', {id: 'token-list'}, h('p', {class: 'loading', text: 'Loading…'}));
  const secretArea = h('div', {id: 'new-token-area'});
  const formMessages = messageArea();
  const name = field('token-name', 'Name', {required: true, attrs: {maxlength: 128, autocomplete: 'off'},
    hint: 'Who or what holds it, so that you can find it to revoke it later (for example "CI deploy").'});
  const submit = h('button', {type: 'submit', class: 'primary', text: 'Create token'});
  const form = h('form', {id: 'token-form', class: 'card', novalidate: true},
    h('h2', {text: 'Create a token'}), name.element, formMessages.element, h('div', {class: 'actions'}, submit));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    formMessages.clear();
    if (!name.control.value.trim()) {
      formMessages.show('Give the token a name.');
      name.control.focus();
      return;
    }
    const created = await busy(submit, formMessages, () => post('/api/v1/tokens', {name: name.control.value.trim()}));
    if (created) {
      name.control.value = '';
      showSecret(created);
      await load();
    }
  });

  const showSecret = created => {
    const done = h('button', {type: 'button', class: 'secondary', text: 'I have saved it'});
    const secret = h('code', {id: 'new-token-secret', class: 'secret', text: created.token});
    const panel = h('div', {class: 'card secret-panel', role: 'region', 'aria-labelledby': 'new-token-title',
      tabindex: '-1'},
    h('h2', {id: 'new-token-title', text: `Token "${created.name}" created`}),
    h('p', {class: 'warning'}, h('strong', {text: 'Copy it now: you will not see it again.'}),
      ' Only a hash of it is kept. Use it as ', h('code', {text: 'Authorization: Bearer <token>'}), '.'),
    h('div', {class: 'command'}, secret, copyButton(() => created.token, 'Copy', 'Copy the new token')),
    h('div', {class: 'actions'}, done));
    done.addEventListener('click', () => {
      secretArea.replaceChildren();
      name.control.focus();
    });
    replace(secretArea, panel);
    panel.focus();
  };

  const load = async () => {
    try {
      const tokens = await get('/api/v1/tokens');
      replace(list, table('API tokens', ['Name', 'Created', 'Last used', 'State', ''], tokens.map(row),
        'No API tokens yet.'));
    } catch (e) {
      messages.error(e);
    }
  };

  const row = token => {
    const cell = h('div', {class: 'row-actions'});
    if (!token.revokedAt) {
      const revoke = h('button', {type: 'button', class: 'danger-outline', text: 'Revoke',
        'aria-label': `Revoke ${token.name}`});
      revoke.addEventListener('click', () => confirmInline(cell, {
        question: `Revoke "${token.name}"? Scripts using it are refused from now on.`,
        confirmLabel: 'Revoke token',
        returnFocusTo: revoke,
        async onConfirm() {
          try {
            await del(`/api/v1/tokens/${encodeURIComponent(token.id)}`);
            messages.show(`Revoked "${token.name}".`, 'success');
            await load();
          } catch (e) {
            messages.error(e);
          }
        },
      }));
      cell.append(revoke);
    }
    return [
      h('span', {class: 'token-name', text: token.name}),
      formatTime(token.createdAt),
      token.lastUsedAt ? formatTime(token.lastUsedAt) : 'never',
      token.revokedAt
        ? h('span', {}, h('span', {class: 'badge error', text: 'Revoked'}), ' ', formatTime(token.revokedAt))
        : h('span', {class: 'badge healthy', text: 'Active'}),
      cell,
    ];
  };

  replace(main, heading('API tokens'),
    h('p', {class: 'lead', text: 'Tokens let scripts call the admin API without signing in. Revoked tokens stay listed.'}),
    messages.element, secretArea, form,
    h('section', {'aria-labelledby': 'tokens-title'}, h('h2', {id: 'tokens-title', text: 'Tokens'}), list));
  load();
}
