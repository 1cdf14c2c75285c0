// A FindAll run, live: its status and metrics, and candidates appearing and being judged.
import { api } from '../api.js';
import { announce, badge, field, h, render, table, time } from '../dom.js';
import { action, onSubmit } from '../forms.js';
import { remember } from '../recent.js';
import { safeLink } from '../timeline.js';

// EventSource cannot send the key header, so the result is polled while the run is active.
const POLL_MS = 2000;
const TONES = { completed: 'good', matched: 'good', failed: 'bad', unmatched: 'bad', cancelled: 'bad', discarded: 'bad' };

/** #/findall/{id}: the run's schema, state and candidates, polled every 2 s while it is active. */
export async function findAllRunPage(context, id) {
  const path = `/v1beta/findall/runs/${encodeURIComponent(id)}`;
  const [result, schema] = await Promise.all([api('GET', `${path}/result`), api('GET', `${path}/schema`)]);
  if (context.stopped) return;
  const runId = result.run.findall_id;
  remember('findall', runId);
  document.title = `FindAll run ${runId} · Vigil`;
  const state = h('div', { id: 'findall-state' });
  const controls = h('div', { id: 'findall-controls' });
  const candidates = h('div', { id: 'candidates' });
  render(
    h('p', {}, h('a', { href: '#/findall', text: '← FindAll runs' })),
    h('h1.wrap', { text: `FindAll run ${runId}` }),
    schemaView(schema),
    h('section', { 'aria-labelledby': 'state-title' }, h('h2', { id: 'state-title', text: 'State' }), state, controls),
    h('section', { 'aria-labelledby': 'candidates-title' }, h('h2', { id: 'candidates-title', text: 'Candidates' }), candidates),
  );
  const seen = new Set(result.candidates.filter((c) => c.match_status === 'matched').map((c) => c.candidate_id));
  let timer;
  context.stop = () => clearTimeout(timer);
  let shownFor = '';
  let wasActive = false;
  const refresh = async (current) => {
    if (context.stopped) return;
    showState(state, current.run);
    // Controls are rebuilt only when the status changes, so a form being filled in is not wiped by a poll.
    const key = `${current.run.status.status}/${current.run.status.termination_reason ?? ''}`;
    if (key !== shownFor) {
      shownFor = key;
      showControls(controls, current.run, path, reload);
    }
    candidates.replaceChildren(candidateTable(current.candidates));
    announceMatches(current.candidates, seen);
    clearTimeout(timer);
    if (current.run.status.is_active) {
      wasActive = true;
      timer = setTimeout(poll, POLL_MS);
      return;
    }
    // The result reads the candidates before the run: the snapshot that first says "ended" may miss the
    // last judgements, so one more read, taken after the run ended, shows the complete list.
    if (wasActive) {
      wasActive = false;
      await poll();
    }
  };
  const poll = async () => {
    try {
      await refresh(await api('GET', `${path}/result`));
    } catch {
      if (!context.stopped) timer = setTimeout(poll, POLL_MS);
    }
  };
  // After cancel, extend or enrich the controls change with the run, and polling resumes if it is active again.
  const reload = async () => refresh(await api('GET', `${path}/result`));
  await refresh(result);
}

function schemaView(schema) {
  return h(
    'section',
    { 'aria-labelledby': 'schema-title' },
    h('h2', { id: 'schema-title', text: 'What it looks for' }),
    h('p.wrap', { text: schema.objective }),
    h(
      'dl',
      {},
      h('dt', { text: 'Entity type' }),
      h('dd', { text: schema.entity_type }),
      h('dt', { text: 'Generator' }),
      h('dd', { text: schema.generator ?? '—' }),
      h('dt', { text: 'Match limit' }),
      h('dd', { text: schema.match_limit ?? '—' }),
    ),
    h('h3', { text: 'Match conditions' }),
    h(
      'ul',
      {},
      schema.match_conditions.map((c) => h('li', {}, h('strong', { text: c.name }), ': ', c.description)),
    ),
  );
}

function showState(state, run) {
  const s = run.status;
  const m = s.metrics ?? {};
  state.replaceChildren(
    h(
      'p',
      { id: 'findall-status' },
      badge(s.status, TONES[s.status]),
      s.is_active ? ' (active)' : '',
      ' created ',
      time(run.created_at),
      s.termination_reason ? [' — ended: ', h('span', { id: 'termination', text: s.termination_reason.replaceAll('_', ' ') })] : '',
    ),
    h('p', { id: 'findall-metrics', text: `${m.generated_candidates_count ?? 0} candidates generated, ${m.matched_candidates_count ?? 0} matched` }),
  );
}

/** Cancel, extend and enrich, each shown only where api.md §6.4 allows it. */
function showControls(controls, run, path, reload) {
  const s = run.status;
  const preview = run.generator === 'preview';
  const parts = [];
  if (['queued', 'running'].includes(s.status) && !preview) {
    parts.push(
      h(
        'div.actions',
        {},
        h('button', {
          type: 'button',
          id: 'cancel-run',
          text: 'Cancel run',
          onclick: action(async () => {
            await api('POST', `${path}/cancel`);
            announce('Run cancelled.');
            await reload();
          }),
        }),
      ),
    );
  }
  if (s.status === 'completed' && s.termination_reason === 'match_limit_met' && !preview) {
    const form = h(
      'form.filters',
      { id: 'extend-run', 'aria-label': 'Extend the run', novalidate: true },
      field('Additional matches', 'additional_match_limit', { type: 'number', value: '5', min: 1, inputmode: 'numeric' }),
      h('div.actions', {}, h('button', { type: 'submit', text: 'Extend' })),
    );
    onSubmit(
      form,
      (v) => api('POST', `${path}/extend`, { additional_match_limit: Number(v.additional_match_limit) }),
      async () => {
        announce('Run extended.');
        await reload();
      },
    );
    parts.push(form);
  }
  if (['running', 'completed'].includes(s.status) && !preview) parts.push(enrichForm(path, reload));
  controls.replaceChildren(...parts);
}

function enrichForm(path, reload) {
  const form = h(
    'form',
    { id: 'enrich-run', 'aria-label': 'Enrich the matched candidates', novalidate: true },
    field('Enrichment output schema', 'output_schema', { tag: 'textarea', rows: 4 }, 'A JSON schema of the fields to add to each matched candidate.'),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Enrich matches' })),
  );
  onSubmit(
    form,
    (v) => {
      let parsed;
      try {
        parsed = JSON.parse(v.output_schema);
      } catch (error) {
        throw Object.assign(new Error('Output schema: not valid JSON'), {
          problems: [{ loc: ['body', 'output_schema'], msg: `is not valid JSON (${error.message})` }],
        });
      }
      return api('POST', `${path}/enrich`, { output_schema: { type: 'json', json_schema: parsed } });
    },
    async () => {
      announce('Enrichment started.');
      await reload();
    },
  );
  return h('details', {}, h('summary', { text: 'Enrich matched candidates' }), form);
}

function announceMatches(candidates, seen) {
  const fresh = candidates.filter((c) => c.match_status === 'matched' && !seen.has(c.candidate_id));
  for (const c of fresh) seen.add(c.candidate_id);
  if (fresh.length) announce(`New match${fresh.length > 1 ? 'es' : ''}: ${fresh.map((c) => c.name).join(', ')}`);
}

function candidateTable(list) {
  if (!list.length) return h('p', { text: 'No candidates yet.' });
  const t = table(
    'Candidates',
    ['Name', 'Match', 'Conditions', 'Citations'],
    list.map((c) => [
      [safeLink(c.url, c.name), c.description ? h('p.wrap', { text: c.description }) : null],
      badge(c.match_status, TONES[c.match_status]),
      verdicts(c.output),
      citations(c.basis),
    ]),
  );
  // Each row names its candidate and status, so a reader (or a test) can follow one across polls.
  [...t.tBodies[0].rows].forEach((row, i) => {
    row.dataset.candidate = list[i].candidate_id;
    row.dataset.status = list[i].match_status;
  });
  return t;
}

/** Each condition's verdict (and any enrichment): `output[name].value`, with ✓/✗ from `is_matched`. */
function verdicts(output) {
  const entries = Object.entries(output ?? {});
  if (!entries.length) return '—';
  return h(
    'ul.verdicts',
    {},
    entries.map(([name, o]) => {
      const value = o && typeof o === 'object' ? o.value : o;
      const mark = o?.is_matched === true ? '✓ met' : o?.is_matched === false ? '✗ not met' : o?.type === 'enrichment' ? 'enrichment' : '';
      return h(
        'li',
        {},
        h('strong', { text: name }),
        mark ? [' ', badge(mark, o.is_matched === true ? 'good' : o.is_matched === false ? 'bad' : null)] : '',
        ': ',
        h('span.wrap', { text: typeof value === 'string' ? value : JSON.stringify(value) }),
      );
    }),
  );
}

/** Citations of the basis; only http(s) URLs become links. */
function citations(basis) {
  const cited = (basis ?? []).flatMap((b) => (b.citations ?? []).map((c) => c));
  if (!cited.length) return '—';
  const unique = [...new Map(cited.map((c) => [c.url, c])).values()];
  return h(
    'ul',
    {},
    unique.map((c) => h('li', {}, safeLink(c.url, c.title || c.url))),
  );
}
