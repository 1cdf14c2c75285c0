import { stemmer } from 'stemmer';

/** Text helpers shared by the scorers: sentences, words, content stems, numbers, negation. */

const ABBREVIATIONS = /\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|vs|etc|e\.g|i\.e|Inc|Ltd|Co|No|U\.S|approx)\.$/i;

/** Sentences of a text: split after . ! ? (not after common abbreviations or inside numbers) and at line breaks. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\n+/)) {
    let current = '';
    const parts = line.split(/(?<=[.!?…])\s+/);
    for (const part of parts) {
      current = current ? `${current} ${part}` : part;
      if (!ABBREVIATIONS.test(current)) {
        pushTrimmed(out, current);
        current = '';
      }
    }
    pushTrimmed(out, current);
  }
  return out;
}

function pushTrimmed(out: string[], text: string): void {
  const trimmed = text.trim();
  if (/[\p{L}\p{N}]/u.test(trimmed)) out.push(trimmed);
}

/** Words as IFEval counts them: runs of letters, digits and inner apostrophes or hyphens. */
export function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

/** Paragraphs: separated by a markdown divider (`***`) when the text uses one, else by blank lines. */
export function paragraphs(text: string, divider?: string): string[] {
  const parts = divider ? text.split(divider) : text.split(/\n\s*\n/);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const STOP = new Set(
  (
    'a an the and or but nor of in into to for with without by at as if than then so such that this ' +
    'these those it its be been being is are was were am do does did has have had i my we our you your they their them ' +
    'he she his her him what which who whom whose where when why how can could will would should may might must shall ' +
    'up down out over under via per also just only more most some other own same very too there here about from on ' +
    'not no never any all each every both either neither one s t'
  ).split(' '),
);

/** Stemmed words that carry content (no function words), lower-cased. */
export function contentStems(text: string): string[] {
  return words(text.toLowerCase())
    .filter((w) => !STOP.has(w) && !/^\d/.test(w))
    .map((w) => stemmer(w));
}

const NUMBER_WORDS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  hundred: 100,
  single: 1,
  once: 1,
  twice: 2,
  thrice: 3,
  a: 1,
  an: 1,
};

/** A count written in digits or words ("3", "three", "twice"); undefined when it is neither. */
export function parseCount(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  return NUMBER_WORDS[t];
}

/** The pattern source matching a count in digits or words (for building instruction patterns). */
export const COUNT = `(\\d+|${Object.keys(NUMBER_WORDS)
  .filter((w) => w.length > 2)
  .join('|')})`;

/** Numbers stated in a text, normalised ("1,200" → "1200", "3.50" → "3.5"); years and percentages included. */
export function numbers(text: string): string[] {
  const found = text.match(/(?<![\p{L}\d.])-?\d[\d,]*(?:\.\d+)?/gu) ?? [];
  return found.map((n) => String(Number(n.replace(/,/g, '')))).filter((n) => n !== 'NaN');
}

/** Whether a sentence is negated (not, no, never, n't, none, neither, nobody, nothing). */
export function isNegated(text: string): boolean {
  return /\b(?:not|no|never|none|neither|nor|nobody|nothing|cannot)\b|n['’]t\b/i.test(text);
}

/** Proper names: capitalised words that do not start a sentence, lower-cased. */
export function names(text: string): string[] {
  const out: string[] = [];
  for (const sentence of sentences(text)) {
    const ws = words(sentence);
    for (let i = 1; i < ws.length; i += 1) {
      if (/^\p{Lu}[\p{Ll}\p{Lu}]/u.test(ws[i]) && !STOP.has(ws[i].toLowerCase())) out.push(ws[i].toLowerCase());
    }
  }
  return out;
}

/** Shortens a unit's text for a rationale. */
export function quote(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return `"${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}"`;
}
