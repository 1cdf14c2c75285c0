/** Detectors of personal data and secrets in text, each validated where a checksum exists. */

/** One finding: what kind, how severe (0–3, DeepRails' scale), and the text found (masked). */
export interface Finding {
  category: string;
  severity: 0 | 1 | 2 | 3;
  what: string;
}

function mask(text: string): string {
  const flat = text.replace(/\s+/g, '');
  return flat.length <= 6 ? '***' : `${flat.slice(0, 3)}…${flat.slice(-2)}`;
}

/** The Luhn checksum that every payment card number satisfies. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The ISO 13616 mod-97 check of an IBAN. */
export function ibanValid(iban: string): boolean {
  const s = iban.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(s)) return false;
  const moved = (s.slice(4) + s.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const ch of moved) rest = (rest * 10 + Number(ch)) % 97;
  return rest === 1;
}

interface Detector {
  category: string;
  severity: Finding['severity'];
  pattern: RegExp;
  valid?: (m: string) => boolean;
  label: string;
}

const DETECTORS: Detector[] = [
  { label: 'private key', category: 'pii', severity: 3, pattern: /-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----/g },
  { label: 'AWS access key', category: 'pii', severity: 3, pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { label: 'API key', category: 'pii', severity: 3, pattern: /\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,}\b/g },
  { label: 'GitHub token', category: 'pii', severity: 3, pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g },
  { label: 'Slack token', category: 'pii', severity: 3, pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g },
  { label: 'credential', category: 'pii', severity: 3, pattern: /\b(?:api[_-]?key|secret|password|passwd|token)\s*[:=]\s*["']?[^\s"']{8,}/gi },
  { label: 'JSON web token', category: 'pii', severity: 2, pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    label: 'payment card number',
    category: 'pii',
    severity: 3,
    pattern: /\b(?:\d[ -]?){12,18}\d\b/g,
    valid: (m) => {
      const d = m.replace(/\D/g, '');
      return d.length >= 13 && d.length <= 19 && luhn(d) && !/^(\d)\1+$/.test(d);
    },
  },
  { label: 'IBAN', category: 'pii', severity: 3, pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g, valid: ibanValid },
  { label: 'US social security number', category: 'pii', severity: 3, pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  { label: 'UK national insurance number', category: 'pii', severity: 3, pattern: /\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g },
  { label: 'email address', category: 'pii', severity: 2, pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  {
    label: 'phone number',
    category: 'pii',
    severity: 2,
    pattern: /(?<![\w-]|\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}\b(?![ .-]\d)/g,
    valid: (m) => {
      const n = m.replace(/\D/g, '').length;
      return n >= 9 && n <= 13;
    },
  },
  {
    label: 'street address',
    category: 'pii',
    severity: 2,
    pattern: /\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace)\b\.?/g,
  },
];

/** Personal data and secrets found in a text, each span reported once (by the first detector that claims it). */
export function findPii(text: string): Finding[] {
  const out: Finding[] = [];
  const taken: [number, number][] = [];
  for (const d of DETECTORS) {
    for (const m of text.matchAll(d.pattern)) {
      if (d.valid && !d.valid(m[0])) continue;
      const [from, to] = [m.index, m.index + m[0].length];
      // Detectors run most specific first; a phone-shaped run inside a card number is the card.
      if (taken.some(([a, b]) => from < b && a < to)) continue;
      taken.push([from, to]);
      out.push({ category: d.category, severity: d.severity, what: `${d.label} ${mask(m[0].trim())}` });
    }
  }
  return out;
}
