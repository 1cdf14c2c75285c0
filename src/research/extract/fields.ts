// TEMPORARY STUB (not committed): replaced by the extract branch.
import * as cheerio from 'cheerio';
import type { TaskOutput } from '../../domain/event.js';
export interface Page { url: string; body: string; contentType?: string }
export type OutputSpec =
  | { type: 'json'; json_schema: Record<string, unknown> }
  | { type: 'text'; description?: string | null }
  | { type: 'auto' };
export interface Extraction { output: TaskOutput; outputSchema?: Record<string, unknown> }
export function extractOutput(pages: Page[], spec: OutputSpec, _context: { query: string }): Extraction {
  const $ = cheerio.load(pages[0].body);
  if (spec.type !== 'json') return { output: { type: 'text', content: $('body').text().trim(), basis: [{ field: 'output', citations: [{ url: pages[0].url }], reasoning: 'stub', confidence: 'low' }] } };
  const content: Record<string, unknown> = {};
  const basis = [];
  for (const [name, field] of Object.entries((spec.json_schema.properties ?? {}) as Record<string, any>)) {
    const sel = field['x-selector'];
    const v = sel ? $(sel).first().text().trim() || null : null;
    content[name] = v;
    basis.push({ field: name, citations: [{ url: pages[0].url }], reasoning: 'stub', confidence: 'low' as const });
  }
  return { output: { type: 'json', content, basis } };
}
