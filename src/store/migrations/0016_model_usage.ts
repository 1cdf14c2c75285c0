import type { Kysely } from 'kysely';

/**
 * Model tokens (and their cost, when prices are configured) per piece of work: an execution or a
 * task run, written in the transaction that commits its outcome, so usage is counted exactly once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('model_usage')
    .addColumn('work_kind', 'text', (c) => c.notNull())
    .addColumn('work_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addColumn('prompt_tokens', 'bigint', (c) => c.notNull())
    .addColumn('completion_tokens', 'bigint', (c) => c.notNull())
    // Micro-dollars as an integer: exact sums on both stores, no floating-point column type to differ.
    .addColumn('cost_micro_usd', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_usage_pk', ['work_kind', 'work_id'])
    .execute();
}
