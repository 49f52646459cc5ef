// The console's shell: who is signed in, the navigation, and a hash router that hands the main area to one page
// module at a time. A page's render(main, params) may return a cleanup function (to stop its refresh timer).

import {del, get, onUnauthorized} from './api.js';
import {h, replace} from './ui.js';
import * as signIn from './pages/sign-in.js';
import * as fileSystems from './pages/file-systems.js';
import * as fileSystemForm from './pages/file-system-form.js';
import * as access from './pages/access.js';
import * as health from './pages/health.js';
import * as audit from './pages/audit.js';
import * as tokens from './pages/tokens.js';

const routes = [
  {pattern: /^\/file-systems$/, page: fileSystems, section: 'file-systems'},
  {pattern: /^\/file-systems\/new$/, page: fileSystemForm, section: 'file-systems'},
  {pattern: /^\/file-systems\/(?<id>[^/]+)\/edit$/, page: fileSystemForm, section: 'file-systems'},
  {pattern: /^\/file-systems\/(?<id>[^/]+)\/access$/, page: access, section: 'file-systems'},
  {pattern: /^\/file-systems\/(?<id>[^/]+)\/health$/, page: health, section: 'file-systems'},
  {pattern: /^\/audit$/, page: audit, section: 'audit'},
  {pattern: /^\/tokens$/, page: tokens, section: 'tokens'},
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const account = document.getElementById('account');
const globalMessage = document.getElementById('global-message');

let session = null;           // {signedIn, name, method} once known
let cleanup = null;           // the current page's cleanup
let signInNotice = null;      // why the sign-in page is shown (e.g. the session ended)

function showGlobalError(text) {
  replace(globalMessage, text ? h('p', {class: 'message error', text}) : null);
}

function setSignedIn(view) {
  session = view && view.signedIn ? view : null;
  nav.hidden = !session;
  account.hidden = !session;
  document.getElementById('account-name').textContent = session ? session.name : '';
}

function currentPath() {
  const hash = decodeURIComponent(location.hash.replace(/^#/, ''));
  return hash || '/file-systems';
}

async function route() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  showGlobalError(null);
  const path = currentPath();
  if (!session) {
    cleanup = signIn.render(main, {
      notice: signInNotice,
      onSignedIn(view) {
        signInNotice = null;
        setSignedIn(view);
        if (path === '/sign-in') {
          location.hash = '#/file-systems';
        } else {
          route();
        }
      },
    }) || null;
    return;
  }
  if (path === '/sign-in') {
    location.hash = '#/file-systems';
    return;
  }
  const match = routes.map(r => ({route: r, m: path.match(r.pattern)})).find(x => x.m);
  for (const link of nav.querySelectorAll('a')) {
    if (match && link.dataset.section === match.route.section) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  if (!match) {
    replace(main, h('h1', {tabindex: '-1', class: 'page-title', text: 'Not found'}),
      h('p', {}, 'There is no page at ', h('code', {text: path}), '. ',
        h('a', {href: '#/file-systems', text: 'Go to the file systems.'})));
    main.querySelector('h1').focus();
    return;
  }
  const params = {...(match.m.groups || {})};
  cleanup = match.route.page.render(main, params) || null;
  const title = main.querySelector('h1');
  if (title) {
    title.focus();
  }
}

onUnauthorized(() => {
  if (session) {
    signInNotice = 'Your session has ended. Sign in again to go on.';
  }
  setSignedIn(null);
  route();
});

document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await del('/api/v1/session');
  } catch (e) {
    showGlobalError(`Signing out failed: ${e.message}`);
    return;
  }
  setSignedIn(null);
  signInNotice = 'You have signed out.';
  location.hash = '#/sign-in';
  route();
});

window.addEventListener('hashchange', route);

async function start() {
  try {
    // Also sets the XSRF-TOKEN cookie that every change needs.
    setSignedIn(await get('/api/v1/session', {quiet401: true}));
  } catch (e) {
    setSignedIn(null);
    if (e.status !== 401) {
      signInNotice = e.message;
    }
  }
  route();
}

start();
