import { franc } from 'franc-min';
import { listedTerms, occurrences, type Phrasing, REL, relation } from './instruction-kit.js';
import { COUNT, parseCount, words } from './text.js';

/** Instructions about wording: keywords, letters, case, language, punctuation, start and end, wrappers. */

/** Language names people write, with the ISO 639-3 code the detector answers. */
const LANGUAGES: Record<string, string> = {
  english: 'eng',
  french: 'fra',
  spanish: 'spa',
  german: 'deu',
  italian: 'ita',
  portuguese: 'por',
  dutch: 'nld',
  russian: 'rus',
  chinese: 'cmn',
  mandarin: 'cmn',
  japanese: 'jpn',
  korean: 'kor',
  arabic: 'arb',
  hindi: 'hin',
  bengali: 'ben',
  turkish: 'tur',
  polish: 'pol',
  ukrainian: 'ukr',
  swedish: 'swe',
  vietnamese: 'vie',
  thai: 'tha',
  indonesian: 'ind',
  persian: 'pes',
  farsi: 'pes',
  urdu: 'urd',
  tamil: 'tam',
  telugu: 'tel',
  marathi: 'mar',
  swahili: 'swh',
  greek: 'ell',
  hebrew: 'heb',
  czech: 'ces',
  romanian: 'ron',
  hungarian: 'hun',
  finnish: 'fin',
  danish: 'dan',
  norwegian: 'nob',
  kannada: 'kan',
  gujarati: 'guj',
  punjabi: 'pan',
  nepali: 'npi',
};
const LANGUAGE_NAMES = Object.keys(LANGUAGES).join('|');

/** Whether a text is in a language: `sure` is false when the text is too short to tell. */
function inLanguage(output: string, name: string): { followed: boolean; reason: string; sure: boolean } {
  const wanted = LANGUAGES[name.toLowerCase()];
  const found = franc(output, { minLength: 10 });
  if (found === 'und') return { followed: true, reason: `too short to tell whether it is ${name}`, sure: false };
  // Short texts are often mistaken for a close relative; only a long text's verdict is certain.
  const sure = words(output).length >= 15;
  return { followed: found === wanted, reason: found === wanted ? `written in ${name}` : `detected language ${found}, not ${name}`, sure };
}

const countRelation = (m1: string | undefined, fallback = 'at least') => relation(m1 ?? fallback);

export const WORDING_PHRASINGS: Phrasing[] = [
  {
    type: 'keywords:forbidden_words',
    pattern:
      /\b(?:do not|don't|never|must not|should not)\s+(?:include|use|say|mention|write)\s+(?:the\s+|any\s+(?:of\s+the\s+)?)?(?:key)?(?:words?|terms?|phrases?)\s*:?\s*([^.\n]+)|\b(?:without\s+(?:using|mentioning|saying)|avoid(?:\s+using)?)\s+(?:the\s+|any\s+(?:of\s+the\s+)?)?(?:key)?(?:words?|terms?|phrases?)\s*:?\s*([^.\n]+)/gi,
    build: (m) => {
      const terms = listedTerms(m[1] ?? m[2]);
      if (terms.length === 0) return undefined;
      return {
        check: (o) => {
          const used = terms.filter((t) => occurrences(o, t) > 0);
          return {
            followed: used.length === 0,
            reason: used.length ? `uses forbidden ${used.map((t) => `"${t}"`).join(', ')}` : `avoids ${terms.map((t) => `"${t}"`).join(', ')}`,
          };
        },
      };
    },
  },
  {
    type: 'keywords:frequency',
    pattern: new RegExp(
      `\\b(?:the\\s+)?(?:word|term|phrase|keyword)\\s+["'“‘]?([\\p{L}\\p{N}' -]{1,40}?)["'”’]?\\s+(?:should|must|needs? to|has to)\\s+(?:appear|occur|be used)\\s+(?:${REL}\\s+)?${COUNT}(?:\\s+times?)?|\\b(?:use|mention|include|repeat)\\s+the\\s+(?:word|term|phrase|keyword)\\s+["'“‘]?([\\p{L}\\p{N}' -]{1,40}?)["'”’]?\\s+(?:${REL}\\s+)?${COUNT}(?:\\s+times?)?\\b`,
      'giu',
    ),
    build: (m) => {
      const word = (m[1] ?? m[4]).trim();
      const wanted = parseCount(m[3] ?? m[6]);
      if (!word || wanted === undefined) return undefined;
      const rel = relation(m[2] ?? m[5]);
      return {
        check: (o) => {
          const n = occurrences(o, word);
          return { followed: rel.test(n, wanted), reason: `"${word}" appears ${n} times (wanted ${rel.label} ${wanted})` };
        },
      };
    },
  },
  {
    type: 'keywords:letter_frequency',
    pattern: new RegExp(
      `\\b(?:the\\s+)?letter\\s+["'“‘]?(\\p{L})["'”’]?\\s+(?:should|must|needs? to|to)?\\s*(?:appear|occur|be used)?\\s*(?:${REL}\\s+)?${COUNT}\\s+times?`,
      'giu',
    ),
    build: (m) => {
      const letter = m[1].toLowerCase();
      const wanted = parseCount(m[3]);
      if (wanted === undefined) return undefined;
      const rel = countRelation(m[2], 'exactly');
      return {
        check: (o) => {
          const n = Array.from(o.toLowerCase()).filter((c) => c === letter).length;
          return { followed: rel.test(n, wanted), reason: `the letter "${letter}" appears ${n} times (wanted ${rel.label} ${wanted})` };
        },
      };
    },
  },
  {
    type: 'keywords:existence',
    pattern:
      /\b(?:include|use|mention|incorporate)\s+(?:the\s+)?(?:following\s+)?(?:key)?(?:words?|terms?|phrases?)\s*:?\s*([^.\n]+)|\b(?:key)?words?\s+((?:["“'][^"”']+["”'][,\s]*(?:and\s+)?)+)\s*(?:should|must)\s+(?:appear|be included)/gi,
    build: (m) => {
      const terms = listedTerms((m[1] ?? m[2]).replace(/\s+(?:in|into|within)\s+(?:your|the)\s+(?:response|answer|output).*$/i, ''));
      if (terms.length === 0) return undefined;
      return {
        check: (o) => {
          const missing = terms.filter((t) => occurrences(o, t) === 0);
          return {
            followed: missing.length === 0,
            reason: missing.length ? `missing ${missing.map((t) => `"${t}"`).join(', ')}` : `includes ${terms.map((t) => `"${t}"`).join(', ')}`,
          };
        },
      };
    },
  },
  {
    type: 'language:response_language',
    pattern: new RegExp(
      `\\b(?:(?:response|answer|reply|output|text)\\s+(?:should|must|has to|needs to)\\s+be\\s+(?:written\\s+)?(?:only\\s+|entirely\\s+)?in|(?:respond|answer|reply|write)\\s+(?:only\\s+|entirely\\s+)?in|using\\s+only)\\s+(?:the\\s+)?(${LANGUAGE_NAMES})\\b(?!\\s*,?\\s*and\\s+in\\s+all)`,
      'gi',
    ),
    build: (m) => ({ check: (o) => inLanguage(o, m[1]) }),
  },
  {
    type: 'change_case:english_capital',
    pattern: /\b(?:in\s+)?(?:all\s+)?(?:capital\s+letters|caps|uppercase|upper\s+case)(?:\s+only)?\b/gi,
    build: (m, prompt) => {
      const context = prompt.slice(Math.max(0, m.index - 80), m.index + m[0].length + 10);
      if (!/\b(entire|whole|all|only|respond|answer|write|response)\b/i.test(context) || /words?\s+with\s+all\s+capital/i.test(context)) return undefined;
      return { check: (o) => ({ followed: o === o.toUpperCase(), reason: o === o.toUpperCase() ? 'all capital letters' : 'contains lower-case letters' }) };
    },
  },
  {
    type: 'change_case:english_lowercase',
    pattern: /\b(?:all\s+)?(?:lowercase|lower\s+case)(?:\s+letters)?\b|\bno\s+capital\s+letters\s+are\s+allowed/gi,
    build: () => ({ check: (o) => ({ followed: o === o.toLowerCase(), reason: o === o.toLowerCase() ? 'all lower-case' : 'contains capital letters' }) }),
  },
  {
    type: 'change_case:capital_word_frequency',
    pattern: new RegExp(
      `\\bwords?\\s+(?:with|in)\\s+all\\s+capital\\s+letters\\s+(?:should|must)\\s+appear\\s+(?:${REL}\\s+)?${COUNT}\\s+times|\\buse\\s+(?:${REL}\\s+)?${COUNT}\\s+words?\\s+in\\s+all\\s+(?:caps|capital\\s+letters)`,
      'gi',
    ),
    build: (m) => {
      const wanted = parseCount(m[2] ?? m[4]);
      if (wanted === undefined) return undefined;
      const rel = countRelation(m[1] ?? m[3]);
      return {
        check: (o) => {
          const n = words(o).filter((w) => /\p{L}/u.test(w) && w === w.toUpperCase() && w.length > 1).length;
          return { followed: rel.test(n, wanted), reason: `${n} all-capital words (wanted ${rel.label} ${wanted})` };
        },
      };
    },
  },
  {
    type: 'punctuation:no_comma',
    pattern:
      /\b(?:refrain\s+from\s+(?:the\s+use\s+of\s+|using\s+)?(?:any\s+)?commas|(?:do\s+not|don't|never)\s+use\s+(?:any\s+)?commas|without\s+(?:using\s+)?(?:any\s+)?commas|no\s+commas)\b/gi,
    build: () => ({
      check: (o) => {
        const n = (o.match(/[,，]/g) ?? []).length;
        return { followed: n === 0, reason: n ? `${n} comma(s)` : 'no commas' };
      },
    }),
  },
  {
    type: 'startend:quotation',
    pattern:
      /\b(?:wrap|enclose|surround)\s+(?:your\s+)?(?:entire\s+|whole\s+)?(?:response|answer|output)\s+(?:with|in|within)\s+(?:double\s+)?quot(?:ation\s+marks|es)/gi,
    build: () => ({
      check: (o) => {
        const t = o.trim();
        const ok = t.length > 1 && /^["“]/.test(t) && /["”]$/.test(t);
        return { followed: ok, reason: ok ? 'wrapped in double quotation marks' : 'not wrapped in double quotation marks' };
      },
    }),
  },
  {
    type: 'startend:end_checker',
    pattern:
      /\b(?:finish|end|conclude)\s+(?:your\s+)?(?:response|answer|reply|email|letter|essay|story)?\s*with\s+(?:this|the)?\s*(?:exact\s+)?(?:phrase|sentence|words?|line)?\s*:?\s*(?:["“]([^"”]+)["”]|(.+?)(?=\.\s*No other words|\s*$))/gim,
    build: (m) => {
      const phrase = (m[1] ?? m[2] ?? '').trim();
      if (!phrase) return undefined;
      return {
        check: (o) => {
          const ok = o.trim().toLowerCase().endsWith(phrase.toLowerCase());
          return { followed: ok, reason: ok ? `ends with "${phrase}"` : `does not end with "${phrase}"` };
        },
      };
    },
  },
  {
    type: 'startend:start_checker',
    pattern:
      /\b(?:start|begin)\s+(?:your\s+)?(?:response|answer|reply)\s+with\s+(?:the\s+)?(?:exact\s+)?(?:phrase|word|words|sentence)?\s*:?\s*["“']([^"”']+)["”']/gi,
    build: (m) => {
      const phrase = m[1].trim();
      return {
        check: (o) => {
          const ok = o.trim().toLowerCase().startsWith(phrase.toLowerCase());
          return { followed: ok, reason: ok ? `starts with "${phrase}"` : `does not start with "${phrase}"` };
        },
      };
    },
  },
  {
    type: 'detectable_content:postscript',
    pattern: /\bpostscript\s+(?:starting|beginning)\s+with\s+["“]?(P\.\s?P\.\s?S|P\.\s?S)\.?|\badd\s+a\s+(P\.\s?S)\.?/gi,
    build: (m) => {
      const marker = (m[1] ?? m[2]).replace(/\s/g, '');
      const pattern = new RegExp(`^\\s*${marker.replace(/\./g, '\\.\\s?')}`, 'im');
      return {
        check: (o) => {
          const ok = pattern.test(o);
          return { followed: ok, reason: ok ? `has a postscript starting with ${marker}` : `no postscript starting with ${marker}` };
        },
      };
    },
  },
  {
    type: 'detectable_content:number_placeholders',
    pattern: new RegExp(`(?:${REL}\\s+)?${COUNT}\\s+placeholders?`, 'gi'),
    build: (m) => {
      const wanted = parseCount(m[2]);
      if (wanted === undefined) return undefined;
      const rel = countRelation(m[1]);
      return {
        check: (o) => {
          const n = (o.match(/\[[^\][]+\]/g) ?? []).length;
          return { followed: rel.test(n, wanted), reason: `${n} [placeholders] (wanted ${rel.label} ${wanted})` };
        },
      };
    },
  },
  {
    type: 'detectable_format:constrained_response',
    pattern:
      /\banswer\s+with\s+one\s+of\s+the\s+following\s+options\s*:?\s*\(?([^\n]+?)\)?(?:\.?\s*$|\n)|\b(?:answer|respond|reply)\s+(?:with\s+)?(?:only|just)?\s*(?:with\s+)?["'“]?yes["'”]?\s+or\s+["'“]?no["'”]?/gim,
    build: (m) => {
      const options = m[1] ? listedTerms(m[1].replace(/[()]/g, '')) : ['yes', 'no'];
      if (options.length < 2) return undefined;
      return {
        check: (o) => {
          const t = o.trim().toLowerCase();
          const hits = options.filter((opt) => (m[1] ? t.includes(opt.toLowerCase()) : new RegExp(`^\\W*${opt}\\b`).test(t)));
          return {
            followed: hits.length === 1,
            reason:
              hits.length === 1
                ? `answers "${hits[0]}"`
                : `answers ${hits.length} of the options ${options.map((x) => `"${x}"`).join(', ')} (wanted exactly one)`,
          };
        },
      };
    },
  },
];
