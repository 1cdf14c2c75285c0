// Enrichment without a model: the task extractor (research/fields/extract-output.ts) fills the output
// schema from the matched candidate's own page, in a parse worker, as a lite task run does.
import type { FieldBasis } from '../../domain/event.js';
import type { OutputSpec } from '../../domain/task.js';
import { fetchBody, reasonOf } from './fetch-page.js';
import type { CandidateSeed, Enrichment, ResearchContext } from './seam.js';

/**
 * Fills `outputSchema` (a JSON schema; a text or auto spec gives one `output` field) from the
 * candidate's page. Every field comes back as text (`""` when the page does not give it, its basis
 * saying where it looked); a page that cannot be read gives every field `""` and says why.
 */
export async function enrichCandidate(seed: CandidateSeed, outputSchema: OutputSpec, ctx: ResearchContext): Promise<Enrichment> {
  const names = fieldNames(outputSchema);
  let page;
  try {
    page = await fetchBody(ctx, seed.url);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    const reasoning = `The candidate's page ${seed.url} could not be read (${reasonOf(err)}).`;
    return {
      output: Object.fromEntries(names.map((name) => [name, { value: '', type: 'enrichment' as const }])),
      basis: names.map((field) => ({ field, citations: [{ url: seed.url, excerpts: [] }], reasoning, confidence: 'low' as const })),
    };
  }
  const extraction = await ctx.parser.extract([{ url: page.url, body: page.body, contentType: page.contentType }], outputSchema, seed.name, ctx.signal);
  const { output } = extraction;
  if (output.type === 'text') {
    return { output: { output: { value: output.content, type: 'enrichment' } }, basis: output.basis };
  }
  const basis: FieldBasis[] = output.basis;
  return {
    output: Object.fromEntries(Object.entries(output.content).map(([name, value]) => [name, { value: asText(value), type: 'enrichment' as const }])),
    basis,
  };
}

function fieldNames(spec: OutputSpec): string[] {
  if (spec.type !== 'json') return ['output'];
  const properties = spec.json_schema.properties;
  return properties !== null && typeof properties === 'object' ? Object.keys(properties) : [];
}

/** A filled value as the wire's text: strings as they are, other values as JSON, nothing as "". */
function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
