import type { Command } from 'commander';
import { CliFailure, EXIT } from './client.js';
import { collect, connect, positiveInt, type CliContext } from './context.js';
import { json, table, type Column } from './format.js';
import type { DeliveryView as WireDelivery } from '../domain/webhook-schemas.js';

const COLUMNS: Column<WireDelivery>[] = [
  { title: 'id', value: (d) => d.delivery_id },
  { title: 'status', value: (d) => d.status },
  { title: 'event', value: (d) => d.event_type },
  { title: 'resource', value: (d) => d.resource_id },
  { title: 'attempts', value: (d) => d.attempts },
  { title: 'last', value: (d) => d.last_status_code ?? d.last_error },
  { title: 'created', value: (d) => d.created_at },
  { title: 'url', value: (d) => d.url },
];

interface ListFlags {
  status?: string[];
  resource?: string;
  eventType?: string;
  limit: number;
  cursor?: string;
  all?: boolean;
}
interface RedeliverFlags {
  failed?: boolean;
  delivered?: boolean;
  since?: string;
  until?: string;
}

/** `vigil deliveries list|redeliver`: the account's webhook deliveries (README, "Webhooks"). */
export function registerDeliveryCommands(program: Command, ctx: CliContext): void {
  const deliveries = program.command('deliveries').description('webhook deliveries: list them, send them again');

  deliveries
    .command('list')
    .description('deliveries, newest first')
    .option('--status <status>', 'pending, delivered or failed (repeatable)', collect)
    .option('--resource <id>', 'only those of this monitor, task run or evaluation monitor')
    .option('--event-type <type>', 'only this event type, e.g. monitor.event.detected')
    .option('--limit <n>', 'deliveries per page (1–1000)', positiveInt, 100)
    .option('--all', 'follow next_cursor until the last page')
    .option('--cursor <cursor>', 'start from this next_cursor')
    .action(async (flags: ListFlags, command: Command) => {
      const { api, asJson } = connect(command, ctx);
      const all: WireDelivery[] = [];
      let cursor = flags.cursor;
      let next: string | null = null;
      do {
        const page = await api.request<{ deliveries: WireDelivery[]; next_cursor: string | null }>('GET', '/v1/webhooks/deliveries', {
          query: { status: flags.status, resource_id: flags.resource, event_type: flags.eventType, limit: flags.limit, cursor },
        });
        all.push(...page.deliveries);
        next = page.next_cursor;
        cursor = next ?? undefined;
      } while (flags.all && next);
      ctx.io.out(asJson ? json({ deliveries: all, next_cursor: next }) : table(all, COLUMNS));
    });

  deliveries
    .command('redeliver')
    .description('send one delivery again (same webhook-id), or every failed one with --failed')
    .argument('[delivery_id]')
    .option('--failed', 'every failed delivery (in --since/--until, when given)')
    .option('--delivered', 'with --failed: delivered ones too')
    .option('--since <time>', 'with --failed: created at or after this RFC 3339 time')
    .option('--until <time>', 'with --failed: created before this RFC 3339 time')
    .action(async (id: string | undefined, flags: RedeliverFlags, command: Command) => {
      if ((id === undefined) === !flags.failed) throw new CliFailure('give a delivery id or --failed (not both)', EXIT.usage);
      const { api, asJson } = connect(command, ctx);
      if (id !== undefined) {
        const delivery = await api.request<WireDelivery>('POST', `/v1/webhooks/deliveries/${encodeURIComponent(id)}/redeliver`);
        ctx.io.out(asJson ? json(delivery) : `queued ${delivery.delivery_id} again (status ${delivery.status})\n`);
        return;
      }
      const body = { status: flags.delivered ? ['failed', 'delivered'] : ['failed'], since: flags.since, until: flags.until };
      const result = await api.request<{ redelivered: number }>('POST', '/v1/webhooks/deliveries/redeliver', { body });
      ctx.io.out(asJson ? json(result) : `queued ${result.redelivered} deliveries again\n`);
    });
}
