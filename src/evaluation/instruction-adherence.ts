import type { Instruction, Phrasing } from './instruction-kit.js';
import { STRUCTURE_PHRASINGS } from './instructions-structure.js';
import { WORDING_PHRASINGS } from './instructions-wording.js';
import { quote, sentences } from './text.js';
import { outcome, type MetricOutcome, type UnitVerdict } from './verdicts.js';
import type { EvaluationInput } from './input.js';

const PHRASINGS: Phrasing[] = [...STRUCTURE_PHRASINGS, ...WORDING_PHRASINGS];

/** Sentences that read as instructions: imperative, or "you must/should", "make sure", "do not"… */
const INSTRUCTION_LIKE =
  /^(?:please\s+)?(?:write|use|be|make|keep|answer|respond|reply|give|provide|include|list|explain|describe|summari[sz]e|avoid|do|don't|never|always|ensure|format|start|end|finish|begin|limit|mention|add|wrap|return|output|translate|focus|highlight|separate|refrain|put|create|generate|compose|draft)\b|\b(?:you\s+(?:must|should|need\s+to|have\s+to)|make\s+sure|be\s+sure|it\s+is\s+important\s+that)\b/i;

/** Words that belong to a found instruction's explanation ("Use the markdown bullet points such as…"). */
const EXPLAINS: [RegExp, RegExp][] = [
  [/bullet/, /\bbullet/i],
  [/paragraph/, /\bparagraph|\bdivider/i],
  [/sections/, /\bsection/i],
  [/json/, /\bjson\b/i],
  [/title/, /\btitle\b|<</i],
  [/two_responses/, /\*{6}|\bresponses?\b/i],
  [/repeat_prompt/, /\brepeat/i],
  [/postscript/, /\bP\.\s?S\b|postscript/i],
  [/placeholder/, /placeholder|\[/i],
  [/comma/, /\bcomma/i],
  [/language/, /\blanguage\b/i],
  [/case/, /\bcapital|\bcase\b/i],
];

function explainsFound(sentence: string, found: readonly Instruction[]): boolean {
  return EXPLAINS.some(([type, words]) => words.test(sentence) && found.some((f) => type.test(f.type)));
}

/** Every verifiable instruction in a prompt, one per type and place (overlapping phrasings of one type count once). */
export function findInstructions(prompt: string): Instruction[] {
  const found: Instruction[] = [];
  for (const phrasing of PHRASINGS) {
    const pattern = new RegExp(phrasing.pattern.source, phrasing.pattern.flags.includes('g') ? phrasing.pattern.flags : `${phrasing.pattern.flags}g`);
    for (let m = pattern.exec(prompt); m; m = pattern.exec(prompt)) {
      if (m[0].length === 0) {
        pattern.lastIndex += 1;
        continue;
      }
      const built = phrasing.build(m, prompt);
      const end = m.index + m[0].length;
      const overlaps = found.some((f) => f.type === phrasing.type && f.at < end && m.index < f.at + f.phrase.length);
      if (built && !overlaps) found.push({ type: phrasing.type, phrase: m[0].trim(), at: m.index, ...built });
    }
  }
  // "Use the word X at least twice" is a frequency, not also a bare existence, instruction.
  const frequencies = found.filter((f) => f.type === 'keywords:frequency');
  return found
    .filter((f) => f.type !== 'keywords:existence' || !frequencies.some((q) => q.at < f.at + f.phrase.length && f.at < q.at + q.phrase.length))
    .sort((a, b) => a.at - b.at);
}

/** Instruction-like sentences of a prompt that no verifiable instruction covers. */
function unverifiable(prompt: string, covered: readonly Instruction[]): string[] {
  const out: string[] = [];
  let from = 0;
  for (const sentence of sentences(prompt)) {
    const at = prompt.indexOf(sentence, from);
    from = at < 0 ? from : at + sentence.length;
    const inside = covered.some((i) => at >= 0 && i.at < at + sentence.length && i.at + i.phrase.length > at);
    if (!inside && INSTRUCTION_LIKE.test(sentence) && !explainsFound(sentence, covered)) out.push(sentence);
  }
  return out;
}

/**
 * `instruction_adherence` (lite): the verifiable instructions of the system and user prompts (the
 * IFEval taxonomy and common rephrasings), each checked on the output with certainty; instructions
 * it cannot verify are listed as not judged, never counted as followed.
 */
export function instructionAdherence(input: EvaluationInput): MetricOutcome {
  const units: UnitVerdict[] = [];
  for (const [role, prompt] of [
    ['system', input.systemPrompt ?? ''],
    ['user', input.userPrompt],
  ] as const) {
    const instructions = findInstructions(prompt);
    for (const instruction of instructions) {
      const result = instruction.check(input.modelOutput);
      units.push({
        unit: `${instruction.type} ${quote(instruction.phrase)} (${role} prompt)`,
        passed: result.followed,
        confidence: result.sure === false ? 'low' : 'certain',
        reason: result.reason,
      });
    }
    for (const sentence of unverifiable(prompt, instructions)) {
      units.push({ unit: `${quote(sentence)} (${role} prompt)`, passed: null, confidence: 'low', reason: 'not verifiable without a model judge' });
    }
  }
  return outcome('instruction_adherence', units, {
    whenEmpty: { score: 1, summary: 'instruction_adherence: the prompts hold no explicit instruction to follow.' },
    unjudged: 'instruction_adherence: no instruction in the prompts can be verified without a model judge (configure VIGIL_LLM_BASE_URL).',
  });
}
