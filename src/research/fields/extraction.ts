import type { TaskOutput } from '../../domain/event.js';

// Its own file so that auto-schema.ts (which builds one) need not import extract-output.ts, which calls auto-schema.ts.
/** The task output filled from the pages. */
export interface Extraction {
  output: TaskOutput;
  /** Only for an auto spec answered with JSON: the schema that was derived. */
  outputSchema?: Record<string, unknown>;
}
