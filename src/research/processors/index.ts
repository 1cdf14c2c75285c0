import type { Monitor } from '../../domain/monitor.js';
import { isLite } from '../../domain/research-tiers.js';
import { baseWatch } from './base-watch.js';
import { feedWatch } from './lite-watch.js';
import type { Processor } from './processor.js';
import { snapshotWatch } from './snapshot-watch.js';
import { sourcesOf } from '../sources.js';

/** The processor that runs a monitor's executions, by its type and processor setting. */
export function processorFor(monitor: Monitor): Processor {
  if (monitor.type === 'event_stream') {
    const sources = sourcesOf(monitor.settings);
    // A lite monitor whose query names no source reads what web search finds, as base does, without a model.
    const named = sources.urls.length + sources.domains.length > 0;
    return isLite(monitor.processor) && named ? feedWatch : baseWatch;
  }
  // A snapshot monitor re-runs its baseline task, which ran with the processor the run named.
  return snapshotWatch;
}
