// Task runs: create one, open one by id, watch it run, read its output, and snapshot-monitor it.
import { api } from '../api.js';
import { badge, field, h, render, time } from '../dom.js';
import { onSubmit } from '../forms.js';
import { recentIds, remember } from '../recent.js';
import { safeLink } from '../timeline.js';

const POLL_MS = 2000;

/** #/tasks */
export async function tasksPage() {
  document.title = 'Task runs · Vigil';
  const open = h(
    'form.filters',
    { 'aria-label': 'Open a task run' },
    field('Task run id', 'run_id', { autocomplete: 'off' }),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Open' })),
  );
  onSubmit(open, async (v) => {
    const run = await api('GET', `/v1/tasks/runs/${encodeURIComponent(v.run_id.trim())}`);
    location.hash = `#/tasks/${encodeURIComponent(run.run_id)}`;
  });
  const create = h(
    'form',
    { id: 'create-task', 'aria-labelledby': 'create-task-title', novalidate: true },
    field('Input', 'input', { tag: 'textarea', rows: 3 }, 'What to extract, naming the pages to read (their URLs).'),
    field('Output schema', 'task_spec.output_schema', { tag: 'textarea', rows: 5 }, 'Optional: a JSON schema of the fields to fill; empty for text.'),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Create task run' })),
  );
  onSubmit(
    create,
    (v) => api('POST', '/v1/tasks/runs', taskBody(v)),
    (run) => {
      remember('tasks', run.run_id);
      location.hash = `#/tasks/${encodeURIComponent(run.run_id)}`;
    },
  );
  const recent = recentIds('tasks');
  render(
    h('h1', { text: 'Task runs' }),
    h('p', { text: 'The API lists no task runs, so runs opened or created in this session are listed here.' }),
    recent.length
      ? h(
          'ul',
          { 'aria-label': 'Recent task runs' },
          recent.map((id) => h('li', {}, h('a', { href: `#/tasks/${encodeURIComponent(id)}`, text: id }))),
        )
      : null,
    open,
    h('section', { 'aria-labelledby': 'create-task-title' }, h('h2', { id: 'create-task-title', text: 'Create a task run' }), create),
  );
}

function taskBody(v) {
  const schema = v['task_spec.output_schema'].trim();
  let parsed;
  if (schema) {
    try {
      parsed = JSON.parse(schema);
    } catch (error) {
      throw Object.assign(new Error('Output schema: not valid JSON'), {
        problems: [{ loc: ['body', 'task_spec', 'output_schema'], msg: `is not valid JSON (${error.message})` }],
      });
    }
  }
  return { input: v.input.trim(), processor: 'lite', ...(parsed ? { task_spec: { output_schema: { type: 'json', json_schema: parsed } } } : {}) };
}

/** #/tasks/{id}: the run's state, polled while it runs, then its output and basis. */
export async function taskPage(context, id) {
  const path = `/v1/tasks/runs/${encodeURIComponent(id)}`;
  const [run, input] = await Promise.all([api('GET', path), api('GET', `${path}/input`)]);
  if (context.stopped) return;
  remember('tasks', run.run_id);
  document.title = `Task run ${run.run_id} · Vigil`;
  const state = h('div', { id: 'run-state', 'aria-live': 'polite' });
  const output = h('div', { id: 'run-output' });
  render(
    h('p', {}, h('a', { href: '#/tasks', text: '← Task runs' })),
    h('h1.wrap', { text: `Task run ${run.run_id}` }),
    h('h2', { text: 'Input' }),
    typeof input.input === 'string' ? h('p.wrap', { text: input.input }) : h('pre', { text: JSON.stringify(input.input, null, 2) }),
    h('h2', { text: 'State' }),
    state,
    h('section', { 'aria-labelledby': 'output-title' }, h('h2', { id: 'output-title', text: 'Output' }), output),
  );
  let timer;
  context.stop = () => clearTimeout(timer);
  const refresh = async (current) => {
    state.replaceChildren(
      h(
        'p',
        {},
        badge(current.status, current.status === 'completed' ? 'good' : current.status === 'failed' ? 'bad' : null),
        ' created ',
        time(current.created_at),
        current.error ? [' — ', current.error.message] : '',
      ),
    );
    if (current.is_active) {
      output.replaceChildren(h('p', { text: 'Running…' }));
      timer = setTimeout(async () => {
        if (!context.stopped) await refresh(await api('GET', path));
      }, POLL_MS);
      return;
    }
    if (current.status !== 'completed') {
      output.replaceChildren(h('p', { text: 'No output: the run did not complete.' }));
      return;
    }
    const result = await api('GET', `${path}/result?timeout=5`);
    output.replaceChildren(...outputView(result.output).filter(Boolean), snapshotForm(current.run_id));
  };
  await refresh(run);
}

function outputView(out) {
  const content =
    typeof out.content === 'string' ? h('p.wrap', { text: out.content }) : h('pre', { id: 'task-output', text: JSON.stringify(out.content, null, 2) });
  const cited = (out.basis ?? []).flatMap((b) => (b.citations ?? []).map((c) => [b.field, c]));
  return [
    content,
    cited.length
      ? h(
          'details',
          {},
          h('summary', { text: `Basis (${cited.length} citations)` }),
          h(
            'ul',
            {},
            cited.map(([f, c]) => h('li', {}, h('code', { text: f }), ' ', safeLink(c.url, c.title || c.url))),
          ),
        )
      : null,
  ];
}

/** Watch this run's output for changes: a snapshot monitor whose first snapshot is the output. */
function snapshotForm(runId) {
  const form = h(
    'form.filters',
    { id: 'snapshot-from-run', 'aria-label': 'Watch this output for changes', novalidate: true },
    field('Check every', 'frequency', { value: '1d', autocomplete: 'off' }),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Create snapshot monitor' })),
  );
  onSubmit(
    form,
    (v) => api('POST', '/v1/monitors', { type: 'snapshot', frequency: v.frequency.trim(), settings: { task_run_id: runId } }),
    (monitor) => {
      location.hash = `#/monitors/${encodeURIComponent(monitor.monitor_id)}`;
    },
  );
  return h('section', { 'aria-labelledby': 'watch-title' }, h('h2', { id: 'watch-title', text: 'Watch for changes' }), form);
}
