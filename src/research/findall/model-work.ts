import type { ModelClient, ModelWork } from '../model.js';
import type { ResearchContext } from './seam.js';

/** How long a model call may wait when the context sets no deadline (an API request's entity search, a test). */
const DEFAULT_WINDOW_MS = 30_000;

/** The model work of a research context: its deadline and signal, its tokens counted on the run's meter. */
export function modelWork(model: ModelClient, ctx: ResearchContext): ModelWork {
  return { deadline: ctx.deadline ?? ctx.clock() + DEFAULT_WINDOW_MS, signal: ctx.signal, usage: ctx.usage ?? model.meter() };
}
