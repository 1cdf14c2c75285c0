import { countPhrasings, folded, type Phrasing, REL, relation } from './instruction-kit.js';
import { COUNT, paragraphs, parseCount, sentences, words } from './text.js';

/** Instructions about length and layout: words, sentences, paragraphs, bullets, sections, JSON, titles. */

const BULLET = /^\s*(?:[*\-•+]|\d+[.)])\s+\S/;
const bullets = (output: string) => output.split('\n').filter((line) => BULLET.test(line) && !/^\s*\*\*/.test(line)).length;
const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

function dividerIn(prompt: string): string | undefined {
  return /\*\*\*/.test(prompt) && /divider|separated/i.test(prompt) ? '***' : undefined;
}

function stripFence(output: string): string {
  return output
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/```$/, '')
    .trim();
}

export const STRUCTURE_PHRASINGS: Phrasing[] = [
  ...countPhrasings('length_constraints:number_words', 'words?', (o) => words(o).length, 'words'),
  ...countPhrasings('length_constraints:number_sentences', 'sentences?', (o) => sentences(o).length, 'sentences'),
  ...countPhrasings('length_constraints:number_characters', 'characters?', (o) => o.trim().length, 'characters'),
  ...countPhrasings('detectable_format:number_bullet_lists', '(?:markdown\\s+)?bullet(?:\\s+points?|s|\\s+lists?)?', bullets, 'bullet points'),
  {
    type: 'length_constraints:number_sentences',
    pattern: /\b(?:in|with|using) (?:a single|one|just one|only one) sentence\b/gi,
    build: () => ({
      check: (o) => {
        const n = sentences(o).length;
        return { followed: n === 1, reason: `${n} sentences (wanted exactly 1)` };
      },
    }),
  },
  {
    type: 'length_constraints:number_paragraphs',
    pattern: new RegExp(`(?:\\b${REL}\\s+)?(?<![\\w-])${COUNT}\\s+paragraphs?`, 'gi'),
    build: (m, prompt) => {
      const wanted = parseCount(m[2]);
      if (wanted === undefined || /^an?$/i.test(m[2])) return undefined;
      const rel = relation(m[1]);
      return {
        check: (o) => {
          const n = paragraphs(o, dividerIn(prompt)).length;
          return { followed: rel.test(n, wanted), reason: `${n} paragraphs (wanted ${rel.label} ${wanted})` };
        },
      };
    },
  },
  {
    type: 'length_constraints:nth_paragraph_first_word',
    pattern: new RegExp(
      `\\b(${ORDINALS.join('|')}|\\d+(?:st|nd|rd|th))\\s+paragraph\\s+(?:must|should|has to|needs to)\\s+(?:start|begin)\\s+with\\s+(?:the\\s+)?(?:word\\s+)?["'“]?([\\p{L}\\p{N}'-]+)`,
      'giu',
    ),
    build: (m, prompt) => {
      const ordinal = ORDINALS.indexOf(m[1].toLowerCase());
      const index = ordinal >= 0 ? ordinal : parseInt(m[1], 10) - 1;
      const word = m[2].toLowerCase();
      return {
        check: (o) => {
          const paragraph = paragraphs(o, dividerIn(prompt))[index];
          const first = paragraph ? (words(paragraph)[0] ?? '').toLowerCase() : undefined;
          if (first === undefined) return { followed: false, reason: `there is no paragraph ${index + 1}` };
          return { followed: first === word, reason: `paragraph ${index + 1} starts with "${first}" (wanted "${word}")` };
        },
      };
    },
  },
  {
    type: 'detectable_format:number_highlighted_sections',
    pattern: new RegExp(`\\bhighlight\\s+(?:${REL}\\s+)?${COUNT}\\s+(?:sections?|parts?|phrases?)`, 'gi'),
    build: (m) => {
      const wanted = parseCount(m[2]);
      if (wanted === undefined) return undefined;
      const rel = m[1] ? relation(m[1]) : relation('at least');
      return {
        check: (o) => {
          const n = (o.match(/\*[^\n*]+\*/g) ?? []).filter((h) => h.replace(/\*/g, '').trim()).length;
          return { followed: rel.test(n, wanted), reason: `${n} highlighted sections (wanted ${rel.label} ${wanted})` };
        },
      };
    },
  },
  {
    type: 'detectable_format:multiple_sections',
    pattern: new RegExp(`${COUNT}\\s+sections?[^.]*?\\.?\\s*mark the beginning of each section with\\s+["'“]?([\\p{L}]+)`, 'giu'),
    build: (m) => {
      const wanted = parseCount(m[1]);
      if (wanted === undefined) return undefined;
      const splitter = m[2];
      return {
        check: (o) => {
          const n = (o.match(new RegExp(`\\b${splitter}\\s+\\d+`, 'g')) ?? []).length;
          return { followed: n === wanted, reason: `${n} sections marked "${splitter} X" (wanted ${wanted})` };
        },
      };
    },
  },
  {
    type: 'detectable_format:json_format',
    pattern:
      /\b(?:(?:wrap|format|write|give|return|provide)[^.]{0,40}\b(?:in|as|using)\s+(?:valid\s+)?json\b|(?:respond|answer|reply|output)\s+(?:only\s+)?(?:in|with|using)\s+(?:valid\s+)?json\b|\bin\s+json\s+format\b)/gi,
    build: () => ({
      check: (o) => {
        try {
          JSON.parse(stripFence(o));
          return { followed: true, reason: 'the output parses as JSON' };
        } catch (err) {
          return { followed: false, reason: `the output is not valid JSON (${(err as Error).message.slice(0, 60)})` };
        }
      },
    }),
  },
  {
    type: 'detectable_format:title',
    pattern: /\btitle[^.]{0,60}(?:double angular brackets|<<)/gi,
    build: () => ({
      check: (o) => {
        const title = /<<([^\n<>]+)>>/.exec(o);
        return title ? { followed: true, reason: `title <<${title[1]}>>` } : { followed: false, reason: 'no title in <<double angular brackets>>' };
      },
    }),
  },
  {
    type: 'combination:two_responses',
    pattern: /\b(?:give|provide|write)\s+two\s+(?:different\s+)?(?:responses|answers|versions)/gi,
    build: () => ({
      check: (o) => {
        const parts = o.split('******').map((p) => p.trim());
        const ok = parts.length === 2 && parts.every(Boolean) && folded(parts[0]) !== folded(parts[1]);
        return {
          followed: ok,
          reason: ok
            ? 'two different responses separated by ******'
            : `${parts.filter(Boolean).length} part(s) separated by ****** (wanted two different ones)`,
        };
      },
    }),
  },
  {
    type: 'combination:repeat_prompt',
    pattern: /\bfirst,?\s+repeat\s+the\s+(?:request|question|prompt|instruction)s?\b/gi,
    build: (m, prompt) => {
      const request = prompt.slice(0, m.index).trim();
      if (!request) return undefined;
      return {
        check: (o) => {
          const ok = folded(o).startsWith(folded(request));
          return {
            followed: ok,
            reason: ok ? 'the output starts with the request, word for word' : 'the output does not start with the request repeated word for word',
          };
        },
      };
    },
  },
];
