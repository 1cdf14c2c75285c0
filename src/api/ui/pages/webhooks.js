// Webhooks: the signing secret and its rotation, each endpoint's health, notices, and deliveries.
import { api, query } from '../api.js';
import { alertBox, announce, badge, field, h, render, table, time } from '../dom.js';
import { action, clearErrors, onSubmit, showErrors } from '../forms.js';

/** A table of deliveries with a redeliver button for those that are delivered or failed. */
export function deliveriesTable(deliveries, reload) {
  return table(
    'Webhook deliveries',
    ['Event', 'Status', 'Attempts', 'Last answer', 'Created', 'Actions'],
    deliveries.map((d) => [
      h('span.wrap', {}, h('code', { text: d.event_type }), ' ', h('span.hint', { text: d.url })),
      badge(d.status, d.status === 'delivered' ? 'good' : d.status === 'failed' ? 'bad' : null),
      String(d.attempts),
      d.last_error ? h('span.wrap', { text: d.last_error }) : d.last_status_code ? String(d.last_status_code) : '—',
      time(d.created_at),
      d.status === 'pending'
        ? 'Retrying'
        : h('button.secondary', {
            type: 'button',
            'aria-label': `Redeliver ${d.event_type} of ${d.created_at}`,
            text: 'Redeliver',
            onclick: action(async () => {
              await api('POST', `/v1/webhooks/deliveries/${encodeURIComponent(d.delivery_id)}/redeliver`);
              announce('Queued for redelivery.');
              await reload();
            }),
          }),
    ]),
  );
}

/** #/webhooks */
export async function webhooksPage() {
  document.title = 'Webhooks · Vigil';
  const secret = h('div', { id: 'secret' });
  const endpoints = h('div', { id: 'endpoints' });
  const notices = h('div', { id: 'notices' });
  const deliveries = h('div', { id: 'all-deliveries' });
  render(
    h('h1', { text: 'Webhooks' }),
    h('section', { 'aria-labelledby': 'secret-title' }, h('h2', { id: 'secret-title', text: 'Signing secret' }), secret),
    h('section', { 'aria-labelledby': 'endpoints-title' }, h('h2', { id: 'endpoints-title', text: 'Endpoints' }), endpoints),
    h('section', { 'aria-labelledby': 'notices-title' }, h('h2', { id: 'notices-title', text: 'Notices' }), notices),
    h('section', { 'aria-labelledby': 'deliveries-title' }, h('h2', { id: 'deliveries-title', text: 'Recent deliveries' }), deliveries),
  );
  await Promise.all([showSecret(secret, await api('GET', '/v1/webhooks/secret')), loadEndpoints(endpoints), loadNotices(notices), loadDeliveries(deliveries)]);
}

function showSecret(into, s) {
  const value = h('span.secret', { text: mask(s.secret) });
  let shown = false;
  const toggle = h('button.link', {
    type: 'button',
    'aria-pressed': 'false',
    text: 'Show',
    onclick: () => {
      shown = !shown;
      value.textContent = shown ? s.secret : mask(s.secret);
      toggle.textContent = shown ? 'Hide' : 'Show';
      toggle.setAttribute('aria-pressed', String(shown));
    },
  });
  const rotate = h(
    'form.filters',
    { 'aria-label': 'Rotate the secret' },
    field('Grace period', 'grace_period', { value: '24h', autocomplete: 'off' }, 'The old secret signs too until then.'),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Rotate secret' })),
  );
  onSubmit(
    rotate,
    (v) => api('POST', '/v1/webhooks/secret/rotate', { grace_period: v.grace_period.trim() }),
    (next) => {
      announce('Secret rotated.');
      showSecret(into, next);
    },
  );
  const mode = h(
    'form.filters',
    { 'aria-label': 'Key mode' },
    field('Key mode', 'key_mode', {
      tag: 'select',
      options: [
        ['raw', 'raw (Parallel)'],
        ['standard', 'standard (Standard Webhooks)'],
      ],
    }),
  );
  mode.querySelector('select').value = s.key_mode;
  mode.addEventListener('change', async () => {
    clearErrors(mode);
    try {
      await api('POST', '/v1/webhooks/settings', { key_mode: mode.querySelector('select').value });
      announce('Key mode saved.');
    } catch (error) {
      showErrors(mode, error);
    }
  });
  into.replaceChildren(
    h('p', {}, value, ' ', toggle),
    s.previous_secret ? h('p', {}, 'The previous secret still signs until ', time(s.previous_secret_expires_at), '.') : null,
    mode,
    rotate,
  );
}

const mask = (secret) => `${secret.slice(0, 10)}…`;

async function loadEndpoints(into) {
  const { endpoints } = await api('GET', '/v1/webhooks/endpoints');
  into.replaceChildren(
    !endpoints.length
      ? h('p', { text: 'No webhook URL has been used yet.' })
      : table(
          'Endpoints',
          ['URL', 'Status', 'Failing since', 'Last success', 'Actions'],
          endpoints.map((e) => [
            h('span.wrap', { text: e.url }),
            badge(e.status, e.status === 'active' ? (e.failing_since ? 'bad' : 'good') : 'bad'),
            time(e.failing_since),
            time(e.last_success_at),
            e.status === 'disabled'
              ? h('button.secondary', {
                  type: 'button',
                  text: 'Enable',
                  'aria-label': `Enable ${e.url}`,
                  onclick: action(async () => {
                    await api('POST', '/v1/webhooks/endpoints/enable', { url: e.url });
                    announce('Endpoint enabled.');
                    await loadEndpoints(into);
                  }),
                })
              : '—',
          ]),
        ),
  );
}

async function loadNotices(into) {
  const { notices } = await api('GET', '/v1/account/notices?limit=20');
  into.replaceChildren(
    !notices.length
      ? h('p', { text: 'No notices.' })
      : h(
          'ul',
          {},
          notices.map((n) => h('li', {}, time(n.created_at), ' ', h('span.wrap', { text: n.message }))),
        ),
  );
}

async function loadDeliveries(into) {
  try {
    const page = await api('GET', `/v1/webhooks/deliveries${query({ limit: 20 })}`);
    into.replaceChildren(page.deliveries.length ? deliveriesTable(page.deliveries, () => loadDeliveries(into)) : h('p', { text: 'No deliveries yet.' }));
  } catch (error) {
    into.replaceChildren(alertBox(error.message));
  }
}
