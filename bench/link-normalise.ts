// Link normalisation for item identity: Vigil's normaliseLink against `normalize-url` (issue 13 item 5).
// Prints, over a generated corpus of realistic links, how often each reading gives the same identity
// as Vigil's (a different one means every item seen before an upgrade is reported again once), how
// many tracking variants each merges, and the time per link, best of BENCH_ROUNDS interleaved rounds.
import normalizeUrl, { type Options } from 'normalize-url';
import { normaliseLink } from '../src/research/normalise.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TRACKING = [
  /^utm_/i,
  /^pk_/i,
  /^mtm_/i,
  /^hmb_/i,
  /^ga_/i,
  'fbclid',
  'gclid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  'ref',
  'ref_src',
  'source',
  '_hsenc',
  'mkt_tok',
  'igshid',
];

/** normalize-url set to today's rules (only what both agree identifies a resource), and with its own defaults. */
const SAME_RULES: Options = {
  stripHash: true,
  stripWWW: false,
  removeTrailingSlash: false,
  removeSingleSlash: false,
  stripAuthentication: false,
  normalizeProtocol: false,
  sortQueryParameters: true,
  removeQueryParameters: TRACKING,
};
const DEFAULTS: Options = { stripHash: true, removeQueryParameters: TRACKING };

function corpus(): { link: string; base: string }[] {
  const hosts = ['blog.example.test', 'www.news.example.test', 'Example.TEST:443', 'shop.example.test:8443'];
  const paths = ['/', '/2026/11/23/acme-raises-series-b/', '/posts/42', '/a//b/index.html', '/caf%C3%A9/menu', '/search', '/p/Hello%20World'];
  const queries = ['', '?id=7', '?b=2&a=1', '?utm_source=rss&utm_medium=feed', '?id=7&fbclid=abc', '?ref=tw&page=2', '?q=a+b&lang=en'];
  const out: { link: string; base: string }[] = [];
  for (const host of hosts)
    for (const path of paths)
      for (const query of queries)
        for (const hash of ['', '#comments']) {
          const base = `https://${host}${path}${query}`;
          out.push({ link: base + hash, base }, { link: `${base}${query ? '&' : '?'}utm_campaign=x${hash}`, base });
        }
  return out;
}

function time(fn: (link: string) => string, links: string[]): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) for (const link of links) fn(link);
  return Number(process.hrtime.bigint() - start) / (20 * links.length);
}

const links = corpus();
const sides: [string, (link: string) => string][] = [
  ['vigil normaliseLink', normaliseLink],
  ['normalize-url, same rules', (l) => normalizeUrl(l, SAME_RULES)],
  ['normalize-url, its defaults', (l) => normalizeUrl(l, DEFAULTS)],
];
const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of sides)
    best.set(
      name,
      Math.min(
        best.get(name) ?? Infinity,
        time(
          fn,
          links.map((l) => l.link),
        ),
      ),
    );
}
const floor = best.get('vigil normaliseLink')!;
console.log(`${links.length} links, best of ${ROUNDS} rounds`);
for (const [name, fn] of sides) {
  const agree = links.filter((l) => fn(l.link) === normaliseLink(l.link)).length;
  const merged = links.filter((l) => fn(l.link) === fn(l.base)).length;
  const ns = best.get(name)!;
  console.log(
    `${name.padEnd(28)} ${ns.toFixed(0).padStart(6)} ns/link  ratio to vigil ${(floor / ns).toFixed(2)}  ` +
      `same identity as vigil ${agree}/${links.length}  tracking variant merged ${merged}/${links.length}`,
  );
}
