import type { Migration, MigrationProvider } from 'kysely';
import type { DialectInfo } from '../dialect.js';
import * as init from './0001_init.js';
import * as webhooks from './0002_webhooks.js';
import * as legacy from './0003_legacy.js';
import * as taskRuns from './0004_task_runs.js';
import * as fingerprints from './0005_item_fingerprints.js';
import * as sourceHealth from './0006_source_health.js';
import * as claimQueues from './0007_claim_queues.js';
import * as listIndexes from './0008_list_indexes.js';
import * as evaluations from './0013_evaluations.js';
import * as findAll from './0014_findall.js';
import * as keyRevocation from './0015_key_revocation.js';
import * as modelUsage from './0016_model_usage.js';
import * as findAllWarnings from './0018_findall_warnings.js';

/** Migrations in order; append only, never edit a released one. */
export function migrationProvider(dialect: DialectInfo): MigrationProvider {
  const all: Record<string, Migration> = {
    '0001_init': { up: (db) => init.up(db, dialect) },
    '0002_webhooks': { up: (db) => webhooks.up(db) },
    '0003_legacy': { up: (db) => legacy.up(db) },
    '0004_task_runs': { up: (db) => taskRuns.up(db) },
    '0005_item_fingerprints': { up: (db) => fingerprints.up(db) },
    '0006_source_health': { up: (db) => sourceHealth.up(db) },
    '0007_claim_queues': { up: (db) => claimQueues.up(db) },
    '0008_list_indexes': { up: (db) => listIndexes.up(db) },
    '0013_evaluations': { up: (db) => evaluations.up(db, dialect) },
    '0014_findall': { up: (db) => findAll.up(db, dialect) },
    '0015_key_revocation': { up: (db) => keyRevocation.up(db) },
    '0016_model_usage': { up: (db) => modelUsage.up(db) },
    '0018_findall_warnings': { up: (db) => findAllWarnings.up(db) },
  };
  return { getMigrations: async () => all };
}
