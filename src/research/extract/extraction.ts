import type { TaskOutput } from '../../domain/event.js';

// Its own file so that auto.ts (which builds one) need not import fields.ts, which calls auto.ts.
/** The task output filled from the pages. */
export interface Extraction {
  output: TaskOutput;
  /** Only for an auto spec answered with JSON: the schema that was derived. */
  outputSchema?: Record<string, unknown>;
}
