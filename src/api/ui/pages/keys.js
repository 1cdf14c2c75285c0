// API keys: listed by prefix, created (the full key shown once), and revoked.
import { api, signOut } from '../api.js';
import { announce, badge, field, h, render, table, time } from '../dom.js';
import { action, onSubmit } from '../forms.js';

/** #/keys */
export async function keysPage(context) {
  document.title = 'API keys · Vigil';
  const list = h('div', { id: 'key-list' });
  const created = h('div', { id: 'new-key', 'aria-live': 'polite' });
  const form = h(
    'form.filters',
    { 'aria-label': 'Create an API key', novalidate: true },
    field('Name', 'name', { autocomplete: 'off' }, 'Optional: what will use the key.'),
    h('div.actions', {}, h('button', { type: 'submit', text: 'Create a key' })),
  );
  onSubmit(
    form,
    (v) => api('POST', '/v1/keys', v.name.trim() ? { name: v.name.trim() } : {}),
    async (key) => {
      created.replaceChildren(
        h(
          'div.notice',
          {},
          h('p', { text: 'Your new key. Copy it now: it is not shown again.' }),
          h('p', {}, h('code.secret', { id: 'created-key', text: key.key })),
        ),
      );
      await load(context, list);
    },
  );
  render(
    h('h1', { text: 'API keys' }),
    h('p', { text: 'Keys are listed by their prefix only; the full key is shown once, when it is created.' }),
    form,
    created,
    list,
  );
  await load(context, list);
}

async function load(context, into) {
  const { data } = await api('GET', '/v1/keys');
  if (context.stopped) return;
  into.replaceChildren(
    table(
      'API keys',
      ['Prefix', 'Name', 'Created', 'Last used', 'Status', 'Actions'],
      data.map((k) => [
        h('span', {}, h('code', { text: `${k.prefix}…` }), k.current ? [' ', badge('this session')] : null),
        k.name ?? '—',
        time(k.created_at),
        time(k.last_used_at),
        k.revoked_at ? badge('revoked', 'bad') : badge('active', 'good'),
        k.revoked_at
          ? '—'
          : h('button.danger', {
              type: 'button',
              'aria-label': `Revoke key ${k.prefix}`,
              text: 'Revoke',
              onclick: action(async () => {
                const warning = k.current
                  ? 'Revoke the key you are signed in with? You will be signed out.'
                  : 'Revoke this key? Anything using it stops working at once.';
                if (!confirm(warning)) return;
                await api('DELETE', `/v1/keys/${encodeURIComponent(k.key_id)}`);
                announce('Key revoked.');
                // The next call with a revoked key gets a 401, which signs out; reloading the list makes that call.
                if (k.current) {
                  try {
                    await api('GET', '/v1/keys');
                    signOut('You have been signed out: the key you signed in with was revoked.');
                  } catch {
                    /* the 401 has signed out already, with the server's message */
                  }
                  return;
                }
                await load(context, into);
              }),
            }),
      ]),
    ),
  );
}
