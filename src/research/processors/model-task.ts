import type { Confidence, FieldBasis, TaskOutput } from '../../domain/event.js';
import type { ResearchTier } from '../../domain/research-tiers.js';
import type { OutboundClient } from '../../outbound/http.js';
import type { Extraction } from '../fields/extract-output.js';
import type { SourceParser } from '../isolate/parse-pool.js';
import type { ModelClient, ModelWork } from '../model.js';
import { queryOf, type LiteTask, type Progress } from './lite-task.js';
import { readPageText, type PageText } from './page-text.js';
import { citedExcerptFound, deriveSchema } from '../citations.js';

/** One citation the model gives for a field: the page, the exact excerpt, why, how sure. */
interface ModelCitation {
  field: string;
  url: string;
  excerpt: string;
  reasoning?: string;
  confidence?: Confidence;
}
interface ModelAnswer {
  output: unknown;
  citations: ModelCitation[];
}

const CITATIONS = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      field: { type: 'string' },
      url: { type: 'string' },
      excerpt: { type: 'string' },
      reasoning: { type: 'string' },
      confidence: { type: 'string', enum: ['low', 'medium', 'high'] },
    },
    required: ['field', 'url', 'excerpt'],
  },
};

const SYSTEM =
  'You fill an output from the numbered web pages only. For every field you fill, give a citation: ' +
  "the page URL and an excerpt copied exactly, word for word, from that page's text. Use null for anything the pages " +
  'do not state; never guess or use outside knowledge. Citations of a text output use the field name "output".';

/**
 * Runs a task with a model (`base` and up): read the pages (named, or found by search), have the
 * model fill the spec from their text with a citation per field, and check every excerpt against
 * the page it cites: a value whose excerpt is not found there gets `low` confidence.
 */
export async function runModelTask(
  deps: { http: OutboundClient; parser: SourceParser; model: ModelClient; tier: ResearchTier },
  task: LiteTask & { urls: string[] },
  work: ModelWork,
  progress: Progress,
): Promise<Extraction> {
  const query = queryOf(task.input);
  await progress('plan', `Reading ${task.urls.length} page${task.urls.length === 1 ? '' : 's'}: ${task.urls.join(', ')}`);
  const pages: PageText[] = [];
  const failures: string[] = [];
  for (const url of task.urls) {
    try {
      const page = await readPageText(deps.http, deps.parser, url, query, work.signal);
      pages.push(page);
      await progress('exec_status', `Read ${page.url} (${page.text.length} bytes)`);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      failures.push(`${url}: ${reason}`);
      await progress('exec_status', `Could not read ${url}: ${reason}`);
    }
  }
  if (pages.length === 0) throw new Error(`no page could be read: ${failures.join('; ')}`);
  const spec = task.spec;
  const outputSchema = spec.type === 'json' ? spec.json_schema : spec.type === 'text' ? { type: 'string' } : { type: 'object' };
  const described = spec.type === 'text' && spec.description ? `\nThe text output should be: ${spec.description}` : '';
  const answer = await deps.model.json<ModelAnswer>(
    {
      name: 'task_output',
      system: SYSTEM,
      schema: { type: 'object', properties: { output: outputSchema, citations: CITATIONS }, required: ['output', 'citations'] },
      user: `Task: ${query}${described}\n\n${pages.map((p, i) => `[${i}] ${p.url}\n${p.text.slice(0, deps.tier.chars)}`).join('\n\n')}`,
    },
    work,
  );
  await progress('result', 'Filled the output from the pages; checked every cited excerpt against its page');
  if (spec.type === 'text') {
    const content = typeof answer.output === 'string' ? answer.output : JSON.stringify(answer.output);
    return { output: { type: 'text', content, basis: [fieldBasis('output', content, answer.citations, pages)] } };
  }
  const content = (answer.output && typeof answer.output === 'object' ? answer.output : {}) as Record<string, unknown>;
  const fields = spec.type === 'json' ? Object.keys(spec.json_schema.properties ?? {}) : Object.keys(content);
  const output: TaskOutput = {
    type: 'json',
    content,
    basis: (fields.length > 0 ? fields : Object.keys(content)).map((field) => fieldBasis(field, content[field], answer.citations, pages)),
  };
  return spec.type === 'auto' ? { output, outputSchema: deriveSchema(content) } : { output };
}

/** A field's basis: its verified citations; `low` confidence when it has none whose excerpt is on its page. */
function fieldBasis(field: string, value: unknown, citations: ModelCitation[], pages: PageText[]): FieldBasis {
  const own = citations.filter((c) => c.field === field || c.field.startsWith(`${field}.`) || c.field.startsWith(`${field}[`));
  const checked = own.map((c) => ({ citation: c, found: citedExcerptFound(c, pages) }));
  const verified = checked.filter((c) => c.found);
  const reasons = own.map((c) => c.reasoning).filter((r): r is string => Boolean(r?.trim()));
  const missing = value === null || value === undefined;
  if (missing) {
    return { field, citations: [], reasoning: 'The pages do not state this; it is left null rather than guessed.', confidence: 'low' };
  }
  const byUrl = new Map<string, string[]>();
  for (const { citation } of verified) byUrl.set(citation.url, [...(byUrl.get(citation.url) ?? []), citation.excerpt]);
  const unverified = checked.length - verified.length;
  const note =
    verified.length === 0
      ? own.length === 0
        ? 'The model cited no excerpt for this value: it is unverified.'
        : 'No cited excerpt was found on the page it cites: the value is unverified.'
      : unverified > 0
        ? `${unverified} cited excerpt(s) were not found on their page and are left out.`
        : 'Every cited excerpt was found on its page.';
  return {
    field,
    citations: [...byUrl].map(([url, excerpts]) => ({ url, excerpts })),
    reasoning: [...reasons, note].join(' '),
    confidence: verified.length === 0 ? 'low' : (own.find((c) => c.confidence)?.confidence ?? 'medium'),
  };
}
