/**
 * Normalisation for item identity: links that differ only in tracking parameters are one link, and
 * text that differs only in volatile tokens (dates, clock times, "3 minutes ago") is one text.
 */

/** Query parameters that track a click rather than name a resource. */
const TRACKING_PARAMS: ReadonlySet<string> = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  'ref',
  'ref_src',
  'ref_url',
  'referrer',
  'source',
  'campaign',
  '_hsenc',
  '_hsmi',
  'hsctatracking',
  'mkt_tok',
  'spm',
  'share',
  'cmpid',
  'ocid',
  'ito',
  'vero_id',
  'oly_enc_id',
  'oly_anon_id',
  'rb_clickid',
  's_cid',
  'at_medium',
  'at_campaign',
]);
const TRACKING_PREFIXES = ['utm_', 'pk_', 'mtm_', 'hmb_', 'ga_'];

/**
 * A link's identity: scheme and host lower-cased, default port, fragment and tracking parameters
 * (`utm_*`, `fbclid`, `gclid`, `mc_cid`, `ref`…) dropped, remaining parameters sorted; unparsable
 * links come back trimmed.
 */
export function normaliseLink(link: string): string {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    return link.trim();
  }
  url.hash = '';
  const kept = [...url.searchParams.entries()]
    .filter(([name]) => !isTracking(name.toLowerCase()))
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  url.search = new URLSearchParams(kept).toString();
  // new URL already lower-cases scheme and host and drops a default port.
  return url.href.replace(/\?$/, '');
}

function isTracking(name: string): boolean {
  return TRACKING_PARAMS.has(name) || TRACKING_PREFIXES.some((prefix) => name.startsWith(prefix));
}

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const DAYS = 'mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?';
const UNITS = 'sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|days?|weeks?|months?|years?|[smhdw]';

/** Tokens that change on every load of a page without its content changing; all hold a digit. */
const VOLATILE_NUMERIC: RegExp[] = [
  /\b\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?\b/g,
  /\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*(?:utc|gmt|[a-z]{2,4}t))?\b/g,
  new RegExp(`\\b(?:(?:${DAYS}),?\\s+)?(?:${MONTHS})\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?\\b`, 'g'),
  new RegExp(`\\b(?:(?:${DAYS}),?\\s+)?\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${MONTHS})\\.?(?:,?\\s+\\d{4})?\\b`, 'g'),
  /\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/g,
];
/** Volatile tokens made of words. */
const VOLATILE_WORDS: RegExp[] = [
  new RegExp(`\\b(?:\\d+|an?|one|few|several)\\s*(?:${UNITS})\\s+ago\\b`, 'g'),
  /\b(?:just now|moments? ago|yesterday|today|tonight|last (?:night|week|month))\b/g,
  new RegExp(`\\b(?:${DAYS})\\b`, 'g'),
];
const HAS_DIGIT = /\d/;
const HAS_VOLATILE_WORD = /ago\b|now\b|day\b|night\b|week\b|month\b|\b(?:mon|tue|wed|thu|fri|sat|sun)/;

/** Words left behind once volatile tokens are gone, which alone say nothing ("Last updated: …"). */
const DATELINE_WORDS =
  /^(?:last|updated|update|modified|posted|published|edited|generated|refreshed|as|of|at|on|by|time|date|now|current|server|local|page|rendered|loaded|cached|retrieved|utc|gmt|am|pm)$/;

/** Lower-cased text with volatile tokens (dates, clock times, relative times) removed and whitespace collapsed. */
export function stableText(text: string): string {
  let out = text.toLowerCase().normalize('NFKC');
  // Most blocks hold neither digits nor date words: skip the patterns that cannot match.
  if (HAS_DIGIT.test(out)) for (const pattern of VOLATILE_NUMERIC) out = out.replace(pattern, ' ');
  if (HAS_VOLATILE_WORD.test(out)) for (const pattern of VOLATILE_WORDS) out = out.replace(pattern, ' ');
  return out.replace(/\s+/g, ' ').trim();
}

/** Runs of letters and digits of stableText(text). */
export function stableWords(text: string): string[] {
  return stableText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** True when text is nothing but a dateline ("Updated 3 minutes ago", "Last modified: 12:04 UTC"). */
export function isDateline(text: string): boolean {
  return stableWords(text).every((word) => DATELINE_WORDS.test(word));
}
