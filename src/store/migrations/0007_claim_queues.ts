import { sql, type Kysely } from 'kysely';

/**
 * Claims that read only claimable work (issue 14): partial indexes holding queued and leased rows
 * alone, so a claim's cost does not grow with the history of finished executions and runs. The
 * monitor row records its pending execution, so a due slot coalesces instead of piling up, and an
 * execution records when it started.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('executions').addColumn('started_at', 'bigint').execute();
  // The execution queued by creation or by the schedule and not yet finished; while set, no slot is queued.
  await db.schema.alterTable('monitors').addColumn('pending_execution_id', 'text').execute();

  // Queued work per account in claim order: the fair claim seeks the next account, then its oldest.
  await db.schema
    .createIndex('executions_queued')
    .on('executions')
    .columns(['account_id', 'created_at', 'id'])
    .where(sql.ref('status'), '=', 'queued')
    .execute();
  // Running work by lease expiry (takeovers) and per account (in-flight caps).
  await db.schema.createIndex('executions_leased').on('executions').columns(['locked_until']).where(sql.ref('status'), '=', 'running').execute();
  await db.schema
    .createIndex('executions_running_by_account')
    .on('executions')
    .columns(['account_id', 'locked_until'])
    .where(sql.ref('status'), '=', 'running')
    .execute();
  // Replaced by the three above; keeping it would only cost every write.
  await db.schema.dropIndex('executions_open').execute();

  // Retention reads a monitor's finished executions newest first, in index order (no sort of the history).
  await db.schema
    .createIndex('executions_done_by_monitor')
    .on('executions')
    .columns(['monitor_id', 'finished_at', 'id'])
    .where(sql.ref('status'), '=', 'done')
    .execute();

  await db.schema.createIndex('task_runs_queued').on('task_runs').columns(['account_id', 'created_at', 'id']).where(sql.ref('status'), '=', 'queued').execute();
  await db.schema.createIndex('task_runs_leased').on('task_runs').columns(['locked_until']).where(sql.ref('status'), '=', 'running').execute();
  await db.schema
    .createIndex('task_runs_running_by_account')
    .on('task_runs')
    .columns(['account_id', 'locked_until'])
    .where(sql.ref('status'), '=', 'running')
    .execute();
  await db.schema.dropIndex('task_runs_open').execute();

  // Due monitors with nothing pending, by due time: the scheduler never rereads coalesced monitors.
  await db.schema
    .createIndex('monitors_due_idle')
    .on('monitors')
    .columns(['next_run_at'])
    .where(sql<boolean>`next_run_at is not null and pending_execution_id is null`)
    .execute();
  await db.schema.dropIndex('monitors_due').execute();
}
