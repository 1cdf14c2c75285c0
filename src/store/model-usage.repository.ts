import type { ModelUsage, ModelWorkKind } from '../domain/model-usage.js';
import type { Queryable } from './db.js';

/** Which piece of work spent the tokens. */
export interface UsageOwner {
  kind: ModelWorkKind;
  id: string;
  accountId: string;
}

/** Records what one piece of work spent, in the transaction that commits its outcome (once: the key is the work). */
export async function insertModelUsage(db: Queryable, owner: UsageOwner, usage: ModelUsage, now: number): Promise<void> {
  await db
    .insertInto('model_usage')
    .values(usageRow(owner, usage, now))
    .onConflict((oc) => oc.columns(['work_kind', 'work_id']).doNothing())
    .execute();
}

/** The row of what one piece of work spent; cost in micro-dollars (an exact integer on both stores). */
function usageRow(owner: UsageOwner, usage: ModelUsage, now: number) {
  return {
    work_kind: owner.kind,
    work_id: owner.id,
    account_id: owner.accountId,
    model: usage.model,
    requests: usage.requests,
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    cost_micro_usd: usage.costUsd === null ? null : Math.round(usage.costUsd * 1_000_000),
    created_at: now,
  };
}

/**
 * Adds what one step of long work (a FindAll run) spent to its total, in the transaction that
 * commits the step: a step committed once is counted once, one rolled back not at all.
 */
export async function addModelUsage(db: Queryable, owner: UsageOwner, usage: ModelUsage, now: number): Promise<void> {
  const row = usageRow(owner, usage, now);
  const cost = row.cost_micro_usd;
  await db
    .insertInto('model_usage')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['work_kind', 'work_id']).doUpdateSet((eb) => ({
        requests: eb('model_usage.requests', '+', eb.ref('excluded.requests')),
        prompt_tokens: eb('model_usage.prompt_tokens', '+', eb.ref('excluded.prompt_tokens')),
        completion_tokens: eb('model_usage.completion_tokens', '+', eb.ref('excluded.completion_tokens')),
        cost_micro_usd:
          cost === null
            ? eb.ref('model_usage.cost_micro_usd')
            : eb(eb.fn.coalesce('model_usage.cost_micro_usd', eb.lit(0)), '+', eb.ref('excluded.cost_micro_usd')),
      })),
    )
    .execute();
}

/** What one piece of work spent, or undefined when it asked no model. */
export async function findModelUsage(db: Queryable, kind: UsageOwner['kind'], id: string): Promise<ModelUsage | undefined> {
  const row = await db.selectFrom('model_usage').selectAll().where('work_kind', '=', kind).where('work_id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return {
    model: row.model,
    requests: Number(row.requests),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    costUsd: row.cost_micro_usd === null ? null : Number(row.cost_micro_usd) / 1_000_000,
  };
}
