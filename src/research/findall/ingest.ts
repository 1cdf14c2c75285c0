// `POST /v1beta/findall/ingest` without a model: the objective's head noun gives the entity type,
// the words before it and each clause after it give one match condition each. Deterministic.
import { FAMILIES, FILLER, PLURAL_VERBS, PRESENT_VERBS } from './ingest-words.js';
import type { IngestedSchema, MatchCondition } from './seam.js';

/** The words that ask rather than describe ("Find all the …", "List every …"). */
const LEAD =
  /^\s*(?:please\s+)?(?:find|list|identify|search\s+for|look\s+for|get|show(?:\s+me)?|discover|give\s+me|collect|compile|which|what\s+are)\b\s*(?:(?:all|the|every|some|any|of|top\s+\d+|\d+)\s+)*/i;
const URL_PHRASE =
  /(?:\b(?:(?:as\s+)?(?:listed|found|shown|published|named)\s+)?(?:on|at|from|in|via|see|using)\s+)?(?:the\s+(?:page|list|site|directory)\s+)?\bhttps?:\/\/\S+/gi;
/** Where one clause ends and the next begins. */
const CLAUSE_BREAK =
  /\s*(?:[,;]|\b(?:that|who|which|whose|where|and|but|while)\b)\s*|\s+(?=(?:with|founded|based|located|headquartered|established|launched)\s)/i;
const MAX_NAME_WORDS = 6;

/** An objective's entity type and match conditions; never without a condition. */
export function ingestObjective(objective: string): IngestedSchema {
  // A URL names where to look, not what to find: it goes with the words that point at it ("listed on <url>").
  const text = objective
    .replace(URL_PHRASE, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.?!]+$/, '');
  const asked = text.replace(LEAD, '');
  const head = headNoun(asked);
  const conditions: MatchCondition[] = [];
  const add = (name: string, description: string) => {
    let unique = name || 'condition';
    for (let n = 2; conditions.some((c) => c.name === unique); n += 1) unique = `${name}_${n}`;
    conditions.push({ name: unique, description });
  };
  if (head) {
    const singular = singularOf(head.noun);
    if (head.modifiers) add(snake(`is ${head.modifiers} ${singular}`), `${head.subject} is ${article(head.modifiers)} ${head.modifiers} ${singular}`);
    else if (head.type !== head.noun.toLowerCase() && head.subject.toLowerCase() !== singular)
      add(snake(`is ${singular}`), `${head.subject} is ${article(singular)} ${singular}`);
    for (const clause of asked.slice(head.end).split(CLAUSE_BREAK)) {
      const condition = clauseCondition(clause.trim(), head.subject, head.plural);
      if (condition) add(condition.name, condition.description);
    }
  }
  if (conditions.length === 0) add('matches_objective', `Matches the objective: ${text || objective.trim()}`);
  return { objective, entity_type: head?.type ?? 'entities', match_conditions: conditions };
}

interface Head {
  noun: string;
  type: string;
  subject: string;
  modifiers: string;
  end: number;
  plural: boolean;
}

/** The first known head noun, else the last word before the first clause; with the words before it. */
function headNoun(asked: string): Head | null {
  const words = [...asked.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’&.-]*/gu)];
  for (const match of words) {
    const word = match[0].toLowerCase().replace(/[.]+$/, '');
    const family = FAMILIES.find((f) => f.nouns.includes(word));
    if (!family) continue;
    const modifiers = asked.slice(0, match.index).trim();
    return {
      noun: word,
      type: family.type,
      subject: family.subject,
      modifiers,
      end: match.index + match[0].length,
      plural: word !== singularOf(word) || word === 'people',
    };
  }
  const first = asked
    .split(CLAUSE_BREAK)[0]
    .split(/\s+(?:in|with|from|based|located|founded|for|of|on|at|by)\s+/i)[0]
    .trim();
  const noun = first.split(/\s+/).at(-1);
  if (!noun) return null;
  const end = asked.indexOf(first) + first.length;
  const singular = singularOf(noun.toLowerCase());
  const modifiers = first.slice(0, first.length - noun.length).trim();
  return { noun: noun.toLowerCase(), type: noun.toLowerCase(), subject: capitalise(singular), modifiers, end, plural: singular !== noun.toLowerCase() };
}

/** One clause as a condition: "in Berlin" → based_in_berlin; "raised a Series A in 2024" → raised_series_a_2024. */
function clauseCondition(clause: string, subject: string, plural: boolean): MatchCondition | null {
  const words = clause.split(/\s+/).filter(Boolean);
  if (!words.some((w) => /[\p{L}\p{N}]/u.test(w) && !FILLER.has(w.toLowerCase()))) return null;
  const place = /^(?:(?:are|is)\s+)?(?:based|located|headquartered)?\s*(?:in|from)\s+(.+)$/i.exec(clause);
  if (place && /^\p{Lu}/u.test(place[1].replace(/^the\s+/i, ''))) {
    return { name: snake(`based in ${place[1]}`), description: `${subject} is based in ${place[1]}` };
  }
  if (/^in\s/i.test(clause)) return { name: snake(clause), description: `${subject} operates ${clause}` };
  if (/^with\s/i.test(clause)) {
    const rest = clause.replace(/^with\s+/i, '');
    return { name: snake(`has ${rest}`), description: `${subject} has ${rest}` };
  }
  return { name: snake(clause), description: `${subject} ${agree(words, plural).join(' ')}` };
}

/** The clause's verb made to agree with a singular subject ("are" → "is", "build" → "builds"). */
function agree(words: string[], plural: boolean): string[] {
  const [first, ...rest] = words;
  const lower = first.toLowerCase();
  if (PLURAL_VERBS[lower]) return [PLURAL_VERBS[lower], ...rest];
  if (/^(?:founded|established|launched|created|started|incorporated|acquired)$/.test(lower)) return ['was', ...words];
  if (!plural || !PRESENT_VERBS.has(lower)) return words;
  const verb = /[^aeiou]y$/.test(lower) ? `${first.slice(0, -1)}ies` : /(?:ch|sh|x|o|z)$/.test(lower) ? `${first}es` : `${first}s`;
  return [verb, ...rest];
}

/** snake_case of a phrase's content words, ASCII only, at most MAX_NAME_WORDS words. */
export function snake(phrase: string): string {
  const words =
    phrase
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/\$/g, ' ')
      .match(/[a-z0-9]+/g) ?? [];
  // "in" stays after "based" (based_in_berlin); a letter stays after "series" or "round" (series_a).
  const content = words.filter(
    (w, i) => !FILLER.has(w) || (w === 'in' && words[i - 1] === 'based') || (w.length === 1 && /^(?:series|round)$/.test(words[i - 1] ?? '')),
  );
  return (content.length > 0 ? content : words).slice(0, MAX_NAME_WORDS).join('_');
}

function singularOf(noun: string): string {
  if (noun === 'people') return 'person';
  if (/ies$/.test(noun)) return `${noun.slice(0, -3)}y`;
  if (/(?:ss|us|is)$/.test(noun)) return noun;
  if (/(?:ches|shes|xes|sses)$/.test(noun)) return noun.slice(0, -2);
  return noun.replace(/s$/, '');
}

function article(phrase: string): string {
  return /^[aeiou]/i.test(phrase) || /^[AEFHILMNORSX](?:[A-Z]|$)/.test(phrase) ? 'an' : 'a';
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
