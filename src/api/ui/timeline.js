// A monitor's events as a timeline: content with citations, snapshot diffs, and runs with no change
// folded together so the changes stand out.
import { h, time } from './dom.js';

/** A stable key for an event: its id, or (completions and errors have none) its type, time and message. */
export function eventKey(e) {
  return e.event_id ?? `${e.event_type}|${e.timestamp ?? ''}|${e.error_message ?? ''}`;
}

/** The moment an event stands at in the timeline. */
function eventTime(e) {
  return e.timestamp ?? e.event_date ?? null;
}

/** Timeline items for events, newest first; consecutive completions fold into one item. */
export function timelineItems(events) {
  const items = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.event_type !== 'completion') {
      items.push(eventItem(e));
      continue;
    }
    let j = i;
    while (j + 1 < events.length && events[j + 1].event_type === 'completion') j++;
    items.push(completionsItem(events.slice(i, j + 1)));
    i = j;
  }
  return items;
}

function completionsItem(runs) {
  const text = runs.length === 1 ? 'Checked: no change' : `Checked ${runs.length} times: no change`;
  return h(
    'li.kind-completion',
    { 'data-kind': 'completion' },
    h('p', {}, h('strong', { text }), ' ', h('span.when', {}, runs.length > 1 ? [time(runs.at(-1).timestamp), ' – '] : null, time(runs[0].timestamp))),
  );
}

function eventItem(e) {
  if (e.event_type === 'error') {
    return h(
      'li.kind-error',
      { 'data-kind': 'error' },
      h('p', {}, h('strong', { text: 'Error' }), ' ', h('span.when', {}, time(e.timestamp))),
      h('p.wrap', { text: e.error_message }),
    );
  }
  const heading = e.event_type === 'snapshot' ? 'Snapshot changed' : 'New event';
  return h(
    'li.kind-event',
    { 'data-kind': e.event_type, 'data-event-id': e.event_id },
    h('h3', {}, heading, ' ', h('span.when', {}, eventTime(e) ? time(eventTime(e)) : '')),
    e.event_type === 'snapshot' ? snapshotDiff(e) : outputView(e.output),
    citations((e.event_type === 'snapshot' ? e.changed_output : e.output)?.basis),
  );
}

function outputView(output) {
  if (!output) return null;
  if (typeof output.content === 'string') return h('p.wrap', { text: output.content });
  return h('pre', { text: JSON.stringify(output.content, null, 2) });
}

/** Each changed field beside its previous value; a text output is one field named "output". */
export function snapshotDiff(e) {
  const changed = e.changed_output?.content;
  const previous = e.previous_output?.content;
  const pairs =
    typeof changed === 'string' || typeof previous === 'string'
      ? [['output', previous, changed]]
      : Object.keys(changed ?? {}).map((k) => [k, previous?.[k], changed[k]]);
  return h(
    'table.diff.stack',
    {},
    h('caption.visually-hidden', { text: 'Changed fields with their previous values' }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Field', 'Previous value', 'New value'].map((c) => h('th', { scope: 'col', text: c })),
      ),
    ),
    h(
      'tbody',
      {},
      pairs.map(([name, before, after]) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row', 'data-label': 'Field' }, h('code', { text: name })),
          h('td.old', { 'data-label': 'Previous value' }, valueView(before)),
          h('td.new', { 'data-label': 'New value' }, valueView(after)),
        ),
      ),
    ),
  );
}

function valueView(value) {
  if (value === undefined) return h('em', { text: 'absent' });
  if (typeof value === 'string') return h('span.wrap', { text: value });
  return h('pre', { text: JSON.stringify(value, null, 2) });
}

function citations(basis) {
  const cited = (basis ?? []).flatMap((b) => (b.citations ?? []).map((c) => ({ ...c, field: b.field })));
  if (!cited.length) return null;
  return h(
    'details',
    {},
    h('summary', { text: `Citations (${cited.length})` }),
    h(
      'ul',
      {},
      cited.map((c) =>
        h(
          'li',
          {},
          safeLink(c.url, c.title || c.url),
          c.field && c.field !== 'output' ? ` (${c.field})` : '',
          c.excerpts?.length ? h('blockquote.wrap', { text: c.excerpts[0] }) : null,
        ),
      ),
    ),
  );
}

/** A link only for http(s) URLs: a cited `javascript:` URL must not become clickable. */
export function safeLink(url, text) {
  return /^https?:\/\//i.test(String(url)) ? h('a.wrap', { href: url, rel: 'noopener noreferrer', text }) : h('span.wrap', { text });
}
