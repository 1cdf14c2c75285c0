// The dashboard's entry: sign-in, the hash router, and the pages it hands each route to.
import { api, currentKey, onSignOut, signIn, signOut } from './api.js';
import { alertBox, h, render } from './dom.js';
import { onSubmit } from './forms.js';
import { monitorsPage } from './pages/monitors.js';
import { monitorPage } from './pages/monitor.js';
import { tasksPage, taskPage } from './pages/tasks.js';
import { findAllPage } from './pages/findall.js';
import { findAllRunPage } from './pages/findall-run.js';
import { evaluationsPage, evaluationPage } from './pages/evaluations.js';
import { webhooksPage } from './pages/webhooks.js';
import { keysPage } from './pages/keys.js';

const routes = [
  [/^#\/monitors\/([^/]+)$/, monitorPage],
  [/^#\/monitors$/, monitorsPage],
  [/^#\/tasks\/([^/]+)$/, taskPage],
  [/^#\/tasks$/, tasksPage],
  [/^#\/findall\/([^/]+)$/, findAllRunPage],
  [/^#\/findall$/, findAllPage],
  [/^#\/evaluations\/([^/]+)$/, evaluationPage],
  [/^#\/evaluations$/, evaluationsPage],
  [/^#\/webhooks$/, webhooksPage],
  [/^#\/keys$/, keysPage],
];

let stopPage = null;
let signedOutReason = null;

/** Shows the page for the current hash, stopping the previous page's polling first. */
async function route() {
  stopPage?.();
  stopPage = null;
  const signedIn = Boolean(currentKey());
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('sign-out').hidden = !signedIn;
  if (!signedIn) return signInPage();
  const hash = location.hash || '#/monitors';
  for (const [pattern, page] of routes) {
    const match = pattern.exec(hash);
    if (!match) continue;
    markCurrent(hash);
    const context = { stopped: false };
    stopPage = () => {
      context.stopped = true;
      context.stop?.();
    };
    try {
      await page(context, ...match.slice(1).map(decodeURIComponent));
    } catch (error) {
      if (!context.stopped && currentKey()) render(h('h1', { text: error.status === 404 ? 'Not found' : 'Something went wrong' }), alertBox(error.message));
    }
    return;
  }
  location.hash = '#/monitors';
}

function markCurrent(hash) {
  for (const link of document.querySelectorAll('#nav a')) {
    const current = hash === link.getAttribute('href') || hash.startsWith(`${link.getAttribute('href')}/`);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function signInPage() {
  document.title = 'Sign in · Vigil';
  const form = h(
    'form',
    { 'aria-labelledby': 'sign-in-title' },
    h(
      'div.field',
      {},
      h('label', { for: 'api-key', text: 'API key' }),
      h('span.hint', { id: 'api-key-hint', text: 'Kept for this browser session only.' }),
      h('input', { id: 'api-key', name: 'key', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'api-key-hint api-key-error' }),
      h('span.field-error', { id: 'api-key-error', 'data-error-for': 'key' }),
    ),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Sign in' })),
  );
  onSubmit(
    form,
    async ({ key }) => {
      // Any authenticated read proves the key; the monitors list is the page we land on anyway.
      try {
        await api('GET', '/v1/monitors?limit=1', undefined, key.trim());
      } catch (error) {
        if (error.status === 401) error.problems = [{ loc: ['key'], msg: `This key was refused (${error.message}).` }];
        throw error;
      }
      return key.trim();
    },
    (key) => {
      signedOutReason = null;
      signIn(key);
      if (!location.hash || location.hash === '#/sign-in') location.hash = '#/monitors';
      else void route();
    },
  );
  render(
    h('h1', { id: 'sign-in-title', text: 'Sign in to Vigil' }),
    signedOutReason ? h('p.alert', { role: 'alert', id: 'signed-out', text: signedOutReason }) : null,
    form,
  );
}

onSignOut((reason) => {
  signedOutReason = reason ?? null;
  void route();
});
document.getElementById('sign-out').addEventListener('click', () => signOut('You signed out.'));
window.addEventListener('hashchange', () => void route());
void route();
