import type { Monitor } from '../../domain/monitor.js';
import { feedWatch } from './feed-watch.js';
import type { Processor } from './processor.js';
import { snapshotWatch } from './snapshot-watch.js';

/** The processor that runs a monitor's executions, by its type and processor setting. */
export function processorFor(monitor: Monitor): Processor {
  if (monitor.type === 'event_stream' && monitor.processor === 'lite') return feedWatch;
  if (monitor.type === 'snapshot' && monitor.processor === 'lite') return snapshotWatch;
  return {
    run: async () => ({
      outcome: { kind: 'error', message: `monitors of type ${monitor.type} with processor ${monitor.processor} are not supported by this server yet` },
      seenKeys: [],
    }),
  };
}
