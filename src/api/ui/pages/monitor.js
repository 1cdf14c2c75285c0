// One monitor: its facts, a live timeline of its events, source health, edit, and webhook deliveries.
import { api, query } from '../api.js';
import { alertBox, announce, badge, field, h, render, table, time } from '../dom.js';
import { action, onSubmit } from '../forms.js';
import { nextRun } from '../schedule.js';
import { eventKey, timelineItems } from '../timeline.js';
import { deliveriesTable } from './webhooks.js';

const POLL_MS = 2000;
const PAGE = 50;

/** #/monitors/{id} */
export async function monitorPage(context, id) {
  const path = `/v1/monitors/${encodeURIComponent(id)}`;
  const monitor = await api('GET', path);
  if (context.stopped) return;
  const title = monitor.settings?.query || monitor.monitor_id;
  document.title = `${title} · Vigil`;
  const timeline = h('ol.timeline', { id: 'timeline', 'aria-label': 'Events, newest first' });
  const sources = h('div', { id: 'source-health' }, h('p', { text: 'Loading…' }));
  const deliveries = h('div', { id: 'deliveries' }, h('p', { text: 'Loading…' }));
  const factsBox = h('div', { id: 'facts' }, facts(monitor));
  render(
    h('p', {}, h('a', { href: '#/monitors', text: '← All monitors' })),
    h('h1.wrap', { text: title }),
    factsBox,
    actions(monitor, path),
    h(
      'section',
      { 'aria-labelledby': 'events-title' },
      h('h2', { id: 'events-title', text: 'Events' }),
      h('p.hint', { text: 'New events appear here as they are found.' }),
      timeline,
    ),
    h('section', { 'aria-labelledby': 'sources-title' }, h('h2', { id: 'sources-title', text: 'Source health' }), sources),
    monitor.status === 'active' ? editSection(monitor, path) : null,
    h('section', { 'aria-labelledby': 'deliveries-title' }, h('h2', { id: 'deliveries-title', text: 'Recent webhook deliveries' }), deliveries),
  );
  void loadSources(path, sources);
  void loadDeliveries(monitor.monitor_id, deliveries);
  // A new outcome changes the last and next run, and the sources' health: read them again then.
  await followEvents(context, path, timeline, async () => {
    factsBox.replaceChildren(facts(await api('GET', path)));
    await loadSources(path, sources);
  });
}

function facts(m) {
  const rows = [
    ['Id', h('code', { text: m.monitor_id })],
    ['Type', m.type === 'snapshot' ? 'Snapshot' : 'Event stream'],
    ['Status', badge(m.status, m.status === 'active' ? 'good' : null)],
    ['Frequency', h('code', { text: m.frequency })],
    ['Last run', time(m.last_run_at)],
    ['Next run', m.status !== 'active' ? '—' : m.last_run_at ? time(nextRun(m)) : 'Soon'],
    ['Sources', (m.settings?.sources ?? []).join(', ') || '—'],
    ['Webhook', m.webhook?.url ?? 'None'],
    ['Created', time(m.created_at)],
  ];
  if (m.type === 'snapshot')
    rows.splice(2, 0, ['Task run', h('a', { href: `#/tasks/${encodeURIComponent(m.settings.task_run_id)}`, text: m.settings.task_run_id })]);
  return h(
    'dl.facts',
    {},
    rows.map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]),
  );
}

function actions(m, path) {
  if (m.status !== 'active') return h('p', { text: 'This monitor is cancelled: it no longer runs.' });
  return h(
    'div.actions',
    {},
    h('button', {
      type: 'button',
      id: 'run-now',
      text: 'Run now',
      onclick: action(async () => {
        await api('POST', `${path}/trigger`);
        announce('Run started; its outcome will appear in the timeline.');
      }),
    }),
    h('button.danger', {
      type: 'button',
      text: 'Cancel monitor',
      onclick: action(async () => {
        if (!confirm('Cancel this monitor? This cannot be undone.')) return;
        await api('POST', `${path}/cancel`);
        location.hash = '#/monitors';
      }),
    }),
  );
}

/**
 * Live updates by polling the newest page every 2 s. A server-sent event stream would push them, but
 * EventSource cannot send the Authorization or x-api-key header the API requires, and a key in the
 * URL would end up in logs; fetch can. The list is newest first, so each poll reads the first page
 * and adds the events it has not shown (by event id, or time and message for outcomes without one).
 */
async function followEvents(context, path, timeline, changed) {
  const seen = new Set();
  let events = [];
  let first = true;
  const poll = async () => {
    const page = await api('GET', `${path}/events${query({ include_completions: true, limit: PAGE })}`);
    const fresh = page.events.filter((e) => !seen.has(eventKey(e)));
    for (const e of fresh) seen.add(eventKey(e));
    if (!fresh.length && !first) return;
    events = [...fresh, ...events].slice(0, PAGE * 2);
    timeline.replaceChildren(...(events.length ? timelineItems(events) : [h('li', { text: 'No events yet.' })]));
    const changes = fresh.filter((e) => e.event_type !== 'completion').length;
    if (!first) {
      announce(changes ? `${changes} new event${changes > 1 ? 's' : ''}.` : 'Checked: no change.');
      await changed();
    }
    first = false;
  };
  await poll();
  let timer;
  const loop = async () => {
    if (context.stopped) return;
    try {
      await poll();
    } catch {
      /* a failed poll is retried at the next tick; a 401 has signed out already */
    }
    if (!context.stopped) timer = setTimeout(loop, POLL_MS);
  };
  timer = setTimeout(loop, POLL_MS);
  context.stop = () => clearTimeout(timer);
}

async function loadSources(path, into) {
  try {
    const { sources } = await api('GET', `${path}/sources`);
    into.replaceChildren(
      !sources.length
        ? h('p', { text: 'No source has been read yet.' })
        : table(
            'Source health',
            ['Source', 'Status', 'Failures in a row', 'Last success', 'Last error'],
            sources.map((s) => [
              h('span.wrap', { text: s.source }),
              badge(s.status, s.status === 'ok' ? 'good' : 'bad'),
              String(s.consecutive_failures),
              time(s.last_success_at),
              s.last_error ? h('span.wrap', { text: s.last_error }) : '—',
            ]),
          ),
    );
  } catch (error) {
    into.replaceChildren(alertBox(error.message));
  }
}

async function loadDeliveries(monitorId, into) {
  try {
    const page = await api('GET', `/v1/webhooks/deliveries${query({ resource_id: monitorId, limit: 10 })}`);
    into.replaceChildren(
      page.deliveries?.length
        ? deliveriesTable(page.deliveries, () => loadDeliveries(monitorId, into))
        : h('p', { text: 'No deliveries: set a webhook URL to have outcomes sent.' }),
    );
  } catch (error) {
    into.replaceChildren(alertBox(error.message));
  }
}

/** Edit what the API lets change: frequency, webhook, and an event stream's query. */
function editSection(m, path) {
  const form = h(
    'form',
    { id: 'edit-monitor', 'aria-labelledby': 'edit-title', novalidate: true },
    field('Frequency', 'frequency', { value: m.frequency, autocomplete: 'off' }, 'A number and a unit: 1h, 6h, 1d, 1w.'),
    m.type === 'event_stream' ? field('Query', 'settings.query', { tag: 'textarea', rows: 3, value: m.settings.query }, 'Small wording changes only.') : null,
    field('Webhook URL', 'webhook.url', { type: 'url', value: m.webhook?.url ?? '', autocomplete: 'off' }, 'Empty to stop sending webhooks.'),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Save changes' })),
  );
  onSubmit(
    form,
    (v) => {
      const body = {};
      if (v.frequency.trim() !== m.frequency) body.frequency = v.frequency.trim();
      if (v['settings.query'] !== undefined && v['settings.query'].trim() !== m.settings.query) {
        body.type = 'event_stream';
        body.settings = { query: v['settings.query'].trim() };
      }
      const url = v['webhook.url'].trim();
      if (url !== (m.webhook?.url ?? '')) body.webhook = url ? { url, event_types: m.webhook?.event_types } : null;
      if (!Object.keys(body).length) throw new Error('Nothing changed.');
      return api('POST', `${path}/update`, body);
    },
    () => {
      announce('Saved.');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    },
  );
  return h('section', { 'aria-labelledby': 'edit-title' }, h('h2', { id: 'edit-title', text: 'Edit' }), form);
}
