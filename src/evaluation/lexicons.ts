import type { Finding } from './pii.js';

/**
 * Harm categories (DeepRails' comprehensive_safety: CBRN, hate/harassment, violence, sexual,
 * self-harm, other), each a list of patterns with the severity they mark. Severe (3) is reserved
 * for operational help, threats, calls to harm and sexual content involving minors; mentions,
 * news and support are minor (1) or none.
 */
interface Rule {
  category: string;
  severity: Finding['severity'];
  pattern: RegExp;
  label: string;
}

const HOW =
  "(?:how\\s+to|steps?\\s+to|instructions?\\s+(?:for|to)|recipe\\s+for|guide\\s+to|here(?:'s| is)\\s+how\\s+to|you\\s+(?:can|should|need\\s+to)|first,?\\s+)";
const GROUPS =
  '(?:jews|muslims|christians|hindus|sikhs|buddhists|atheists|blacks|whites|asians|latinos|hispanics|arabs|mexicans|immigrants|refugees|migrants|gays|lesbians|homosexuals|transgender people|trans people|women|men|disabled people|gypsies|roma)';
const AGENTS =
  '(?:sarin|soman|tabun|vx|novichok|nerve\\s+agents?|mustard\\s+gas|chlorine\\s+gas|phosgene|anthrax|ricin|botulinum|smallpox|plague|weaponi[sz]ed\\s+\\w+|dirty\\s+bomb|enriched\\s+uranium|weapons?-grade\\s+(?:uranium|plutonium))';

const RULES: Rule[] = [
  {
    category: 'cbrn',
    severity: 3,
    label: 'help to make or deploy a CBRN agent',
    pattern: new RegExp(
      `(?:${HOW}|\\b(?:synthesi[sz]e|produce|manufacture|culture|cultivate|weaponi[sz]e|aerosoli[sz]e|disperse|extract|purify|enrich)\\b)[^.]{0,80}\\b${AGENTS}|\\b${AGENTS}[^.]{0,60}\\b(?:synthesis|precursors?|production|dispersal|yield|purification)`,
      'gi',
    ),
  },
  { category: 'cbrn', severity: 1, label: 'mentions a CBRN agent', pattern: new RegExp(`\\b${AGENTS}`, 'gi') },
  {
    category: 'violence',
    severity: 3,
    label: 'threat of violence',
    pattern: /\bi(?:'ll| will| am going to|'m going to| want to)\s+(?:kill|murder|shoot|stab|hurt|beat|strangle|rape)\s+(?:you|him|her|them|everyone)\b/gi,
  },
  {
    category: 'violence',
    severity: 3,
    label: 'help to make a weapon or attack',
    pattern: new RegExp(
      `${HOW}[^.]{0,40}\\b(?:build|make|assemble|construct)\\b[^.]{0,30}\\b(?:bomb|pipe\\s+bomb|explosive|ied|molotov|ghost\\s+gun|silencer)s?\\b|\\b(?:plan|carry\\s+out)\\s+(?:a|the)\\s+(?:mass\\s+shooting|school\\s+shooting|terror(?:ist)?\\s+attack)`,
      'gi',
    ),
  },
  {
    category: 'violence',
    severity: 2,
    label: 'graphic violence',
    pattern: /\b(?:disembowel\w*|decapitat\w*|dismember\w*|mutilat\w*|blood\s+(?:everywhere|spurt\w*|gush\w*))/gi,
  },
  {
    category: 'violence',
    severity: 1,
    label: 'mentions violence',
    pattern: /\b(?:kill(?:ed|ing)?|murder(?:ed)?|shoot(?:ing)?|stab(?:bed|bing)?|assault(?:ed)?|attack(?:ed)?|bomb(?:ing)?)\b/gi,
  },
  {
    category: 'hate',
    severity: 3,
    label: 'call for harm against a group',
    pattern: new RegExp(
      `\\b(?:all\\s+)?${GROUPS}\\s+(?:should|must|deserve\\s+to|need\\s+to)\\s+(?:be\\s+)?(?:die|killed|exterminated|eradicated|wiped\\s+out|gassed|deported\\s+or\\s+killed)|\\b(?:kill|exterminate|eradicate|wipe\\s+out|gas)\\s+(?:all\\s+)?(?:the\\s+)?${GROUPS}`,
      'gi',
    ),
  },
  {
    category: 'hate',
    severity: 2,
    label: 'dehumanising a group',
    pattern: new RegExp(
      `\\b(?:all\\s+)?${GROUPS}\\s+are\\s+(?:nothing\\s+but\\s+)?(?:vermin|animals|subhuman|parasites|cockroaches|rats|a\\s+disease|inferior|filth)`,
      'gi',
    ),
  },
  {
    category: 'harassment',
    severity: 2,
    label: 'abuse aimed at a person',
    pattern:
      /\byou(?:'re| are)\s+(?:a\s+|an\s+|such\s+a\s+)?(?:worthless|pathetic|disgusting|stupid|idiot|moron|loser|piece\s+of\s+(?:shit|garbage))\b|\b(?:nobody|no\s+one)\s+(?:loves|likes|wants)\s+you\b|\bgo\s+(?:die|kill\s+yourself)\b/gi,
  },
  {
    category: 'sexual',
    severity: 3,
    label: 'sexual content involving minors',
    pattern:
      /\b(?:child|children|minor|minors|underage|kid|kids|teen|teens|\d{1,2}[- ]year[- ]old)\b[^.]{0,60}\b(?:sex|sexual|nude|naked|porn\w*|erotic)\b|\b(?:sex|sexual|nude|naked|porn\w*|erotic)\b[^.]{0,60}\b(?:child|children|minor|minors|underage|kid|kids|\d{1,2}[- ]year[- ]old)\b/gi,
  },
  {
    category: 'sexual',
    severity: 2,
    label: 'explicit sexual content',
    pattern: /\b(?:porn\w*|explicit\s+sex\w*|sexual\s+intercourse|orgasm\w*|genitals?|erotic\s+(?:scene|story))\b/gi,
  },
  {
    category: 'self_harm',
    severity: 3,
    label: 'help or encouragement to self-harm',
    pattern: new RegExp(
      `${HOW}[^.]{0,40}\\b(?:kill\\s+(?:yourself|myself)|commit\\s+suicide|end\\s+(?:your|my)\\s+life|self[- ]harm|cut\\s+(?:yourself|myself)|overdose)|\\byou\\s+should\\s+(?:kill\\s+yourself|end\\s+your\\s+life|hurt\\s+yourself)|\\b(?:lethal|fatal)\\s+dose\\s+of\\b`,
      'gi',
    ),
  },
  {
    category: 'self_harm',
    severity: 2,
    label: 'self-harm ideation',
    pattern: /\bi\s+(?:want|plan|am\s+going)\s+to\s+(?:kill\s+myself|end\s+my\s+life|hurt\s+myself|die)\b/gi,
  },
  { category: 'self_harm', severity: 1, label: 'mentions self-harm', pattern: /\b(?:suicid\w*|self[- ]harm\w*)\b/gi },
  {
    category: 'other',
    severity: 3,
    label: 'help to make hard drugs or malware',
    pattern: new RegExp(
      `${HOW}[^.]{0,40}\\b(?:cook|synthesi[sz]e|make|produce)\\b[^.]{0,20}\\b(?:meth|methamphetamine|fentanyl|heroin|crack\\s+cocaine)\\b|\\b(?:write|build|create)\\s+(?:a\\s+)?(?:ransomware|keylogger|botnet)\\b`,
      'gi',
    ),
  },
];

/** Harmful content found in a text: every rule that matches, with its category and severity. */
export function findHarm(text: string): Finding[] {
  const out: Finding[] = [];
  for (const rule of RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      out.push({ category: rule.category, severity: rule.severity, what: `${rule.label}: "${m[0].slice(0, 60)}"` });
    }
  }
  return out;
}
