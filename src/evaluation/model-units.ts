import type { EvaluationInput } from './input.js';
import { contentStems, sentences } from './text.js';

/**
 * Unit extraction for the model judge (api.md §7.4): the claims of an output, the instructions of
 * the prompts and the demands of the user's prompt are extracted by the model; safety segments
 * are cut deterministically; evidence passages are picked per unit.
 */

/** One JSON question to the model (the engine sends it through the model client). */
export interface ExtractRequest {
  name: string;
  schema: Record<string, unknown>;
  system: string;
  user: string;
}

/** The most units one metric judges: the rest of a very long output is named, not judged. */
export const MAX_UNITS = 25;

const LIST_SCHEMA = {
  type: 'object',
  properties: { units: { type: 'array', items: { type: 'string' } } },
  required: ['units'],
};

const prompts = (input: EvaluationInput) =>
  [input.systemPrompt ? `System prompt:\n${input.systemPrompt}` : '', `User prompt:\n${input.userPrompt}`].filter(Boolean).join('\n\n');

/** What each kind of unit is, and the question that extracts it. */
export const EXTRACTIONS = {
  claims: (input: EvaluationInput): ExtractRequest => ({
    name: 'claims',
    schema: LIST_SCHEMA,
    system:
      'List the atomic factual claims the response makes: each one short, self-contained (names instead of pronouns) ' +
      'and checkable. Leave out greetings, offers, opinions, questions and instructions. ' +
      `Answer {"units": [...]}, most important first, at most ${MAX_UNITS}; an empty list when it makes none.`,
    user: `${prompts(input)}\n\nResponse:\n${input.modelOutput}`,
  }),
  instructions: (input: EvaluationInput): ExtractRequest => ({
    name: 'instructions',
    schema: LIST_SCHEMA,
    system:
      'List the explicit instructions the system and user prompts give the response: format, length, tone, ' +
      'structure, language, constraints, required or forbidden content. Each one atomic and self-contained. ' +
      `Answer {"units": [...]}, most important first, at most ${MAX_UNITS}; an empty list when there are none.`,
    user: prompts(input),
  }),
  demands: (input: EvaluationInput): ExtractRequest => ({
    name: 'demands',
    schema: LIST_SCHEMA,
    system:
      'List the informational demands of the prompt: each question, request and enumerated ask the response must ' +
      `address, one per entry. Answer {"units": [...]}, at most ${MAX_UNITS}; an empty list when there are none.`,
    user: prompts(input),
  }),
} as const;

/** The units in an extraction answer: trimmed, non-empty, distinct, at most MAX_UNITS. */
export function unitsOf(answer: unknown): string[] {
  const list = (answer as { units?: unknown }).units;
  const texts = Array.isArray(list) ? list.filter((u): u is string => typeof u === 'string') : [];
  return [...new Set(texts.map((t) => t.trim()).filter(Boolean))].slice(0, MAX_UNITS);
}

/**
 * Segments of an output for the safety judge: its sentences, joined up to a length that keeps a
 * long output to about MAX_UNITS segments.
 */
export function segmentsOf(output: string): string[] {
  const all = sentences(output);
  const size = Math.max(400, Math.ceil(output.length / MAX_UNITS));
  const out: string[] = [];
  for (const s of all) {
    const last = out.at(-1);
    if (last !== undefined && last.length + s.length + 1 <= size) out[out.length - 1] = `${last} ${s}`;
    else out.push(s);
  }
  return out;
}

/** Characters of evidence the model reads per unit (judge prompts repeat the passages per unit). */
export const PASSAGE_CHARS = 4000;

/**
 * The evidence one unit is judged against: all of it when short, else its sentences that share the
 * most content words with the unit, up to PASSAGE_CHARS.
 */
export function passagesFor(unit: string, texts: readonly string[], maxChars = PASSAGE_CHARS): string[] {
  const whole = texts.filter((t) => t.trim());
  if (whole.reduce((n, t) => n + t.length, 0) <= maxChars) return whole;
  const wanted = new Set(contentStems(unit));
  const ranked = whole
    .flatMap((t) => sentences(t))
    .map((sentence, order) => ({
      sentence,
      order,
      shared: new Set(contentStems(sentence).filter((s) => wanted.has(s))).size,
    }))
    .sort((a, b) => b.shared - a.shared || a.order - b.order);
  const picked: typeof ranked = [];
  let used = 0;
  for (const r of ranked) {
    if (used + r.sentence.length > maxChars) continue;
    picked.push(r);
    used += r.sentence.length + 1;
  }
  // In the evidence's own order, so neighbouring sentences still read as they were written.
  return picked.sort((a, b) => a.order - b.order).map((r) => r.sentence);
}
