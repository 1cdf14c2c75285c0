import { evidenceOf, extractClaims, judgeClaim } from './claims.js';
import type { EvaluationInput } from './input.js';
import { outcome, type MetricOutcome } from './verdicts.js';

/** A short answer's yes/no polarity ("Yes, …", "No.") or undefined. */
function polarity(text: string): 'yes' | 'no' | undefined {
  const m = /^\W*(yes|no)\b/i.exec(text);
  return m ? (m[1].toLowerCase() as 'yes' | 'no') : undefined;
}

/**
 * `ground_truth_adherence` (lite): each claim of the output compared with the reference answer;
 * a claim the reference does not support, or contradicts by number or polarity, fails.
 */
export function groundTruthAdherence(input: EvaluationInput): MetricOutcome {
  if (!input.groundTruth?.trim()) {
    return { error: 'ground_truth_adherence needs model_input.ground_truth (the reference answer).', units: [] };
  }
  const evidence = evidenceOf([input.groundTruth]);
  const units = extractClaims(input.modelOutput).map((c) => judgeClaim(c, evidence, { silent: 'fail', restating: true, given: input.userPrompt }));
  const [said, wanted] = [polarity(input.modelOutput), polarity(input.groundTruth)];
  if (said && wanted) {
    units.unshift({ unit: `the answer "${said}"`, passed: said === wanted, confidence: 'certain', reason: `the reference answers "${wanted}"` });
  }
  return outcome('ground_truth_adherence', units, {
    whenEmpty: { error: 'ground_truth_adherence: the output states no claim to compare with the reference.' },
    unjudged: 'ground_truth_adherence: no claim could be compared with the reference.',
  });
}

/**
 * `context_adherence` (lite): each factual claim of the output must be explicitly supported by the
 * provided context (or the monitor's files); unsupported and extraneous claims fail.
 */
export function contextAdherence(input: EvaluationInput): MetricOutcome {
  const texts = [...input.context, ...input.files].filter((t) => t.trim());
  if (texts.length === 0) {
    return { error: "context_adherence needs context: model_input.context (with context_awareness) or the monitor's files.", units: [] };
  }
  const evidence = evidenceOf(texts);
  const units = extractClaims(input.modelOutput).map((c) => judgeClaim(c, evidence, { silent: 'fail', given: input.userPrompt }));
  return outcome('context_adherence', units, {
    whenEmpty: { score: 1, summary: 'context_adherence: the output states no factual claim, so none is unsupported.' },
    unjudged: 'context_adherence: no claim could be checked against the context.',
  });
}

/**
 * `correctness` (lite): claims checked against whatever evidence exists (ground truth, context,
 * files). A claim the evidence is silent on is not judged; with no evidence at all the metric
 * fails with a message, since only a model judge or web search could check it.
 */
export function correctness(input: EvaluationInput): MetricOutcome {
  const texts = [input.groundTruth ?? '', ...input.context, ...input.files].filter((t) => t.trim());
  if (texts.length === 0) {
    return {
      error: 'correctness needs evidence (model_input.ground_truth, context or monitor files) or a model judge (VIGIL_LLM_BASE_URL); none is available.',
      units: [],
    };
  }
  const evidence = evidenceOf(texts);
  const units = extractClaims(input.modelOutput).map((c) => judgeClaim(c, evidence, { silent: 'unjudged', given: input.userPrompt }));
  return outcome('correctness', units, {
    whenEmpty: { score: 1, summary: 'correctness: the output states no factual claim.' },
    unjudged: 'correctness: the evidence says nothing about any claim of the output; a model judge is needed.',
  });
}
