// FindAll runs: create one (or ingest an objective into a schema first), open one by id.
import { api } from '../api.js';
import { field, h, render } from '../dom.js';
import { onSubmit, showErrors, clearErrors } from '../forms.js';
import { recentIds, remember } from '../recent.js';

const GENERATORS = [
  ['base', 'base'],
  ['core', 'core'],
  ['pro', 'pro'],
  ['preview', 'preview (about 10 candidates)'],
];

/** #/findall */
export async function findAllPage() {
  document.title = 'FindAll runs · Vigil';
  const open = h(
    'form.filters',
    { 'aria-label': 'Open a FindAll run' },
    field('FindAll run id', 'findall_id', { autocomplete: 'off' }),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Open' })),
  );
  onSubmit(open, async (v) => {
    const run = await api('GET', `/v1beta/findall/runs/${encodeURIComponent(v.findall_id.trim())}`);
    location.hash = `#/findall/${encodeURIComponent(run.findall_id)}`;
  });
  const recent = recentIds('findall');
  render(
    h('h1', { text: 'FindAll runs' }),
    h('p', { text: 'The API lists no FindAll runs, so runs opened or created in this session are listed here.' }),
    recent.length
      ? h(
          'ul',
          { 'aria-label': 'Recent FindAll runs' },
          recent.map((id) => h('li', {}, h('a', { href: `#/findall/${encodeURIComponent(id)}`, text: id }))),
        )
      : null,
    open,
    h('section', { 'aria-labelledby': 'create-findall-title' }, h('h2', { id: 'create-findall-title', text: 'Create a FindAll run' }), createForm()),
  );
}

function createForm() {
  const conditions = h('div', { id: 'conditions' });
  const form = h(
    'form',
    { id: 'create-findall', 'aria-labelledby': 'create-findall-title', novalidate: true },
    field('Objective', 'objective', { tag: 'textarea', rows: 3 }, 'What to find, naming the pages to read (their URLs).'),
    h('div.actions', {}, h('button', { type: 'button', id: 'ingest', text: 'Ingest objective' })),
    field('Entity type', 'entity_type', { autocomplete: 'off' }, 'For example: companies, people.'),
    h(
      'fieldset',
      {},
      h('legend', { text: 'Match conditions' }),
      h('span.field-error', { 'data-error-for': 'match_conditions' }),
      conditions,
      h('div.actions', {}, h('button', { type: 'button', id: 'add-condition', text: 'Add condition' })),
    ),
    field('Generator', 'generator', { tag: 'select', options: GENERATORS }),
    field(
      'Match limit',
      'match_limit',
      { type: 'number', value: '10', min: 1, inputmode: 'numeric' },
      'How many matches to find: 5 to 1000 (preview: at most 10).',
    ),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Create FindAll run' })),
  );
  setConditions(conditions, [{ name: '', description: '' }]);
  form.querySelector('#add-condition').addEventListener('click', () => {
    setConditions(conditions, [...readConditions(form), { name: '', description: '' }]);
    conditions.querySelector('.condition:last-child input')?.focus();
  });
  form.querySelector('#ingest').addEventListener('click', (event) => void ingest(form, conditions, event.currentTarget));
  onSubmit(
    form,
    (v) => api('POST', '/v1beta/findall/runs', runBody(form, v)),
    (run) => {
      remember('findall', run.findall_id);
      location.hash = `#/findall/${encodeURIComponent(run.findall_id)}`;
    },
  );
  return form;
}

/** Fills entity type and conditions from the objective, through the API's ingest. */
async function ingest(form, conditions, button) {
  button.disabled = true;
  clearErrors(form);
  try {
    const schema = await api('POST', '/v1beta/findall/ingest', { objective: form.elements.objective.value.trim() });
    form.elements.entity_type.value = schema.entity_type ?? '';
    setConditions(conditions, schema.match_conditions?.length ? schema.match_conditions : [{ name: '', description: '' }]);
    if (schema.generator) form.elements.generator.value = schema.generator;
    if (schema.match_limit) form.elements.match_limit.value = String(schema.match_limit);
    form.elements.entity_type.focus();
  } catch (error) {
    if (form.isConnected) showErrors(form, error);
  } finally {
    button.disabled = false;
  }
}

/** Rebuilds the condition rows: fields named match_conditions.N.name, so the API's errors land beside them. */
function setConditions(container, list) {
  container.replaceChildren(
    ...list.map((c, i) => {
      const name = field(`Condition ${i + 1} name`, `match_conditions.${i}.name`, { autocomplete: 'off', value: c.name ?? '' });
      const description = field(`Condition ${i + 1} description`, `match_conditions.${i}.description`, {
        tag: 'textarea',
        rows: 2,
        value: c.description ?? '',
      });
      const remove = h('button', {
        type: 'button',
        class: 'link',
        text: `Remove condition ${i + 1}`,
        onclick: () => {
          const form = container.closest('form');
          setConditions(
            container,
            readConditions(form).filter((_, j) => j !== i),
          );
          form.querySelector('#add-condition').focus();
        },
      });
      return h('div.condition', {}, name, description, list.length > 1 ? h('div.actions', {}, remove) : null);
    }),
  );
}

function readConditions(form) {
  return [...form.querySelectorAll('.condition')].map((_, i) => ({
    name: form.elements[`match_conditions.${i}.name`].value.trim(),
    description: form.elements[`match_conditions.${i}.description`].value.trim(),
  }));
}

function runBody(form, v) {
  const limit = v.match_limit.trim();
  return {
    objective: v.objective.trim(),
    entity_type: v.entity_type.trim(),
    match_conditions: readConditions(form),
    generator: v.generator,
    match_limit: /^-?\d+$/.test(limit) ? Number(limit) : limit,
  };
}
