// Sign in with the admin account (POST /api/v1/session). Wrong credentials and the sign-in throttle are shown
// in words; the page never leaves the form on an error.

import {post} from '../api.js';
import {busy, field, h, heading, messageArea, replace} from '../ui.js';

export function render(main, {notice, onSignedIn}) {
  const messages = messageArea();
  const username = field('sign-in-username', 'Username', {required: true, value: 'admin',
    attrs: {autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false'}});
  const password = field('sign-in-password', 'Password', {type: 'password', required: true,
    attrs: {autocomplete: 'current-password'}});
  const submit = h('button', {type: 'submit', class: 'primary', text: 'Sign in'});
  const form = h('form', {id: 'sign-in-form', class: 'card narrow', novalidate: true},
    username.element, password.element, messages.element, h('div', {class: 'actions'}, submit));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    messages.clear();
    if (!username.control.value.trim() || !password.control.value) {
      messages.show('Enter both the username and the password.');
      (username.control.value.trim() ? password.control : username.control).focus();
      return;
    }
    const view = await busy(submit, messages, () => post('/api/v1/session', {
      username: username.control.value.trim(),
      password: password.control.value,
    }, {quiet401: true}));
    if (view) {
      onSignedIn(view);
    } else {
      password.control.select();
    }
  });

  replace(main,
    heading('Sign in'),
    h('p', {class: 'lead'}, 'Sign in with the console\'s admin account. ',
      h('code', {text: 'regatta up'}), ' prints it; its password is kept in the data directory.'),
    notice ? h('p', {class: 'message info', role: 'status', text: notice}) : null,
    form);
  (username.control.value ? password.control : username.control).focus();
}
