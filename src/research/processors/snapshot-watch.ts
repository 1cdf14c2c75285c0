import type { TaskOutput } from '../../domain/event.js';
import type { SnapshotSettings } from '../../domain/monitor.js';
import { diffSnapshots } from '../detect/snapshot-diff.js';
import { runLiteTask } from './lite-task.js';
import type { Processor, ProcessorContext, ProcessorResult } from './processor.js';

/**
 * The `lite` processor for `snapshot` monitors: re-run the baseline task (fetch and extract), compare
 * the output with the latest snapshot field by field, and report the changed fields as one
 * `snapshot` event, whose output becomes the latest snapshot in the outcome's transaction.
 */
export const snapshotWatch: Processor = {
  async run(ctx: ProcessorContext): Promise<ProcessorResult> {
    const { task } = ctx.monitor.settings as SnapshotSettings;
    const extraction = await runLiteTask(ctx.http, ctx.parser, {
      input: task.input, spec: task.output_spec, sourcePolicy: task.source_policy,
    }, ctx.signal, () => {});
    const next = extraction.output;
    const previous = ctx.monitor.output?.latest_snapshot ?? null;
    const schema = task.output_spec.type === 'json' ? task.output_spec.json_schema : null;
    const changed = diffSnapshots(previous, next, schema);
    if (!changed) return { outcome: { kind: 'completion' }, seenKeys: [] };
    return {
      outcome: {
        kind: 'events',
        events: [{
          kind: 'snapshot',
          eventDate: new Date(ctx.clock()).toISOString().slice(0, 10),
          changedOutput: changed,
          previousOutput: previous ?? emptyLike(next),
        }],
      },
      seenKeys: [],
      latestSnapshot: next,
    };
  },
};

function emptyLike(output: TaskOutput): TaskOutput {
  return output.type === 'json' ? { type: 'json', content: {}, basis: [] } : { type: 'text', content: '', basis: [] };
}
