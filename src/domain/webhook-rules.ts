import type { Problem } from '../errors.js';
import { parseDuration } from './duration.js';

/** The longest grace period of a secret rotation: the old secret signs beside the new one at most this long. */
export const MAX_GRACE_SECONDS = 30 * 86_400;

/** Seconds of a rotation's grace period (0 to 30 days), or the problem with it. */
export function checkGracePeriod(text: string, loc: (string | number)[]): { seconds: number } | { problem: Problem } {
  const parsed = parseDuration(text);
  if (!parsed || parsed.seconds > MAX_GRACE_SECONDS) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    return { problem: { loc, msg: `must be a duration such as 30m, 24h or 7d, at most 30d; got "${shown}"`, type: 'duration' } };
  }
  return { seconds: parsed.seconds };
}

/** Problems with redelivering a delivery of this status: a pending one is still retried on its own. */
export function checkRedeliverable(status: string, loc: (string | number)[]): Problem[] {
  if (status !== 'pending') return [];
  return [{ loc, msg: 'is still pending: it is retried on its own; redeliver delivered or failed deliveries', type: 'pending' }];
}
