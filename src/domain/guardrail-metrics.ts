// The catalog and result shape of the metrics, apart from evaluation/'s scorers: domain/ and store/
// use them and sit below evaluation/, which they must not import.
/** The six guardrail metrics of DeepRails' Monitor API (api.md §7.3). */
export const METRICS = ['correctness', 'completeness', 'instruction_adherence', 'context_adherence', 'ground_truth_adherence', 'comprehensive_safety'] as const;
export type Metric = (typeof METRICS)[number];

/** Which scorer judged a metric: the deterministic `lite` scorers or the configured model. */
export type MetricJudgeKind = 'lite' | 'model';

/** One metric's wire-ready result: a score with its threshold and verdict, or why it could not be scored. */
export type MetricResult =
  { metric: Metric; score: number; rationale: string; threshold: number; passed: boolean; judge: MetricJudgeKind } | { metric: Metric; error: string };
