// Judging a candidate with a model: each match condition is one unit of research/judge.ts, judged
// against the passages of the candidate's own page (as lite gathers them) by the generator's number
// of passes. A condition matches only when the majority says yes AND evidence it cited occurs on
// the page: an unsupported yes is no match.
import type { FieldBasis } from '../../domain/event.js';
import { judgeUnits, type UnitVerdict } from '../judge.js';
import type { ModelClient } from '../model.js';
import { gatherEvidence, type Evidence } from './evidence.js';
import { decide } from './judge.js';
import type { FindAllTier } from './model-tier.js';
import { modelWork } from './model-work.js';
import type { CandidateSeed, ConditionVerdict, FindAllSpec, Judgement, MatchCondition, ResearchContext } from './seam.js';
import { termOf, wordsOf } from './terms.js';

/** What model-backed judging uses. */
export interface ModelJudging {
  model: ModelClient;
  tier: FindAllTier;
}

/**
 * Judges a candidate on every condition in one judge call per pass. A page that cannot be read
 * leaves each condition unmatched, saying why (as lite does, with no model call); a model that
 * fails or hangs throws, and the run discards the candidate.
 */
export async function judgeWithModel(deps: ModelJudging, seed: CandidateSeed, spec: FindAllSpec, ctx: ResearchContext): Promise<Judgement> {
  const evidence = await gatherEvidence(seed, ctx);
  if (evidence.failure !== null || spec.match_conditions.length === 0) return unread(spec, evidence);
  const units = spec.match_conditions.map((c) => ({
    id: c.name,
    claim: `${seed.name}: ${c.description}`,
    passages: passagesFor(c, evidence.passages, deps.tier.chars),
  }));
  const question = `Does ${seed.name}, one of the ${spec.entity_type} sought for "${spec.objective}", satisfy each condition? Each unit is one condition.`;
  const verdicts = await judgeUnits(deps.model, question, units, deps.tier.passes, modelWork(deps.model, ctx));
  const output: Record<string, ConditionVerdict> = {};
  const basis: FieldBasis[] = [];
  for (const [i, condition] of spec.match_conditions.entries()) {
    const { verdict, why } = fromUnit(verdicts[i], evidence);
    output[condition.name] = verdict;
    basis.push({ field: condition.name, ...why });
  }
  return { output, basis, matched: Object.values(output).every((v) => v.is_matched) };
}

/** A page that could not be read (or no condition to judge): lite's decision, which says why nothing matched. */
function unread(spec: FindAllSpec, evidence: Evidence): Judgement {
  const decisions = spec.match_conditions.map((c) => ({ name: c.name, ...decide(c, spec.entity_type, evidence) }));
  return {
    output: Object.fromEntries(decisions.map((d) => [d.name, d.verdict])),
    basis: decisions.map((d) => ({ field: d.name, ...d.why })),
    matched: false,
  };
}

function fromUnit(unit: UnitVerdict, evidence: Evidence): { verdict: ConditionVerdict; why: Omit<FieldBasis, 'field'> } {
  const supported = unit.verdict === 'yes' && unit.evidence.length > 0;
  const reasoning =
    unit.verdict === 'yes' && !supported ? `${unit.reasoning} Not matched: none of the evidence the model cited occurs on ${evidence.url}.` : unit.reasoning;
  return {
    verdict: { value: supported ? unit.evidence[0] : unit.reasoning, type: 'match_condition', is_matched: supported },
    why: {
      citations: [{ url: evidence.url, title: evidence.title, excerpts: unit.evidence }],
      reasoning,
      confidence: supported ? unit.confidence : 'low',
    },
  };
}

/**
 * The passages a condition is judged on: all of them when they fit in `chars`, else those sharing
 * the most words with the condition that fit, back in page order.
 */
export function passagesFor(condition: MatchCondition, passages: readonly string[], chars: number): string[] {
  const total = passages.reduce((sum, p) => sum + p.length, 0);
  if (total <= chars) return [...passages];
  const wanted = new Set(wordsOf(condition.description).map(({ word }) => termOf(word)));
  const ranked = passages
    .map((passage, index) => ({
      passage,
      index,
      score: new Set(
        wordsOf(passage)
          .map(({ word }) => termOf(word))
          .filter((t) => wanted.has(t)),
      ).size,
    }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const kept: typeof ranked = [];
  let used = 0;
  for (const entry of ranked) {
    if (used + entry.passage.length > chars) continue;
    kept.push(entry);
    used += entry.passage.length;
  }
  return kept.sort((a, b) => a.index - b.index).map((e) => e.passage);
}
