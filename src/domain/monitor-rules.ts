import type { Problem } from '../errors.js';
import { parseDuration } from './duration.js';
import { REQUEST_LIMITS } from './request-limits.js';
import { MAX_FREQUENCY_SECONDS, METADATA_MAX_KEY_LENGTH, METADATA_MAX_VALUE_LENGTH, PARALLEL_MIN_FREQUENCY_SECONDS } from './monitor.js';

/** Seconds of a valid frequency, or the problem with it (api.md §2.10 plus VIGIL_MIN_FREQUENCY). */
export function checkFrequency(frequency: string, minSeconds: number, loc: (string | number)[]): { seconds: number } | { problem: Problem } {
  const parsed = parseDuration(frequency);
  const min = Math.min(minSeconds, PARALLEL_MIN_FREQUENCY_SECONDS);
  const rule = `must be <number><unit> with unit h, d or w (or s, m), between ${describe(min)} and 30d`;
  if (!parsed || parsed.seconds < 1 || parsed.unit === 'ms') return { problem: { loc, msg: `${rule}; got "${frequency}"`, type: 'frequency' } };
  const floor = parsed.unit === 's' || parsed.unit === 'm' ? minSeconds : PARALLEL_MIN_FREQUENCY_SECONDS;
  if (parsed.seconds < floor || parsed.seconds > MAX_FREQUENCY_SECONDS) {
    return { problem: { loc, msg: `${rule}; got "${frequency}"`, type: 'frequency' } };
  }
  return { seconds: parsed.seconds };
}

function describe(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Problems with metadata: at most 50 keys of ≤ 16 characters, values ≤ 512 (api.md §2.11). */
export function checkMetadata(metadata: Record<string, string> | null | undefined, loc: (string | number)[]): Problem[] {
  if (!metadata) return [];
  const problems: Problem[] = [];
  const keys = Object.keys(metadata).length;
  if (keys > REQUEST_LIMITS.metadataKeys) {
    problems.push({ loc, msg: `has ${keys} keys; at most ${REQUEST_LIMITS.metadataKeys} are allowed`, type: 'metadata_keys' });
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (key.length === 0 || key.length > METADATA_MAX_KEY_LENGTH) {
      problems.push({ loc: [...loc, key], msg: `metadata keys must be 1 to ${METADATA_MAX_KEY_LENGTH} characters`, type: 'metadata_key' });
    }
    if (value.length > METADATA_MAX_VALUE_LENGTH) {
      problems.push({ loc: [...loc, key], msg: `metadata values must be at most ${METADATA_MAX_VALUE_LENGTH} characters`, type: 'metadata_value' });
    }
  }
  return problems;
}

/** Problems with a webhook (or source) URL: an absolute http(s) URL of at most 2,048 characters. */
export function checkWebhookUrl(url: string, loc: (string | number)[]): Problem[] {
  if (url.length > REQUEST_LIMITS.urlChars) {
    return [{ loc, msg: `must be at most ${REQUEST_LIMITS.urlChars} characters; got ${url.length}`, type: 'url' }];
  }
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return [];
  } catch {
    /* reported below */
  }
  const shown = url.length > 100 ? `${url.slice(0, 100)}…` : url;
  return [{ loc, msg: `must be an absolute http or https URL; got "${shown}"`, type: 'url' }];
}
