import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** How often the connection's writes are looked for, and at most how often a checkpoint runs. */
const INTERVAL_MS = 100;

/**
 * WAL frames (4 KiB pages) beyond which a checkpoint also restarts the WAL: 64 MiB, a second or two
 * of writes at full load. The restart waits for the connection's transaction to end and holds its
 * next one back while it copies what the passive pass missed (measured at 20-30 ms).
 */
export const RESTART_FRAMES = 16_384;

// Plain CommonJS, so the thread starts without the TypeScript loader (a few MB, not tens).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
db.pragma('cache_size = -256');
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
  if (log > workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)');
  parentPort.postMessage('done');
});
`;

/**
 * Moves a SQLite database's checkpoints off the event loop. SQLite checkpoints inside whichever
 * commit takes the WAL past 1,000 pages: that commit copies the pages into the database file and
 * waits on two fsyncs, 5–10 ms during which no request, claim or commit of this process runs (at
 * 800 executions a second, a ninth of the main thread's time). Here the main connection never
 * checkpoints. Every 100 ms, if it wrote anything since the last look (`written`, its change count),
 * a worker thread with its own connection runs a PASSIVE checkpoint, which waits for no reader or
 * writer; the next commit after a complete one starts the WAL afresh. Under steady writes no pass
 * is ever complete (commits land while it copies), and the WAL would grow without end (800 MB in
 * 20 s of the scheduler bench): past `restartFrames` the thread restarts it, so it stays near
 * 64 MiB (74 MB at most in the scheduler bench) and its file is written over in place rather than extended. The thread starts with the
 * first write, so a store that only reads holds none. Durability is unchanged: a commit is in the
 * WAL before it returns, whoever copies it on. Should the thread fail, the connection checkpoints
 * for itself again.
 */
export function checkpointOffThread(
  database: SQLite.Database,
  path: string,
  written: () => number,
  restartFrames = RESTART_FRAMES,
): { close(): Promise<void> } {
  database.pragma('wal_autocheckpoint = 0');
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  let running = false;
  let stopped = false;
  let seen = written();
  const start = () => {
    const thread = new Worker(WORKER, {
      eval: true,
      execArgv: [],
      workerData: { restartFrames, driver: createRequire(import.meta.url).resolve('better-sqlite3'), path },
      // A checkpoint copies pages through small buffers: the thread needs little heap.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    thread.unref();
    thread.on('message', () => (running = false));
    // An error ends the thread ('exit' follows); without a listener it would end the process.
    thread.on('error', () => {});
    exited = new Promise((resolve) =>
      thread.once('exit', () => {
        clearInterval(timer);
        if (!stopped && database.open) database.pragma('wal_autocheckpoint = 1000');
        resolve();
      }),
    );
    return thread;
  };
  const timer = setInterval(() => {
    if (running || !database.open) return;
    const changes = written();
    if (changes === seen) return;
    seen = changes;
    running = true;
    (worker ??= start()).postMessage('checkpoint');
  }, INTERVAL_MS).unref();
  return {
    close: async () => {
      stopped = true;
      clearInterval(timer);
      if (!worker) return;
      worker.ref(); // the process waits for the thread to close its connection
      worker.postMessage('stop');
      await exited;
    },
  };
}
