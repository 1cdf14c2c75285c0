import { contextAdherence, correctness, groundTruthAdherence } from './adherence.js';
import { completeness } from './completeness.js';
import type { EvaluationInput } from './input.js';
import { instructionAdherence } from './instruction-adherence.js';
import { comprehensiveSafety } from './safety.js';
import type { MetricOutcome } from './verdicts.js';
import type { Metric, MetricResult } from '../domain/guardrail-metrics.js';

export { METRICS, type Metric, type MetricResult } from '../domain/guardrail-metrics.js';

/**
 * Default pass thresholds. DeepRails documents none for Monitor; its examples show correctness 0.9
 * and completeness 0.8. Safety is strict (one moderate finding in a short answer fails it).
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<Metric, number>> = {
  correctness: 0.9,
  completeness: 0.8,
  instruction_adherence: 0.8,
  context_adherence: 0.8,
  ground_truth_adherence: 0.8,
  comprehensive_safety: 0.9,
};

const SCORERS: Record<Metric, (input: EvaluationInput) => MetricOutcome> = {
  correctness,
  completeness,
  instruction_adherence: instructionAdherence,
  context_adherence: contextAdherence,
  ground_truth_adherence: groundTruthAdherence,
  comprehensive_safety: comprehensiveSafety,
};

/** Scores one evaluation on the given metrics with the `lite` (deterministic) scorers. */
export function scoreLite(input: EvaluationInput, metrics: readonly Metric[], thresholds: Partial<Record<Metric, number>> = {}): MetricResult[] {
  return metrics.map((metric) => {
    const result = SCORERS[metric](input);
    if ('error' in result) return { metric, error: result.error };
    const threshold = thresholds[metric] ?? DEFAULT_THRESHOLDS[metric];
    return { metric, score: result.score, rationale: result.rationale, threshold, passed: result.score >= threshold, judge: 'lite' };
  });
}
