import type { TaskOutput } from '../../domain/event.js';
import type { ModelUsage } from '../../domain/model-usage.js';
import type { SnapshotSettings } from '../../domain/monitor.js';
import { isLite, tierOf } from '../../domain/research-tiers.js';
import { diffSnapshots } from '../detect/snapshot-diff.js';
import type { Extraction } from '../fields/extract-output.js';
import { NO_MODEL_WARNING } from './base-watch.js';
import { runLiteTask, targetUrls } from './lite-task.js';
import { runModelTask } from './model-task.js';
import type { Processor, ProcessorContext, ProcessorResult } from './processor.js';

/**
 * The processor of `snapshot` monitors: re-run the baseline task (fetch and extract; with the model
 * for `base` and up, as a task run does), compare the output with the latest snapshot field by field,
 * and report the changed fields as one `snapshot` event, whose output becomes the latest snapshot in
 * the outcome's transaction.
 */
export const snapshotWatch: Processor = {
  async run(ctx: ProcessorContext): Promise<ProcessorResult> {
    const { task } = ctx.monitor.settings as SnapshotSettings;
    const { extraction, warnings, modelUsage } = await rerunTask(ctx, task);
    const usage = modelUsage ? { modelUsage } : {};
    const next = extraction.output;
    const previous = ctx.monitor.output?.latest_snapshot ?? null;
    const schema = task.output_spec.type === 'json' ? task.output_spec.json_schema : null;
    const changed = diffSnapshots(previous, next, schema);
    if (!changed) return { outcome: { kind: 'completion', warnings }, seenKeys: [], ...usage };
    return {
      ...usage,
      outcome: {
        kind: 'events',
        warnings,
        events: [
          {
            kind: 'snapshot',
            eventDate: new Date(ctx.clock()).toISOString().slice(0, 10),
            changedOutput: changed,
            previousOutput: previous ?? emptyLike(next),
          },
        ],
      },
      seenKeys: [],
      latestSnapshot: next,
    };
  },
};

/**
 * The task re-run with the monitor's processor: `lite` extracts by rules; `base` and up have the
 * model fill the output from the pages' text (excerpts checked), and without a configured model run
 * as `lite` with a warning that says so.
 */
async function rerunTask(
  ctx: ProcessorContext,
  task: SnapshotSettings['task'],
): Promise<{ extraction: Extraction; warnings?: string[]; modelUsage?: ModelUsage }> {
  const liteTask = { input: task.input, spec: task.output_spec, sourcePolicy: task.source_policy };
  const urls = targetUrls(liteTask);
  if (isLite(ctx.monitor.processor) || !ctx.model || urls.length === 0) {
    const extraction = await runLiteTask(ctx.http, ctx.parser, liteTask, ctx.signal, () => {});
    return { extraction, ...(!isLite(ctx.monitor.processor) && !ctx.model ? { warnings: [NO_MODEL_WARNING] } : {}) };
  }
  const usage = ctx.model.meter();
  const extraction = await runModelTask(
    { http: ctx.http, parser: ctx.parser, model: ctx.model, tier: tierOf(ctx.monitor.processor) },
    { ...liteTask, urls },
    { deadline: ctx.deadline, signal: ctx.signal, usage },
    () => {},
  );
  return { extraction, modelUsage: usage.snapshot() };
}

function emptyLike(output: TaskOutput): TaskOutput {
  return output.type === 'json' ? { type: 'json', content: {}, basis: [] } : { type: 'text', content: '', basis: [] };
}
