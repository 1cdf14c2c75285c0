import type { DetectedEvent, FieldBasis, TaskOutput } from '../../domain/event.js';
import type { JsonSchemaSpec } from '../../domain/monitor.js';
import type { SourcedItem } from '../items/sourced-item.js';

/** `YYYY-MM-DD` of an item's date, or null when it has none. */
export function eventDate(item: SourcedItem): string | null {
  return item.publishedAt ? item.publishedAt.toISOString().slice(0, 10) : null;
}

/** The `event_stream` event reporting one new feed item, as text or as JSON matching the monitor's schema. */
export function itemEvent(item: SourcedItem, schema: JsonSchemaSpec | null | undefined): DetectedEvent {
  const output = schema?.json_schema ? jsonOutput(item, schema.json_schema) : textOutput(item);
  return { kind: 'event_stream', eventDate: eventDate(item), output };
}

const SOURCE_KIND = { feed: 'feed', page: 'page', json: 'JSON endpoint' } as const;
const feedName = (item: SourcedItem) => `${SOURCE_KIND[item.origin ?? 'feed']} ${item.feedTitle ? `"${item.feedTitle}" (${item.feedUrl})` : item.feedUrl}`;

function citation(item: SourcedItem, excerpt: string | null) {
  return {
    url: item.link ?? item.feedUrl,
    // A page block has no title of its own: the heading it sits under, or the page's title, names it.
    title: item.title ?? (item.origin === 'page' ? (item.section ?? item.feedTitle) : null),
    excerpts: excerpt ? [excerpt.slice(0, 500)] : [],
  };
}

function textOutput(item: SourcedItem): TaskOutput {
  const parts = [item.title, item.summary].filter((p): p is string => Boolean(p && p.trim()));
  const content = parts.join(' — ') || item.link || 'New item';
  return {
    type: 'text',
    content,
    basis: [
      {
        field: 'output',
        citations: [citation(item, item.summary ?? item.title)],
        reasoning:
          item.origin === 'page' && item.title === null
            ? `New content on the ${feedName(item)}, not seen in earlier executions.`
            : `New item in the ${feedName(item)}, not seen in earlier executions.`,
        confidence: 'high',
      },
    ],
  };
}

/** Where each item field is found, by the names and descriptions schema properties commonly use. */
const FIELD_RULES: { pattern: RegExp; label: string; value: (item: SourcedItem) => string | null }[] = [
  { pattern: /\b(title|headline|name|subject)\b/, label: 'title', value: (i) => i.title },
  { pattern: /\b(url|link|href|permalink|source_url|article_url)\b/, label: 'link', value: (i) => i.link },
  { pattern: /\b(date|published|published_at|publication_date|pub_date|event_date|time)\b/, label: 'date', value: eventDate },
  { pattern: /\b(summary|description|content|text|snippet|body|excerpt|details)\b/, label: 'summary', value: (i) => i.summary },
  { pattern: /\b(source|publisher|site|feed|outlet|publication)\b/, label: 'feed title', value: (i) => i.feedTitle ?? hostOf(i.feedUrl) },
  { pattern: /\b(author|byline|writer|creator)\b/, label: 'author', value: (i) => i.author },
];

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

function words(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase();
}

function jsonOutput(item: SourcedItem, jsonSchema: Record<string, unknown>): TaskOutput {
  const properties = (jsonSchema.properties ?? {}) as Record<string, { description?: string }>;
  const content: Record<string, unknown> = {};
  const basis: FieldBasis[] = [];
  for (const [field, spec] of Object.entries(properties)) {
    // The field's own name decides first; its description only when the name says nothing.
    const rule = FIELD_RULES.find((r) => r.pattern.test(words(field))) ?? FIELD_RULES.find((r) => r.pattern.test(words(spec?.description ?? '')));
    const value = rule?.value(item) ?? null;
    content[field] = value;
    basis.push(
      value === null
        ? {
            field,
            citations: [citation(item, null)],
            confidence: 'low',
            reasoning: rule ? `The feed item has no ${rule.label}.` : 'No feed item field corresponds to this property; it is left null rather than guessed.',
          }
        : {
            field,
            citations: [citation(item, value)],
            confidence: 'high',
            reasoning: `Taken from the item's ${rule!.label} in the ${feedName(item)}.`,
          },
    );
  }
  return { type: 'json', content, basis };
}
