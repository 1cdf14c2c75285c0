// Small DOM helpers: every text goes in through textContent, so API data can never become markup.

/** h('tag.class', {attr: v, onclick: f}, ...children) builds an element. */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'text') el.textContent = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let fieldCount = 0;

/** A labelled form field with a slot for the error the API reports against it. */
export function field(label, name, control = {}, hint) {
  const id = `f-${name.replace(/[^a-z0-9]+/gi, '-')}-${++fieldCount}`;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : undefined;
  const { tag = 'input', options, ...attrs } = control;
  const input = h(tag, { id, name, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' '), ...attrs });
  if (options) for (const [value, text] of options) input.append(h('option', { value, text }));
  if (tag === 'textarea' && attrs.value !== undefined) input.value = attrs.value;
  return h(
    'div.field',
    {},
    h('label', { for: id, text: label }),
    hint ? h('span.hint', { id: hintId, text: hint }) : null,
    input,
    h('span.field-error', { id: errorId, 'data-error-for': name }),
  );
}

/** A table that turns into labelled stacked rows on phones. */
export function table(caption, columns, rows) {
  return h(
    'table.stack',
    {},
    h('caption.visually-hidden', { text: caption }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col', text: c })),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell, i) => h('td', { 'data-label': columns[i] }, cell)),
        ),
      ),
    ),
  );
}

/** Renders a page body into <main> and moves focus there, so screen readers hear the new page. */
export function render(...children) {
  const main = document.getElementById('main');
  main.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  main.focus();
}

/** Says something through the live region without moving focus. */
export function announce(text) {
  const region = document.getElementById('announcer');
  region.textContent = '';
  // A new text node after clearing makes screen readers announce the same message twice if needed.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** An RFC 3339 time as the reader's local date and time; '—' for none. */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

/** A <time> element for an RFC 3339 value. */
export function time(iso) {
  return iso ? h('time', { datetime: iso, text: when(iso) }) : '—';
}

/** A status badge: good, bad, or plain. */
export function badge(text, tone) {
  return h(`span.badge${tone ? `.${tone}` : ''}`, { text });
}

/** A tidy alert box for an error message. */
export function alertBox(message) {
  return h('p.alert', { role: 'alert', text: message });
}
