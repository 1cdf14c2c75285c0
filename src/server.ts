import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { bootstrapKeys } from './accounts.js';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createDispatcher } from './engine/webhook-dispatcher.js';
import { leaseSettings } from './engine/lease-keeper.js';
import { createScheduler } from './engine/scheduler.js';
import { EVALUATION_HINT } from './domain/evaluation.js';
import { createEvaluationWorker } from './engine/evaluation-runner.js';
import { createTaskWorker } from './engine/task-runner.js';
import { createFindAllWorker } from './engine/findall-runner.js';
import { createWorker, newWorkerId } from './engine/worker.js';
import { createOutboundClient, type OutboundClient } from './outbound/http.js';
import { createPoliteFetcher } from './outbound/polite.js';
import { createParsePool } from './research/isolate/parse-pool.js';
import { createModelClient, type ModelClient } from './research/model.js';
import { createSearchClient, type SearchClient } from './research/search.js';
import { findAllResearchFor, type ChosenResearch } from './research/findall/index.js';
import type { FindAllResearch, ResearchContext } from './research/findall/seam.js';
import { openStore, type Store } from './store/db.js';

/** A running Vigil: its HTTP app (when the api role is on), store and background loops. */
export interface Vigil {
  readonly app: FastifyInstance | undefined;
  readonly store: Store;
  /** The URL the API listens on, when it listens. */
  readonly url: string | undefined;
  /** A key printed once because the store had none (first start without VIGIL_API_KEY). */
  readonly firstKey: string | undefined;
  stop(): Promise<void>;
}

/** The User-Agent of every outbound request: honest about who is asking, with the version (package.json). */
export const USER_AGENT = 'Vigil/0.1.0 (+https://github.com/vigil; self-hosted web monitor)';

/** What a caller may inject into a Vigil: its clock, and the FindAll research (default: chosen per run from the configuration). */
export interface VigilOptions {
  clock?: () => number;
  /** The generator, judge, enricher and ingestor of every FindAll run; when none is given, each run's generator chooses (findAllResearchFor). */
  findAllResearch?: FindAllResearch;
}

/** Opens the store, creates keys, starts the loops and listens, as the config's roles say. */
export async function startVigil(config: Config, options: VigilOptions = {}): Promise<Vigil> {
  const clock = options.clock ?? Date.now;
  const log = pino({ level: config.logLevel });
  const store = await openStore(config.databaseUrl, (err) => log.warn({ err }, 'wake-up hint channel failed; polling continues'));
  const firstKey = await bootstrapKeys(store, config);
  const http: OutboundClient = createOutboundClient({
    allowNetworks: config.allowNetworks,
    userAgent: USER_AGENT,
    timeoutMs: 15_000,
  });
  // Model and search traffic leaves through the same guarded client (VIGIL_ALLOW_NETWORKS admits a private model server).
  const model = createModelClient(config.llm, http);
  const search = createSearchClient(config.search);
  const injected = options.findAllResearch;
  const researchFor = (generator: string): ChosenResearch =>
    injected ? { research: injected, warning: null } : findAllResearchFor(generator, { model, search });
  const workers = config.roles.worker ? await startWorkers(config, { store, http, clock, log, model, search, researchFor }) : undefined;
  const loops = workers?.loops ?? [];
  const parser = workers?.parser;
  let app: FastifyInstance | undefined;
  let url: string | undefined;
  if (config.roles.api) {
    app = await buildApp({
      store,
      clock,
      config,
      wake: (topic) => store.workHints.notify(topic),
      monitorCreatesPerMinute: config.monitorCreatesPerMinute,
      taskCreatesPerMinute: config.taskCreatesPerMinute,
      findAllCreatesPerHour: config.findAllCreatesPerHour,
      // Ingest is the same for every generator: the model's reading when one is configured.
      findAll: { research: researchFor('base').research, searchContext: workers?.searchContext },
      logger: log,
    });
    url = await app.listen({ port: config.port, host: config.host });
  }
  for (const loop of loops) loop.start();

  let stopping: Promise<void> | undefined;
  return {
    app,
    store,
    url,
    firstKey,
    stop: () =>
      (stopping ??= (async () => {
        // Stop taking requests first (closing every live stream: the log fan-out's preClose hook in
        // app.ts), then let loops finish or release their work, then close the store.
        await app?.close();
        await Promise.all(loops.map((loop) => loop.stop()));
        await parser?.close();
        await http.close();
        await store.close();
      })()),
  };
}

/** The parts every background loop shares. */
interface WorkerParts {
  store: Store;
  http: OutboundClient;
  clock: () => number;
  log: pino.Logger;
  model?: ModelClient;
  search?: SearchClient;
  /** The research of a FindAll run's generator, with the warning the run carries. */
  researchFor: (generator: string) => ChosenResearch;
}

/**
 * Starts the parse pool and builds the worker role's loops (scheduler, the leased runners, the
 * webhook dispatcher), woken by the store's work hints; the caller starts and stops them.
 */
async function startWorkers(config: Config, parts: WorkerParts) {
  const { store, http, clock, log, model, search, researchFor } = parts;
  const timeoutMs = config.executionTimeoutSeconds * 1000;
  // Research fetching (monitors and task runs) is made polite; webhooks have their own retry and per-endpoint limits.
  const fetcher = createPoliteFetcher(http, config.fetch);
  // Fetched bodies are parsed in worker threads, so a hostile or huge one cannot stall the API.
  const parser = createParsePool(config.parse);
  // Loading the parsing code in a worker takes a moment: done before any work is claimed, not on its time.
  await parser.ready();
  // Every kind of leased work goes through the one leased runner (src/engine/leased-runner.ts).
  const leased = {
    store,
    fetcher,
    parser,
    model,
    search,
    clock,
    log,
    timeoutMs,
    lease: leaseSettings(config.leaseMs),
    concurrency: config.workerConcurrency,
    intervalMs: config.pollIntervalMs,
  };
  const worker = createWorker({
    ...leased,
    workerId: newWorkerId(),
    retainExecutions: config.retainExecutions,
    perAccountInFlight: config.accountLimits.executionsInFlight,
  });
  const taskWorker = createTaskWorker({ ...leased, workerId: newWorkerId(), perAccountInFlight: config.accountLimits.taskRunsInFlight });
  const evaluationWorker = createEvaluationWorker({ ...leased, workerId: newWorkerId() });
  const findAllWorker = createFindAllWorker({
    ...leased,
    researchFor,
    workerId: newWorkerId(),
    timeoutMs: config.findAllTimeoutSeconds * 1000,
  });
  // Entity search reads the web from the API request, with the same polite fetching as runs.
  const searchContext = (signal: AbortSignal): ResearchContext => ({
    http: fetcher.forExecution({ monitorId: 'entity-search', executionId: `entity-search#${Date.now()}`, deadline: Date.now() + 30_000 }),
    parser,
    signal,
    clock,
  });
  const scheduler = createScheduler({ store, clock, intervalMs: config.pollIntervalMs, log, onQueued: () => store.workHints.notify() });
  const dispatcher = createDispatcher({
    store,
    http,
    clock,
    log,
    workerId: newWorkerId(),
    intervalMs: config.pollIntervalMs,
    webhooks: config.webhooks,
  });
  store.workHints.subscribe((topic) => {
    // A submitted evaluation concerns its worker alone: waking every claim loop per submit cost more than the evaluation.
    evaluationWorker.wake();
    if (topic === EVALUATION_HINT) return;
    worker.wake();
    taskWorker.wake();
    findAllWorker.wake();
    dispatcher.wake();
  });
  return { loops: [scheduler, worker, taskWorker, evaluationWorker, findAllWorker, dispatcher], parser, searchContext };
}
