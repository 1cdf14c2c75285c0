// Evaluation monitors (DeepRails routes): create, open by id, scores over time, failing evaluations.
import { api } from '../api.js';
import { badge, field, h, render, table, time } from '../dom.js';
import { onSubmit } from '../forms.js';
import { recentIds, remember } from '../recent.js';
import { scoreChart } from '../chart.js';

const METRICS = ['correctness', 'completeness', 'instruction_adherence', 'context_adherence', 'ground_truth_adherence', 'comprehensive_safety'];

/** #/evaluations */
export async function evaluationsPage() {
  document.title = 'Evaluation monitors · Vigil';
  const open = h(
    'form.filters',
    { 'aria-label': 'Open an evaluation monitor' },
    field('Evaluation monitor id', 'monitor_id', { autocomplete: 'off' }),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Open' })),
  );
  onSubmit(open, async (v) => {
    const m = await api('GET', `/monitor/${encodeURIComponent(v.monitor_id.trim())}?limit=0`);
    location.hash = `#/evaluations/${encodeURIComponent(m.monitor_id)}`;
  });
  const metrics = h(
    'fieldset',
    {},
    h('legend', { text: 'Guardrail metrics' }),
    METRICS.map((m) =>
      h('div', {}, h('input', { type: 'checkbox', name: 'guardrail_metrics', value: m, id: `metric-${m}` }), ' ', h('label', { for: `metric-${m}`, text: m })),
    ),
    h('span.field-error', { 'data-error-for': 'guardrail_metrics' }),
  );
  const create = h(
    'form',
    { id: 'create-evaluation', 'aria-labelledby': 'create-eval-title', novalidate: true },
    field('Name', 'name', { autocomplete: 'off' }),
    metrics,
    h('div.actions', {}, h('button', { type: 'submit', text: 'Create evaluation monitor' })),
  );
  onSubmit(
    create,
    (v) =>
      api('POST', '/monitor', {
        name: v.name.trim(),
        guardrail_metrics: [...create.querySelectorAll('input[name="guardrail_metrics"]:checked')].map((c) => c.value),
      }),
    (m) => {
      remember('evaluations', m.monitor_id);
      location.hash = `#/evaluations/${encodeURIComponent(m.monitor_id)}`;
    },
  );
  const recent = recentIds('evaluations');
  render(
    h('h1', { text: 'Evaluation monitors' }),
    h('p', { text: 'The DeepRails API lists no monitors, so those opened or created in this session are listed here.' }),
    recent.length
      ? h(
          'ul',
          { 'aria-label': 'Recent evaluation monitors' },
          recent.map((id) => h('li', {}, h('a', { href: `#/evaluations/${encodeURIComponent(id)}`, text: id }))),
        )
      : null,
    open,
    h('section', { 'aria-labelledby': 'create-eval-title' }, h('h2', { id: 'create-eval-title', text: 'Create an evaluation monitor' }), create),
  );
}

/** #/evaluations/{id} */
export async function evaluationPage(context, id) {
  const m = await api('GET', `/monitor/${encodeURIComponent(id)}?limit=100`);
  if (context.stopped) return;
  remember('evaluations', m.monitor_id);
  document.title = `${m.name} · Vigil`;
  const done = m.evaluations.filter((e) => e.evaluation_result).reverse();
  const series = {};
  for (const e of done) {
    for (const [metric, r] of Object.entries(e.evaluation_result)) (series[metric] ??= []).push({ at: e.created_at, score: r.score, threshold: r.threshold });
  }
  const failing = done.filter((e) => Object.values(e.evaluation_result).some(failed)).reverse();
  render(
    h('p', {}, h('a', { href: '#/evaluations', text: '← Evaluation monitors' })),
    h('h1.wrap', { text: m.name }),
    h(
      'dl.facts',
      {},
      [
        ['Id', h('code', { text: m.monitor_id })],
        ['Status', badge(m.status, m.status === 'active' ? 'good' : null)],
        ['Metrics', m.guardrail_metrics.join(', ')],
        ['Evaluations', `${m.stats.total_evaluations} (${m.stats.completed_evaluations} completed, ${m.stats.failed_evaluations} failed)`],
      ].map(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]),
    ),
    h(
      'section',
      { 'aria-labelledby': 'scores-title' },
      h('h2', { id: 'scores-title', text: 'Scores over time' }),
      done.length ? [scoreChart(series, `Scores of ${m.name}`), scoresTable(done)] : h('p', { text: 'No completed evaluation yet.' }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'failing-title' },
      h('h2', { id: 'failing-title', text: 'Failing evaluations' }),
      failing.length ? failing.map(failingCard) : h('p', { text: 'None of the recent evaluations failed a metric.' }),
    ),
  );
}

const failed = (r) => r.passed === false || (typeof r.threshold === 'number' && r.score < r.threshold);

function scoresTable(done) {
  const metrics = [...new Set(done.flatMap((e) => Object.keys(e.evaluation_result)))];
  return h(
    'details',
    {},
    h('summary', { text: 'Scores as a table' }),
    table(
      'Scores per evaluation',
      ['When', ...metrics],
      done.map((e) => [time(e.created_at), ...metrics.map((k) => (e.evaluation_result[k] ? e.evaluation_result[k].score.toFixed(2) : '—'))]),
    ),
  );
}

function failingCard(e) {
  const results = Object.entries(e.evaluation_result).filter(([, r]) => failed(r));
  return h(
    'article.card',
    {},
    h('h3', {}, time(e.created_at), e.nametag ? ` · ${e.nametag}` : ''),
    h('p.wrap', {}, h('strong', { text: 'Output: ' }), String(e.model_output ?? '').slice(0, 400)),
    h(
      'ul',
      {},
      results.map(([metric, r]) =>
        h(
          'li',
          {},
          h('strong', { text: metric }),
          ` ${r.score.toFixed(2)} (threshold ${r.threshold ?? '—'}): `,
          h('span.wrap.rationale', { text: r.rationale ?? '' }),
        ),
      ),
    ),
  );
}
