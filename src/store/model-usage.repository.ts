import type { ModelUsage } from '../domain/model-usage.js';
import type { Queryable } from './db.js';

/** Which piece of work spent the tokens. */
export interface UsageOwner { kind: 'execution' | 'task_run' | 'evaluation'; id: string; accountId: string }

/** Records what one piece of work spent, in the transaction that commits its outcome (once: the key is the work). */
export async function insertModelUsage(db: Queryable, owner: UsageOwner, usage: ModelUsage, now: number): Promise<void> {
  await db.insertInto('model_usage').values({
    work_kind: owner.kind, work_id: owner.id, account_id: owner.accountId, model: usage.model, requests: usage.requests,
    prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens,
    cost_micro_usd: usage.costUsd === null ? null : Math.round(usage.costUsd * 1_000_000), created_at: now,
  }).onConflict((oc) => oc.columns(['work_kind', 'work_id']).doNothing()).execute();
}

/** What one piece of work spent, or undefined when it asked no model. */
export async function findModelUsage(db: Queryable, kind: UsageOwner['kind'], id: string): Promise<ModelUsage | undefined> {
  const row = await db.selectFrom('model_usage').selectAll().where('work_kind', '=', kind).where('work_id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  return {
    model: row.model, requests: Number(row.requests), promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens), costUsd: row.cost_micro_usd === null ? null : Number(row.cost_micro_usd) / 1_000_000,
  };
}
