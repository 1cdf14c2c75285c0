import type { Command } from 'commander';
import { connect, type CliContext } from './context.js';
import { json, table, type Column } from './format.js';
import type { KeyView as WireKey } from '../domain/key-schemas.js';

const COLUMNS: Column<WireKey>[] = [
  { title: 'id', value: (k) => k.key_id },
  { title: 'prefix', value: (k) => k.prefix },
  { title: 'name', value: (k) => k.name },
  { title: 'created', value: (k) => k.created_at },
  { title: 'last used', value: (k) => k.last_used_at },
  { title: 'revoked', value: (k) => k.revoked_at },
  { title: 'current', value: (k) => (k.current ? 'yes' : '') },
];

/**
 * `vigil keys list|new|revoke`: the account's keys on a running server. (`vigil keys create`, which
 * writes the database directly to bootstrap an account, is registered by main.ts.)
 */
export function registerRemoteKeyCommands(keys: Command, ctx: CliContext): void {
  keys
    .command('list')
    .description("the account's keys on the server (prefix only), newest first")
    .action(async (_flags: unknown, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      const page = await api.request<{ data: WireKey[] }>('GET', '/v1/keys');
      ctx.io.out(asJson ? json(page) : table(page.data, COLUMNS));
    });

  keys
    .command('new')
    .description('create a key for the account on the server; the secret is printed once')
    .option('--name <name>', 'a label for people')
    .action(async (flags: { name?: string }, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      const created = await api.request<{ key_id: string; key: string }>('POST', '/v1/keys', { body: flags.name ? { name: flags.name } : {} });
      if (asJson) {
        ctx.io.out(json(created));
        return;
      }
      ctx.io.out(`${created.key}\n`);
      ctx.io.err(`(key ${created.key_id}; the secret is shown only this once)\n`);
    });

  keys
    .command('revoke')
    .description('revoke a key: every server process refuses it at once')
    .argument('<key_id>')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      const key = await api.request<WireKey>('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      ctx.io.out(asJson ? json(key) : `revoked ${key.key_id} (${key.prefix}…) at ${key.revoked_at}\n`);
    });
}
