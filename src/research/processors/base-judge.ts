import type { Confidence, DetectedEvent, FieldBasis, TaskOutput } from '../../domain/event.js';
import type { JsonSchemaSpec } from '../../domain/monitor.js';
import type { ResearchTier } from '../../domain/research-tiers.js';
import { PASS_TEMPERATURE } from '../judge.js';
import type { ModelClient, ModelWork } from '../model.js';
import { eventDate } from './item-events.js';
import type { SourcedItem } from '../items/sourced-item.js';

/** One pass's verdict on one candidate item. */
interface Verdict {
  index: number;
  relevant: boolean;
  material: boolean;
  confidence: Confidence;
  reasoning: string;
  content?: string;
}

const CONFIDENCE = ['low', 'medium', 'high'];
const VERDICTS_SCHEMA = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer', minimum: 0 },
          relevant: { type: 'boolean' },
          material: { type: 'boolean' },
          confidence: { type: 'string', enum: CONFIDENCE },
          reasoning: { type: 'string' },
          content: { type: 'string' },
        },
        required: ['index', 'relevant', 'material', 'confidence', 'reasoning'],
      },
    },
  },
  required: ['items'],
};

const SYSTEM =
  "You watch the web for a user. For each numbered item, decide whether it is relevant to the user's query " +
  'and material: a real, new development the user would want to be alerted to (not an advertisement, index page, ' +
  'opinion without news, or repetition). For each material item write "content": one or two sentences reporting the ' +
  "development, using only facts stated in the item's text; never add facts, names or numbers the text does not state. " +
  'Give a short "reasoning" and a "confidence" (low, medium, high) for every item.';

/**
 * The events among `items` as the model judges them: each item reported when a majority of
 * `tier.passes` passes find it relevant and material, its content written from its text only, its
 * basis citing the item with the reasoning and a confidence (lowered when the passes disagree).
 */
export async function judgeItems(
  model: ModelClient,
  query: string,
  items: SourcedItem[],
  tier: ResearchTier,
  work: ModelWork,
  schema?: JsonSchemaSpec | null,
): Promise<DetectedEvent[]> {
  if (items.length === 0) return [];
  const user = `Query: ${query}\n\nItems:\n${items.map((item, i) => describeItem(item, i, tier.chars)).join('\n\n')}`;
  const passes: Verdict[][] = [];
  for (let pass = 0; pass < Math.max(1, tier.passes); pass++) {
    const temperature = pass === 0 ? 0 : PASS_TEMPERATURE;
    const answer = await model.json<{ items: Verdict[] }>({ name: 'item_verdicts', schema: VERDICTS_SCHEMA, system: SYSTEM, user, temperature }, work);
    passes.push(answer.items);
  }
  const events: DetectedEvent[] = [];
  for (const [index, item] of items.entries()) {
    const votes = passes.map((verdicts) => verdicts.find((v) => v.index === index));
    const yes = votes.filter((v): v is Verdict => v !== undefined && v.relevant && v.material);
    if (yes.length * 2 <= passes.length) continue;
    const first = yes[0];
    const confidence: Confidence = yes.length === passes.length ? first.confidence : 'low';
    const output = schema?.json_schema
      ? await fillSchema(model, query, item, schema.json_schema, tier, work, first, confidence)
      : textOutput(item, first, confidence);
    events.push({ kind: 'event_stream', eventDate: eventDate(item), output });
  }
  return events;
}

function describeItem(item: SourcedItem, index: number, chars: number): string {
  const lines = [`[${index}] ${item.title ?? '(untitled)'}`];
  if (item.link) lines.push(`URL: ${item.link}`);
  if (item.publishedAt) lines.push(`Date: ${item.publishedAt.toISOString().slice(0, 10)}`);
  lines.push(`Text: ${(item.summary ?? '').replace(/\s+/g, ' ').slice(0, chars)}`);
  return lines.join('\n');
}

function citation(item: SourcedItem) {
  const excerpt = item.summary ?? item.title;
  return { url: item.link ?? item.feedUrl, title: item.title, excerpts: excerpt ? [excerpt.slice(0, 500)] : [] };
}

function textOutput(item: SourcedItem, verdict: Verdict, confidence: Confidence): TaskOutput {
  const content = verdict.content?.trim() || [item.title, item.summary?.slice(0, 300)].filter(Boolean).join(' — ') || (item.link ?? 'New item');
  return {
    type: 'text',
    content,
    basis: [{ field: 'output', citations: [citation(item)], reasoning: verdict.reasoning, confidence }],
  };
}

async function fillSchema(
  model: ModelClient,
  query: string,
  item: SourcedItem,
  schema: Record<string, unknown>,
  tier: ResearchTier,
  work: ModelWork,
  verdict: Verdict,
  confidence: Confidence,
): Promise<TaskOutput> {
  const content = await model.json<Record<string, unknown>>(
    {
      name: 'event_output',
      schema,
      system: "Fill the JSON schema from the item's text only. Use null for anything the text does not state; never guess.",
      user: `Query: ${query}\n\n${describeItem(item, 0, tier.chars)}`,
    },
    work,
  );
  const properties = Object.keys(schema.properties ?? {});
  const basis: FieldBasis[] = (properties.length > 0 ? properties : Object.keys(content)).map((field) => ({
    field,
    citations: [citation(item)],
    reasoning: `Written by the model from the item's text. ${verdict.reasoning}`,
    confidence: content[field] === null || content[field] === undefined ? 'low' : confidence,
  }));
  return { type: 'json', content, basis };
}
