import type { Problem } from '../errors.js';
import type { CreateFindAllBody, EnrichBody } from './findall-schemas.js';
import type { EnrichInput, FindAllGenerator, FindAllRun } from './findall.js';
import { checkMetadata, checkWebhookUrl } from './monitor-rules.js';
import { checkJsonSchema, outputSpecOf } from './task-rules.js';

/** The documented limits of a FindAll run (api.md §6.2). */
export const FINDALL_LIMITS = {
  minMatchLimit: 5,
  maxMatchLimit: 1000,
  maxPreviewMatchLimit: 10,
  maxExcludeList: 10_000,
  maxConditions: 20,
  maxSources: 20,
  maxObjectiveChars: 10_000,
} as const;

export const GENERATORS: readonly FindAllGenerator[] = ['base', 'core', 'pro', 'preview'];

/** Every webhook event type of FindAll runs (api.md §6.7). */
export const FINDALL_WEBHOOK_TYPES = [
  'findall.candidate.generated',
  'findall.candidate.matched',
  'findall.candidate.unmatched',
  'findall.candidate.enriched',
  'findall.run.completed',
  'findall.run.cancelled',
  'findall.run.failed',
] as const;

/**
 * `task_run.status` is the only value the SDK's type allows (api.md §6.7): it is accepted and means
 * the run's status messages.
 */
export const RUN_STATUS_ALIAS = 'task_run.status';

type Loc = (string | number)[];

/** Every problem of a create request, each naming its field and rule. */
export function checkCreateFindAll(body: CreateFindAllBody): Problem[] {
  const problems: Problem[] = [];
  const at = (field: string, ...rest: (string | number)[]): Loc => ['body', field, ...rest];
  if (body.objective.trim() === '') problems.push({ loc: at('objective'), msg: 'must not be empty', type: 'missing' });
  if (body.objective.length > FINDALL_LIMITS.maxObjectiveChars) {
    problems.push({ loc: at('objective'), msg: `must be at most ${FINDALL_LIMITS.maxObjectiveChars} characters`, type: 'size' });
  }
  if (body.entity_type.trim() === '') problems.push({ loc: at('entity_type'), msg: 'must not be empty', type: 'missing' });
  problems.push(...checkConditions(body.match_conditions));
  const generator = body.generator as FindAllGenerator;
  if (!GENERATORS.includes(generator)) {
    problems.push({ loc: at('generator'), msg: `must be one of: ${GENERATORS.join(', ')}; got ${JSON.stringify(body.generator)}`, type: 'enum' });
  }
  const max = generator === 'preview' ? FINDALL_LIMITS.maxPreviewMatchLimit : FINDALL_LIMITS.maxMatchLimit;
  if (body.match_limit < FINDALL_LIMITS.minMatchLimit || body.match_limit > max) {
    problems.push({
      loc: at('match_limit'),
      type: 'range',
      msg: `must be from ${FINDALL_LIMITS.minMatchLimit} to ${max}${generator === 'preview' ? ' with the preview generator' : ''}; got ${body.match_limit}`,
    });
  }
  if ((body.exclude_list?.length ?? 0) > FINDALL_LIMITS.maxExcludeList) {
    problems.push({
      loc: at('exclude_list'),
      msg: `may have at most ${FINDALL_LIMITS.maxExcludeList} entries; got ${body.exclude_list?.length}`,
      type: 'size',
    });
  }
  problems.push(...checkRunMetadata(body.metadata), ...checkSources(body.sources));
  if (body.webhook) {
    problems.push(...checkWebhookUrl(body.webhook.url, at('webhook', 'url')));
    for (const [i, type] of (body.webhook.event_types ?? []).entries()) {
      if (type !== RUN_STATUS_ALIAS && !(FINDALL_WEBHOOK_TYPES as readonly string[]).includes(type)) {
        problems.push({
          loc: at('webhook', 'event_types', i),
          msg: `must be one of: ${FINDALL_WEBHOOK_TYPES.join(', ')}; got ${JSON.stringify(type)}`,
          type: 'enum',
        });
      }
    }
  }
  return problems;
}

function checkConditions(conditions: { name: string; description: string }[]): Problem[] {
  const problems: Problem[] = [];
  if (conditions.length === 0) problems.push({ loc: ['body', 'match_conditions'], msg: 'must have at least one condition', type: 'missing' });
  if (conditions.length > FINDALL_LIMITS.maxConditions) {
    problems.push({ loc: ['body', 'match_conditions'], msg: `may have at most ${FINDALL_LIMITS.maxConditions} conditions`, type: 'size' });
  }
  const seen = new Set<string>();
  for (const [i, condition] of conditions.entries()) {
    if (condition.name.trim() === '') problems.push({ loc: ['body', 'match_conditions', i, 'name'], msg: 'must not be empty', type: 'missing' });
    else if (seen.has(condition.name))
      problems.push({ loc: ['body', 'match_conditions', i, 'name'], msg: `repeats the name "${condition.name}"`, type: 'duplicate' });
    seen.add(condition.name);
  }
  return problems;
}

function checkSources(sources: string[] | null | undefined): Problem[] {
  if (!sources) return [];
  if (sources.length > FINDALL_LIMITS.maxSources) {
    return [{ loc: ['body', 'sources'], msg: `may have at most ${FINDALL_LIMITS.maxSources} URLs`, type: 'size' }];
  }
  return sources.flatMap((url, i) => checkWebhookUrl(url, ['body', 'sources', i]));
}

/** Metadata: string, number or boolean values, under the monitor rules. */
function checkRunMetadata(metadata: Record<string, unknown> | null | undefined): Problem[] {
  if (!metadata) return [];
  const problems: Problem[] = Object.entries(metadata)
    .filter(([, v]) => !['string', 'number', 'boolean'].includes(typeof v))
    .map(([key]) => ({ loc: ['body', 'metadata', key], msg: 'values must be strings, numbers or booleans', type: 'metadata_value' }));
  return [...problems, ...checkMetadata(Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)])), ['body', 'metadata'])];
}

/** Why a run cannot be extended now (422), or undefined when it can (api.md §6.4). */
export function extendRefusal(run: FindAllRun, additional: number): Problem | undefined {
  const loc = ['path', 'findall_id'];
  if (additional <= 0) return { loc: ['body', 'additional_match_limit'], msg: 'Additional match limit must be greater than 0', type: 'range' };
  if (run.generator === 'preview') return { loc, msg: 'a preview run cannot be extended; create a run with the base, core or pro generator', type: 'preview' };
  if (run.status !== 'completed' || run.terminationReason !== 'match_limit_met' || run.work !== null) {
    return { loc, msg: `only a run that completed with termination_reason match_limit_met can be extended; this one is ${describe(run)}`, type: 'state' };
  }
  if (run.matchLimit + additional > FINDALL_LIMITS.maxMatchLimit) {
    return {
      loc: ['body', 'additional_match_limit'],
      msg: `would raise match_limit to ${run.matchLimit + additional}; at most ${FINDALL_LIMITS.maxMatchLimit} is allowed`,
      type: 'range',
    };
  }
  return undefined;
}

/** Why a run cannot be enriched now (422), or undefined when it can. */
export function enrichRefusal(run: FindAllRun): Problem | undefined {
  const loc = ['path', 'findall_id'];
  if (run.generator === 'preview') return { loc, msg: 'a preview run cannot be enriched; create a run with the base, core or pro generator', type: 'preview' };
  if (run.status === 'failed' || run.status === 'cancelled' || run.status === 'cancelling') {
    return { loc, msg: `a ${run.status} run cannot be enriched`, type: 'state' };
  }
  return undefined;
}

/** The enrichment asked for, or its problems: its output schema must be a JSON schema within the task limits. */
export function checkEnrich(body: EnrichBody): { enrichment: EnrichInput } | { problems: Problem[] } {
  const loc = ['body', 'output_schema'];
  const parsed = outputSpecOf(body.output_schema, loc);
  if ('problem' in parsed) return { problems: [parsed.problem] };
  if (parsed.spec.type !== 'json') {
    return { problems: [{ loc, msg: 'must be a JSON schema ({type:"json", json_schema:{type:"object", properties:{…}}})', type: 'output_schema' }] };
  }
  const { problems } = checkJsonSchema(parsed.spec.json_schema, [...loc, 'json_schema']);
  if (problems.length > 0) return { problems };
  return {
    enrichment: {
      output_schema: { type: 'json', json_schema: parsed.spec.json_schema },
      processor: body.processor ?? 'core',
      ...(body.mcp_servers ? { mcp_servers: body.mcp_servers } : {}),
    },
  };
}

function describe(run: FindAllRun): string {
  if (run.work !== null && run.status === 'completed') return 'still enriching';
  return run.terminationReason ? `${run.status} (${run.terminationReason})` : run.status;
}
