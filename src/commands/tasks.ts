import { AppError, validationError, type Problem } from '../errors.js';
import { newId } from '../domain/ids.js';
import { checkMetadata, checkWebhookUrl } from '../domain/monitor-rules.js';
import { isLite } from '../domain/research-tiers.js';
import { TASK_PROCESSORS, type OutputSpec, type RunInput, type TaskRun, type TaskWarning } from '../domain/task.js';
import { checkJsonSchema, outputSpecOf, TASK_LIMITS } from '../domain/task-rules.js';
import { validateHints } from '../research/fields/hint-checks.js';
import { targetUrls } from '../research/processors/lite-task.js';
import type { Store } from '../store/db.js';
import { countTaskRuns, findTaskRun, insertTaskRun } from '../store/task-runs.repository.js';

/** What task commands need: the store, a clock and a wake-up for workers. */
export interface TaskCommandDeps {
  store: Store;
  clock: () => number;
  wake: () => void;
  /** The per-account cap on queued runs; none means no cap. */
  config?: { accountLimits?: { taskRunsQueued: number }; llm?: { model?: string }; search?: { url?: string } };
}

/** A create request in its wire shape (`TaskRunInput`), after schema validation; `output_schema` may sit at the top level. */
export type CreateTaskInput = RunInput & { output_schema?: unknown };

/** A new task run id (`trun_<32 hex>`, api.md §1.5). */
export const newRunId = () => newId('trun', 16);

/** Validates a create request and queues the run (202 `queued`); a rejected request writes nothing. */
export async function createTaskRun(deps: TaskCommandDeps, accountId: string, body: CreateTaskInput): Promise<TaskRun> {
  if (!TASK_PROCESSORS.has(body.processor)) {
    throw new AppError('INVALID_PROCESSOR', { explain: `unknown processor "${body.processor}"; use lite` });
  }
  const { input: stored, spec, warnings } = checkTaskInput(body, deps.config ?? {});
  const now = deps.clock();
  const run: TaskRun = {
    id: newRunId(),
    accountId,
    status: 'queued',
    processor: body.processor,
    input: stored,
    outputSpec: spec,
    output: null,
    derivedSchema: null,
    error: null,
    warnings,
    attempts: 0,
    createdAt: now,
    modifiedAt: now,
  };
  const cap = deps.config?.accountLimits?.taskRunsQueued;
  if (cap !== undefined && (await countTaskRuns(deps.store.db, accountId, 'queued', now)) >= cap) {
    throw new AppError('RATE_LIMITED', { explain: `the account already has ${cap} queued task runs (VIGIL_ACCOUNT_TASK_RUNS_QUEUED); wait for some to start` });
  }
  await insertTaskRun(deps.store.db, run);
  deps.wake();
  return run;
}

/** The stored input, output spec and warnings of a valid request; a 422 naming every problem otherwise. */
function checkTaskInput(body: CreateTaskInput, config: NonNullable<TaskCommandDeps['config']>): { input: RunInput; spec: OutputSpec; warnings: TaskWarning[] } {
  const problems: Problem[] = [];
  const warnings: TaskWarning[] = [];
  if (!isLite(body.processor) && !config.llm?.model) {
    warnings.push({
      type: 'warning',
      message: `processor "${body.processor}" needs a model and none is configured (VIGIL_LLM_BASE_URL, VIGIL_LLM_MODEL): this run runs as "lite" (deterministic extraction)`,
      detail: null,
    });
  }
  if (typeof body.input === 'string' && body.input.trim() === '') {
    problems.push({ loc: ['body', 'input'], msg: 'must be a non-empty string or an object', type: 'missing' });
  }
  const { output_schema: topLevel, ...rest } = body;
  const rawSpec = body.task_spec?.output_schema ?? topLevel;
  const specLoc = body.task_spec?.output_schema !== undefined ? ['body', 'task_spec', 'output_schema'] : ['body', 'output_schema'];
  const parsed = outputSpecOf(rawSpec, specLoc);
  let spec: OutputSpec = { type: 'auto' };
  if ('problem' in parsed) problems.push(parsed.problem);
  else {
    spec = parsed.spec;
    if (spec.type === 'json') {
      const wrapped = (rawSpec as { json_schema?: unknown }).json_schema !== undefined;
      const checked = checkJsonSchema(spec.json_schema, wrapped ? [...specLoc, 'json_schema'] : specLoc);
      problems.push(...checked.problems);
      warnings.push(...checked.warnings);
      for (const problem of validateHints(spec.json_schema)) problems.push({ loc: specLoc, msg: problem, type: 'schema_hint' });
    }
  }
  const input: RunInput = { ...rest, task_spec: rawSpec === undefined ? (body.task_spec ?? null) : { ...body.task_spec, output_schema: rawSpec } };
  problems.push(...checkSizes(input), ...checkTaskMetadata(body.metadata));
  if (body.webhook) problems.push(...checkWebhookUrl(body.webhook.url, ['body', 'webhook', 'url']));
  if (typeof body.input !== 'string' || body.input.trim() !== '') {
    if (targetUrls({ input: body.input, sourcePolicy: body.source_policy }).length === 0 && !config.search?.url) {
      problems.push({
        loc: ['body', 'input'],
        msg:
          'names no web page: the lite processor reads the http(s) URLs in the input (or the home pages of source_policy.include_domains); ' +
          'for plain-language inputs the server operator can configure web search (VIGIL_SEARCH_URL, a SearXNG JSON endpoint)',
        type: 'no_source',
      });
    }
  }
  if (body.mcp_servers?.length) {
    warnings.push({ type: 'input_validation_warning', message: 'the lite processor calls no MCP servers; mcp_servers is ignored', detail: null });
  }
  if (problems.length > 0) throw validationError(problems);
  return { input, spec, warnings };
}

function checkSizes(input: RunInput): Problem[] {
  const specChars = JSON.stringify(input.task_spec ?? null).length;
  const inputChars = typeof input.input === 'string' ? input.input.length : JSON.stringify(input.input).length;
  if (specChars > TASK_LIMITS.specChars) {
    return [{ loc: ['body', 'task_spec'], msg: `is ${specChars} characters; at most ${TASK_LIMITS.specChars} are allowed`, type: 'size' }];
  }
  if (specChars + inputChars > TASK_LIMITS.specAndInputChars) {
    return [
      {
        loc: ['body', 'input'],
        msg: `input and task_spec are ${specChars + inputChars} characters together; at most ${TASK_LIMITS.specAndInputChars} are allowed`,
        type: 'size',
      },
    ];
  }
  return [];
}

/** Task metadata: string, number or boolean values, under the monitor rules (keys ≤ 16, values ≤ 512 characters). */
function checkTaskMetadata(metadata: RunInput['metadata']): Problem[] {
  if (!metadata) return [];
  const scalar = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);
  const problems: Problem[] = Object.entries(metadata)
    .filter(([, value]) => !scalar(value))
    .map(([key]) => ({ loc: ['body', 'metadata', key], msg: 'values must be strings, numbers or booleans', type: 'metadata_value' }));
  const asText = Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, String(value)]));
  return [...problems, ...checkMetadata(asText, ['body', 'metadata'])];
}

/** The account's run, or a 404 as if it did not exist. */
export async function requireTaskRun(deps: Pick<TaskCommandDeps, 'store'>, accountId: string, id: string): Promise<TaskRun> {
  const run = await findTaskRun(deps.store.db, accountId, id);
  if (!run) throw new AppError('RUN_NOT_FOUND');
  return run;
}
