import type { Kysely } from 'kysely';

/**
 * The warnings of a FindAll run (JSON array of messages), set when its worker starts it: e.g. that
 * no model is configured and the run ran as lite. Null on runs from before, read as none.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('findall_runs').addColumn('warnings', 'text').execute();
}
