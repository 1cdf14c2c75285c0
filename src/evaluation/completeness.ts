import { stemmer } from 'stemmer';
import type { EvaluationInput } from './input.js';
import { COUNT, contentStems, parseCount, quote, sentences, words } from './text.js';
import { outcome, type MetricOutcome, type UnitVerdict } from './verdicts.js';

/** Words that phrase a demand rather than its subject, stemmed as the subject words are. */
const ASKING = new Set(
  [
    'explain',
    'describe',
    'list',
    'give',
    'provide',
    'tell',
    'include',
    'compare',
    'discuss',
    'outline',
    'summarize',
    'summarise',
    'please',
    'write',
    'answer',
    'name',
    'mention',
    'detail',
    'brief',
    'short',
    'identify',
    'recommend',
    'suggest',
    'define',
    'show',
    'calculate',
    'estimate',
    'analyze',
    'analyse',
    'evaluate',
    'role',
    'me',
  ].map((w) => stemmer(w)),
);

const DEMAND =
  /^(?:(?:also|and|then|finally|additionally|lastly),?\s+)?(?:please\s+)?(?:explain|describe|list|give|provide|tell|include|compare|discuss|outline|summari[sz]e|name|mention|identify|recommend|suggest|define|show|calculate|estimate|analy[sz]e|evaluate)\b|\?\s*$/i;
const LIST_N = new RegExp(`\\b(?:list|name|give|provide|suggest|recommend|share)\\s+(?:me\\s+)?(?:at\\s+least\\s+)?${COUNT}\\b`, 'i');
const ITEM = /^\s*(?:[*\-•+]|\d+[.)]|[a-z][.)])\s+\S/;

/** The informational demands of a prompt: its questions, requests and enumerated asks. */
export function demands(prompt: string): string[] {
  const out: string[] = [];
  for (const line of prompt.split('\n')) {
    if (ITEM.test(line)) {
      out.push(line.replace(ITEM, (m) => m.slice(-1)).trim());
      continue;
    }
    for (const s of sentences(line)) {
      if (!DEMAND.test(s.trim())) continue;
      // "What is X and what is Y?" asks two things.
      out.push(...s.split(/,?\s+and\s+(?=(?:what|how|why|where|when|who|which)\b)/i).map((part) => part.trim()));
    }
  }
  return out;
}

/** Items of a list in an output: bullet or numbered lines, else the parts of its longest comma list. */
function listItems(output: string): number {
  const lines = output.split('\n').filter((l) => ITEM.test(l)).length;
  if (lines > 0) return lines;
  return Math.max(0, ...sentences(output).map((s) => s.split(/,|\band\b/).filter((p) => p.trim()).length));
}

function judgeDemand(demand: string, output: string, outputStems: Set<string>): UnitVerdict {
  const unit = quote(demand);
  const count = LIST_N.exec(demand);
  const wanted = count ? parseCount(count[1]) : undefined;
  if (wanted !== undefined && wanted > 1) {
    const n = listItems(output);
    return { unit, passed: n >= wanted, confidence: 'certain', reason: `${n} items listed (asked for ${wanted})` };
  }
  const subject = [...new Set(contentStems(demand).filter((s) => !ASKING.has(s)))];
  if (subject.length === 0) return { unit, passed: null, confidence: 'low', reason: 'names no subject a lexical check can follow' };
  const covered = subject.filter((s) => outputStems.has(s));
  const share = covered.length / subject.length;
  const missing = subject.filter((s) => !outputStems.has(s));
  return {
    unit,
    passed: share >= 0.5,
    confidence: share >= 0.8 || share < 0.2 ? 'high' : 'medium',
    reason:
      share >= 0.5
        ? `addressed (${covered.length} of ${subject.length} subject words answered)`
        : `not addressed: nothing on ${missing.slice(0, 5).join(', ')}`,
  };
}

/**
 * `completeness` (lite): each demand of the prompt (questions, requests, "list N …") is judged
 * addressed by the output's words or item count, plus two of DeepRails' dimensions a lexical check
 * can see: detail (enough words for the demands) and relevance (sentences on the prompt's subject).
 */
export function completeness(input: EvaluationInput): MetricOutcome {
  const prompt = [input.systemPrompt ?? '', input.userPrompt].join('\n');
  const outputStems = new Set(contentStems(input.modelOutput));
  const asked = demands(input.userPrompt);
  const units = asked.map((d) => judgeDemand(d, input.modelOutput, outputStems));
  if (asked.length > 0) {
    const length = words(input.modelOutput).length;
    const needed = 8 * asked.length;
    units.push({
      unit: 'detail and depth',
      passed: length >= needed,
      confidence: 'medium',
      reason: `${length} words for ${asked.length} demand(s) (at least ${needed} expected)`,
    });
    const promptStems = new Set(contentStems(prompt));
    // List items ("- Rust") name things rather than talk about the subject: only sentences count.
    const said = sentences(input.modelOutput).filter((s) => words(s).length >= 4);
    const onTopic = said.filter((s) => contentStems(s).some((st) => promptStems.has(st))).length;
    if (said.length > 0) {
      units.push({
        unit: 'relevance',
        passed: onTopic / said.length >= 0.5,
        confidence: 'medium',
        reason: `${onTopic} of ${said.length} sentences are on the prompt's subject`,
      });
    }
  }
  return outcome('completeness', units, {
    whenEmpty: { error: 'completeness: the prompt holds no question or request that a lexical check can find; a model judge is needed.' },
    unjudged: 'completeness: no demand of the prompt could be judged without a model judge.',
  });
}
