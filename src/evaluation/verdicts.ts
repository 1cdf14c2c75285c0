/**
 * Unit verdicts and their aggregation (api.md §7.4, DeepRails' scoring methodology): every metric
 * splits its question into units (claims, instructions, demands, segments), gives each a yes/no
 * verdict with a confidence, and scores the confidence-weighted share of yes verdicts.
 */

/** How sure a verdict is; the weights are DeepRails' published ones (low counts for nothing). */
export type Confidence = 'low' | 'medium' | 'high' | 'certain';

const WEIGHT: Record<Confidence, number> = { low: 0, medium: 0.6, high: 1, certain: 1 };

/** One judged (or deliberately not judged) unit of a metric. */
export interface UnitVerdict {
  /** What was judged, quoted or named so the rationale points at it. */
  unit: string;
  /** `null`: the unit could not be judged here; it is listed, never counted as passed. */
  passed: boolean | null;
  confidence: Confidence;
  /** Why the verdict went the way it did. */
  reason: string;
}

/** A metric's result: a score in [0, 1] with its rationale, or why it could not be scored. */
export type MetricOutcome = { score: number; rationale: string; units: UnitVerdict[] } | { error: string; units: UnitVerdict[] };

/** Confidence-weighted share of passed units among the judged ones; undefined when nothing carries weight. */
export function weightedScore(units: readonly UnitVerdict[]): number | undefined {
  let total = 0;
  let passed = 0;
  for (const unit of units) {
    if (unit.passed === null) continue;
    const weight = WEIGHT[unit.confidence];
    total += weight;
    if (unit.passed) passed += weight;
  }
  return total === 0 ? undefined : passed / total;
}

/** Passed units listed one by one in a rationale; more are counted, so long outputs keep short rationales. */
const LISTED_PASSES = 10;

/** The rationale: a one-line summary, then every failed and unjudged unit and the first passed ones. */
export function rationale(summary: string, units: readonly UnitVerdict[]): string {
  const order = (u: UnitVerdict) => (u.passed === false ? 0 : u.passed === null ? 2 : 1);
  const sorted = [...units].sort((a, b) => order(a) - order(b));
  const passes = sorted.filter((u) => u.passed === true);
  const shown = sorted.filter((u) => u.passed !== true || passes.indexOf(u) < LISTED_PASSES);
  const lines = shown.map((u) => {
    const mark = u.passed === null ? 'not judged' : u.passed ? 'passed' : 'failed';
    return `- ${mark} (${u.confidence}): ${u.unit} — ${u.reason}`;
  });
  if (passes.length > LISTED_PASSES) lines.push(`- and ${passes.length - LISTED_PASSES} more passed`);
  return [summary, ...lines].join('\n');
}

/**
 * Scores units into an outcome. With no unit at all, `whenEmpty` decides (a score or an error);
 * with units but none judged, the metric fails with `unjudged` as its error.
 */
export function outcome(
  name: string,
  units: UnitVerdict[],
  options: { whenEmpty: { score: number; summary: string } | { error: string }; unjudged: string },
): MetricOutcome {
  if (units.length === 0) {
    return 'error' in options.whenEmpty
      ? { error: options.whenEmpty.error, units }
      : { score: options.whenEmpty.score, rationale: options.whenEmpty.summary, units };
  }
  const score = weightedScore(units);
  if (score === undefined) return { error: `${options.unjudged}\n${rationale('', units).trimStart()}`, units };
  const failed = units.filter((u) => u.passed === false).length;
  const judged = units.filter((u) => u.passed !== null).length;
  const summary =
    `${name}: ${judged - failed} of ${judged} judged units passed` + (judged < units.length ? ` (${units.length - judged} not judged)` : '') + '.';
  return { score, rationale: rationale(summary, units), units };
}
