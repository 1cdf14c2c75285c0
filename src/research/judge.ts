import type { Confidence } from '../domain/event.js';
import type { ModelClient, ModelWork } from './model.js';
import { citedExcerptFound } from './citations.js';

/**
 * The judge helper FindAll conditions and evaluation metrics call (issue 17, item 5): one unit is
 * a claim judged against the passages it may rely on.
 */
export interface JudgeUnit {
  id: string;
  claim: string;
  passages: string[];
}

/** A unit's verdict over every pass: the majority, with the evidence found in its passages. */
export interface UnitVerdict {
  id: string;
  verdict: 'yes' | 'no' | 'unknown';
  /** `low` when the passes disagreed or no cited evidence was found in the passages. */
  confidence: Confidence;
  reasoning: string;
  /** Evidence excerpts the model cited that occur in the unit's passages. */
  evidence: string[];
}

/**
 * How a caller's units are judged (defaults: passages only, every verdict needs evidence). An
 * evaluation judges "not supported" claims, for which no passage can be quoted, and correctness
 * from the model's own knowledge where no evidence exists.
 */
export interface JudgeOptions {
  /** Which verdicts keep their confidence only with cited evidence found in the passages. */
  evidenceFor?: 'verdicts' | 'yes' | 'none';
  /** Whether the model may rely on its own knowledge where the passages say nothing. */
  ownKnowledge?: boolean;
}

interface PassVerdict {
  id: string;
  verdict: 'yes' | 'no' | 'unknown';
  confidence: Confidence;
  reasoning: string;
  evidence: string[];
}

const SCHEMA = {
  type: 'object',
  properties: {
    verdicts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          verdict: { type: 'string', enum: ['yes', 'no', 'unknown'] },
          confidence: { type: 'string', enum: ['low', 'medium', 'high'] },
          reasoning: { type: 'string' },
          evidence: { type: 'array', items: { type: 'string' } },
        },
        required: ['id', 'verdict', 'confidence', 'reasoning', 'evidence'],
      },
    },
  },
  required: ['verdicts'],
};

/** The sampling temperature of every pass after the first. */
export const PASS_TEMPERATURE = 0.7;

/**
 * Judges each unit with `passes` independent model passes: the verdict is the majority's (a tie is
 * `unknown`), its confidence is `low` when the passes disagree or none of its cited evidence occurs
 * in the unit's passages, and only evidence found there is kept.
 */
export async function judgeUnits(
  model: ModelClient,
  question: string,
  units: JudgeUnit[],
  passes: number,
  work: ModelWork,
  options: JudgeOptions = {},
): Promise<UnitVerdict[]> {
  if (units.length === 0) return [];
  const user = `Question: ${question}\n\n${units.map((u) => `Unit ${u.id}: ${u.claim}\nPassages:\n${u.passages.map((p) => `- ${p}`).join('\n')}`).join('\n\n')}`;
  const system =
    (options.ownKnowledge
      ? 'Judge each unit against the question using its passages and, where they say nothing, your own knowledge. Answer yes, no or unknown; '
      : 'Judge each unit against the question using only its passages. Answer yes, no or unknown; ') +
    'quote the evidence word for word from the passages; give a short reasoning and a confidence.';
  const rounds: PassVerdict[][] = [];
  for (let i = 0; i < Math.max(1, passes); i++) {
    // The first pass takes the most likely answer; later ones sample, so that they can disagree
    // (at temperature 0 a deterministic server repeats the first answer and a second pass adds nothing).
    const temperature = i === 0 ? 0 : PASS_TEMPERATURE;
    rounds.push((await model.json<{ verdicts: PassVerdict[] }>({ name: 'unit_verdicts', schema: SCHEMA, system, user, temperature }, work)).verdicts);
  }
  return units.map((unit) =>
    decide(
      unit,
      rounds.map((round) => round.find((v) => v.id === unit.id)),
      options.evidenceFor ?? 'verdicts',
    ),
  );
}

function decide(unit: JudgeUnit, votes: (PassVerdict | undefined)[], evidenceFor: NonNullable<JudgeOptions['evidenceFor']>): UnitVerdict {
  const counted = votes.filter((v): v is PassVerdict => v !== undefined);
  const yes = counted.filter((v) => v.verdict === 'yes').length;
  const no = counted.filter((v) => v.verdict === 'no').length;
  const verdict = yes * 2 > votes.length ? 'yes' : no * 2 > votes.length ? 'no' : 'unknown';
  const agreeing = counted.filter((v) => v.verdict === verdict);
  const pages = unit.passages.map((text, i) => ({ url: String(i), text }));
  const evidence = [...new Set(agreeing.flatMap((v) => v.evidence).filter((e) => citedExcerptFound({ url: '', excerpt: e }, pages)))];
  const unanimous = agreeing.length === votes.length;
  const needsEvidence = evidenceFor === 'verdicts' ? verdict !== 'unknown' : evidenceFor === 'yes' && verdict === 'yes';
  const confidence: Confidence = !unanimous || (needsEvidence && evidence.length === 0) ? 'low' : (agreeing[0]?.confidence ?? 'low');
  return { id: unit.id, verdict, confidence, reasoning: agreeing[0]?.reasoning ?? 'No pass judged this unit.', evidence };
}
