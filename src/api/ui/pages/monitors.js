// Monitors: the list with filters and at-a-glance health, and the form that creates one.
import { api, query } from '../api.js';
import { badge, field, h, render, table, time, announce } from '../dom.js';
import { action, lines, onSubmit } from '../forms.js';
import { nextRun } from '../schedule.js';

const STATUS_OPTIONS = [
  ['active', 'Active'],
  ['cancelled', 'Cancelled'],
  ['active,cancelled', 'Any status'],
];
const TYPE_OPTIONS = [
  ['', 'Any type'],
  ['event_stream', 'Event stream'],
  ['snapshot', 'Snapshot'],
];

/** #/monitors */
export async function monitorsPage(context) {
  document.title = 'Monitors · Vigil';
  const results = h('div', { id: 'monitor-results' });
  const filters = h(
    'form.filters',
    { 'aria-label': 'Filter monitors', role: 'search' },
    field('Status', 'status', { tag: 'select', options: STATUS_OPTIONS }),
    field('Type', 'type', { tag: 'select', options: TYPE_OPTIONS }),
  );
  const reload = () => loadList(context, results, Object.fromEntries(new FormData(filters).entries()));
  filters.addEventListener('change', reload);
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    void reload();
  });
  render(
    h('h1', { text: 'Monitors' }),
    h('section', { 'aria-labelledby': 'list-title' }, h('h2', { id: 'list-title', text: 'Watched' }), filters, results),
    createSection(),
  );
  await reload();
}

async function loadList(context, results, filters) {
  const page = await api('GET', `/v1/monitors${query({ limit: 100, status: filters.status, type: filters.type })}`);
  if (context.stopped) return;
  if (!page.monitors.length) {
    results.replaceChildren(h('p', { text: 'No monitors match. Create one below.' }));
    return;
  }
  const rows = page.monitors.map((m) => {
    const outcome = h('span', { text: '…' });
    const sources = h('span', { text: '…' });
    void fillHealth(m, outcome, sources);
    return [
      h('a.wrap', { href: `#/monitors/${encodeURIComponent(m.monitor_id)}`, text: m.settings?.query || m.monitor_id }),
      m.type === 'snapshot' ? 'Snapshot' : 'Event stream',
      badge(m.status, m.status === 'active' ? 'good' : null),
      h('code', { text: m.frequency }),
      time(m.last_run_at),
      outcome,
      m.status !== 'active' ? '—' : m.last_run_at ? time(nextRun(m)) : 'Soon',
      sources,
      rowActions(m, () => loadList(context, results, filters)),
    ];
  });
  results.replaceChildren(table('Monitors', ['Monitor', 'Type', 'Status', 'Frequency', 'Last run', 'Last outcome', 'Next run', 'Sources', 'Actions'], rows));
}

/** The latest outcome (event, completion or error) and the failing sources, filled in as they arrive. */
async function fillHealth(monitor, outcome, sources) {
  const id = encodeURIComponent(monitor.monitor_id);
  const [events, health] = await Promise.allSettled([
    api('GET', `/v1/monitors/${id}/events?limit=1&include_completions=true`),
    api('GET', `/v1/monitors/${id}/sources`),
  ]);
  const last = events.status === 'fulfilled' ? events.value.events[0] : undefined;
  outcome.replaceChildren(
    !last
      ? 'Not run yet'
      : last.event_type === 'error'
        ? badge('Error', 'bad')
        : last.event_type === 'completion'
          ? badge('No change', 'good')
          : badge('Change detected'),
  );
  if (health.status !== 'fulfilled') {
    sources.replaceChildren('—');
    return;
  }
  const all = health.value.sources;
  const failing = all.filter((s) => s.status === 'failing');
  sources.replaceChildren(!all.length ? '—' : failing.length ? badge(`${failing.length} of ${all.length} failing`, 'bad') : badge(`${all.length} ok`, 'good'));
}

function rowActions(m, reload) {
  if (m.status !== 'active') return '—';
  const label = m.settings?.query || m.monitor_id;
  return h(
    'div.actions',
    {},
    h('button.secondary', {
      type: 'button',
      'aria-label': `Run now: ${label}`,
      text: 'Run now',
      onclick: action(async () => {
        await api('POST', `/v1/monitors/${encodeURIComponent(m.monitor_id)}/trigger`);
        announce('Run started.');
      }),
    }),
    h('button.danger', {
      type: 'button',
      'aria-label': `Cancel: ${label}`,
      text: 'Cancel',
      onclick: action(async () => {
        if (!confirm('Cancel this monitor? This cannot be undone.')) return;
        await api('POST', `/v1/monitors/${encodeURIComponent(m.monitor_id)}/cancel`);
        announce('Monitor cancelled.');
        await reload();
      }),
    }),
  );
}

/** The create form: an event stream from a query and sources, or a snapshot from a completed task run. */
function createSection() {
  const streamFields = h(
    'div',
    { id: 'stream-fields' },
    field('Query', 'settings.query', { tag: 'textarea', rows: 3 }, 'What to watch for, in words; URLs in it are read too.'),
    field('Sources', 'settings.sources', { tag: 'textarea', rows: 3 }, 'Feeds, pages or JSON endpoints, one URL a line.'),
  );
  const snapshotFields = h(
    'div',
    { id: 'snapshot-fields', hidden: true },
    field('Task run id', 'settings.task_run_id', { autocomplete: 'off' }, 'A completed task run; its output becomes the first snapshot.'),
  );
  const typeField = field('Type', 'type', {
    tag: 'select',
    options: [
      ['event_stream', 'Event stream'],
      ['snapshot', 'Snapshot'],
    ],
  });
  typeField.querySelector('select').addEventListener('change', (event) => {
    const snapshot = event.target.value === 'snapshot';
    streamFields.hidden = snapshot;
    snapshotFields.hidden = !snapshot;
  });
  const form = h(
    'form',
    { id: 'create-monitor', 'aria-labelledby': 'create-title', novalidate: true },
    typeField,
    field('Frequency', 'frequency', { value: '1d', autocomplete: 'off' }, 'A number and a unit: 1h, 6h, 1d, 1w (30d at most).'),
    streamFields,
    snapshotFields,
    field('Webhook URL', 'webhook.url', { type: 'url', autocomplete: 'off' }, 'Optional: where to POST each outcome.'),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Create monitor' })),
  );
  onSubmit(
    form,
    (v) => api('POST', '/v1/monitors', createBody(v)),
    (monitor) => {
      location.hash = `#/monitors/${encodeURIComponent(monitor.monitor_id)}`;
    },
  );
  return h('section', { 'aria-labelledby': 'create-title' }, h('h2', { id: 'create-title', text: 'Create a monitor' }), form);
}

/** The request body the form's values describe; empty optional fields are left out. */
function createBody(v) {
  const settings =
    v.type === 'snapshot'
      ? { task_run_id: v['settings.task_run_id'].trim() }
      : { query: v['settings.query'].trim(), ...(lines(v['settings.sources']).length ? { sources: lines(v['settings.sources']) } : {}) };
  return {
    type: v.type,
    frequency: v.frequency.trim(),
    settings,
    ...(v['webhook.url'].trim() ? { webhook: { url: v['webhook.url'].trim() } } : {}),
  };
}
