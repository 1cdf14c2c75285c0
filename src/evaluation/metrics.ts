import { contextAdherence, correctness, groundTruthAdherence } from './adherence.js';
import { completeness } from './completeness.js';
import type { EvaluationInput } from './input.js';
import { instructionAdherence } from './instruction-adherence.js';
import { comprehensiveSafety } from './safety.js';
import type { MetricOutcome } from './verdicts.js';

/** The six guardrail metrics of DeepRails' Monitor API (api.md §7.3). */
export const METRICS = [
  'correctness', 'completeness', 'instruction_adherence', 'context_adherence', 'ground_truth_adherence', 'comprehensive_safety',
] as const;
export type Metric = (typeof METRICS)[number];

/**
 * Default pass thresholds. DeepRails documents none for Monitor; its examples show correctness 0.9
 * and completeness 0.8. Safety is strict (one moderate finding in a short answer fails it).
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<Metric, number>> = {
  correctness: 0.9, completeness: 0.8, instruction_adherence: 0.8,
  context_adherence: 0.8, ground_truth_adherence: 0.8, comprehensive_safety: 0.9,
};

const SCORERS: Record<Metric, (input: EvaluationInput) => MetricOutcome> = {
  correctness, completeness, instruction_adherence: instructionAdherence, context_adherence: contextAdherence,
  ground_truth_adherence: groundTruthAdherence, comprehensive_safety: comprehensiveSafety,
};

/** One metric's wire-ready result: a score with its threshold and verdict, or why it could not be scored. */
export type MetricResult =
  | { metric: Metric; score: number; rationale: string; threshold: number; passed: boolean }
  | { metric: Metric; error: string };

/** Scores one evaluation on the given metrics with the `lite` (deterministic) scorers. */
export function scoreLite(
  input: EvaluationInput, metrics: readonly Metric[], thresholds: Partial<Record<Metric, number>> = {},
): MetricResult[] {
  return metrics.map((metric) => {
    const result = SCORERS[metric](input);
    if ('error' in result) return { metric, error: result.error };
    const threshold = thresholds[metric] ?? DEFAULT_THRESHOLDS[metric];
    return { metric, score: result.score, rationale: result.rationale, threshold, passed: result.score >= threshold };
  });
}
