import type { Outcome } from './event.js';
import type { EventStreamSettings, Monitor, RepeatedFailures } from './monitor.js';

/** How one source of a monitor fared in one execution. */
export type SourceCheck = { source: string; url: string | null } & (
  | { ok: true }
  /** `errorKey` names the kind of failure (`http_503`, `connect_failed:ECONNREFUSED`) without the details that vary. */
  | { ok: false; error: string; errorKey: string }
);

/** A source's health across executions: the per-source record behind `GET /v1/monitors/{id}/sources`. */
export interface SourceHealth {
  source: string;
  url: string | null;
  consecutiveFailures: number;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorKey: string | null;
  lastErrorAt: number | null;
  lastCheckedAt: number;
}

/** A source's record after one more check. */
export function nextHealth(previous: SourceHealth | undefined, check: SourceCheck, now: number): SourceHealth {
  const base = {
    source: check.source,
    url: check.url ?? previous?.url ?? null,
    lastCheckedAt: now,
    lastError: previous?.lastError ?? null,
    lastErrorKey: previous?.lastErrorKey ?? null,
    lastErrorAt: previous?.lastErrorAt ?? null,
  };
  if (check.ok) return { ...base, consecutiveFailures: 0, lastSuccessAt: now };
  return {
    ...base,
    consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1,
    lastSuccessAt: previous?.lastSuccessAt ?? null,
    lastError: check.error,
    lastErrorKey: check.errorKey,
    lastErrorAt: now,
  };
}

/** Whether a failed check repeats the failure its source already had at its last check. */
function repeats(check: SourceCheck, previous: SourceHealth | undefined): boolean {
  return !check.ok && previous !== undefined && previous.consecutiveFailures > 0 && previous.lastErrorKey === check.errorKey;
}

/**
 * Noise control: the outcome an execution records, given how its sources fared and their records.
 * An error outcome in which every source repeats the failure it already had is not reported again:
 * it becomes a completion whose warnings say so, unless the monitor's `repeated_failures` setting
 * is 'error'. Any outcome with failing sources carries one warning per failing source. A new or
 * changed failure, or every source failing after a success, stays an error (reported once).
 */
export function settleOutcome(outcome: Outcome, checks: SourceCheck[], previous: Map<string, SourceHealth>, repeated: RepeatedFailures = 'warning'): Outcome {
  const failing = checks.filter((c): c is Extract<SourceCheck, { ok: false }> => !c.ok);
  if (failing.length === 0) return outcome;
  const warnings = failing.map((check) => {
    const before = previous.get(check.source);
    return repeats(check, before)
      ? `${check.source}: ${check.error} (the same failure for ${(before?.consecutiveFailures ?? 0) + 1} executions in a row; reported once, when it began)`
      : `${check.source}: ${check.error}`;
  });
  switch (outcome.kind) {
    case 'error':
      return repeated === 'warning' && failing.length === checks.length && failing.every((c) => repeats(c, previous.get(c.source)))
        ? { kind: 'completion', warnings }
        : outcome;
    case 'events':
    case 'completion':
      // A processor's own warnings (e.g. that it ran without a model) stay, before the sources'.
      return { ...outcome, warnings: [...(outcome.warnings ?? []), ...warnings] };
  }
}

/** The monitor's noise-control setting: 'warning' unless an `event_stream` monitor asks for 'error'. */
export function repeatedFailures(monitor: Pick<Monitor, 'type' | 'settings'>): RepeatedFailures {
  return monitor.type === 'event_stream' ? ((monitor.settings as EventStreamSettings).repeated_failures ?? 'warning') : 'warning';
}
