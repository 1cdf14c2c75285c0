// The entry of a parse worker thread (research/isolate/parse-pool.ts). Vigil runs its TypeScript
// sources through tsx, and a worker thread starts without the parent's loader, so it registers
// tsx itself before importing them.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { workerEntry } = await import('./parse-jobs.ts');

export default workerEntry(workerData?.limits);
