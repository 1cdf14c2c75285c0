// Vigil's feed reader (src/research/extract/feed.ts) against the maintained parsers `feedsmith` and
// `@rowanmanning/feed-parser` (issue 13 item 5). Each parser's first item is mapped to Vigil's fields
// with Vigil's own HTML-to-text and URL resolution, so only the parsing differs; a quirk case passes
// when title, link and summary all read as expected. Speed: parsing and mapping every item, best of
// BENCH_ROUNDS interleaved rounds over a 50-item full-content RSS feed and the same as Atom, as a ratio
// to Vigil's time.
// The wider comparison (Python feedparser's corpus, 518 files) is in README's design notes.
import { parseFeed as feedsmith } from 'feedsmith';
import { parseFeed as rowan } from '@rowanmanning/feed-parser';
import { parseFeed as vigil } from '../src/research/items/feed.js';
import { resolveUrl, toText } from '../src/research/items/feed-values.js';

type First = { title: string | null; link: string | null; summary: string | null };
const BASE = 'https://feeds.example.test/feed.xml';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const text = (v: unknown): string | null => (typeof v === 'string' ? toText(v, 'auto') : null);
/** Each parser's items mapped to Vigil's fields, in Vigil's order of preference (description before full content). */
const PARSERS: Record<string, (body: string) => First[]> = {
  vigil: (body) => (vigil(body, BASE)?.items ?? []).map((item) => ({ title: item.title, link: item.link, summary: item.summary })),
  feedsmith: (body) => {
    // feedsmith's item is a union over five feed formats: read loosely, as the comparison needs.
    /* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument */
    const { feed } = feedsmith(body) as { feed: { items?: Record<string, any>[]; entries?: Record<string, any>[] } };
    return (feed.items ?? feed.entries ?? []).map((item) => {
      const link = item.link ?? item.url ?? item.links?.find((l: { rel?: string }) => !l.rel || l.rel === 'alternate')?.href ?? null;
      const summary = item.description ?? item.summary ?? item.content_html ?? item.content_text ?? item.content?.encoded ?? item.content;
      return { title: text(item.title), link: resolveUrl(link, BASE), summary: text(typeof summary === 'string' ? summary : summary?.value) };
    });
  },
  /* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument */
  '@rowanmanning/feed-parser': (body) =>
    rowan(body).items.map((item) => ({ title: text(item.title), link: resolveUrl(item.url, BASE), summary: text(item.description ?? item.content) })),
};

const rss = (item: string, attrs = '') =>
  `<?xml version="1.0"?><rss version="2.0"${attrs}><channel><title>T</title><link>https://example.test/</link><item>${item}</item></channel></rss>`;
/** Real-world quirks, each with what a reader should make of its first item. */
const CASES: { name: string; body: string; expect: First }[] = [
  {
    name: 'RSS 2.0, CDATA markup, relative link',
    body: rss('<title><![CDATA[Acme <b>raises</b> B]]></title><link>/posts/1</link><description><![CDATA[<p>Big <em>news</em></p>]]></description>'),
    expect: { title: 'Acme raises B', link: 'https://feeds.example.test/posts/1', summary: 'Big news' },
  },
  {
    name: 'entity-encoded HTML in description',
    body: rss('<title>Release 2.1</title><link>https://e.test/r</link><description>Intro &lt;p&gt;Example&lt;/p&gt; tail</description>'),
    expect: { title: 'Release 2.1', link: 'https://e.test/r', summary: 'Intro Example tail' },
  },
  {
    name: 'no link, guid permalink',
    body: rss('<title>Guid only</title><guid>https://e.test/g</guid><description>x</description>'),
    expect: { title: 'Guid only', link: 'https://e.test/g', summary: 'x' },
  },
  {
    name: 'RSS 0.91, bad date',
    body: '<rss version="0.91"><channel><title>T</title><item><title>Old</title><link>https://e.test/o</link><description>d</description><pubDate>yesterday-ish</pubDate></item></channel></rss>',
    expect: { title: 'Old', link: 'https://e.test/o', summary: 'd' },
  },
  {
    name: 'RSS 1.0 (RDF)',
    body: '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>T</title></channel><item rdf:about="https://e.test/rdf"><title>RDF item</title><link>https://e.test/rdf</link><description>r</description></item></rdf:RDF>',
    expect: { title: 'RDF item', link: 'https://e.test/rdf', summary: 'r' },
  },
  {
    name: 'Atom, xhtml content, alternate among links',
    body: '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title type="html">A &lt;i&gt;new&lt;/i&gt; plan</title><link rel="edit" href="/e"/><link rel="alternate" href="https://e.test/a"/><id>urn:1</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hello <b>world</b></p></div></content></entry></feed>',
    expect: { title: 'A new plan', link: 'https://e.test/a', summary: 'Hello world' },
  },
  {
    name: 'JSON Feed',
    body: JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'T',
      items: [{ id: '1', url: '/j', title: 'Json', content_html: '<p>J <b>body</b></p>' }],
    }),
    expect: { title: 'Json', link: 'https://feeds.example.test/j', summary: 'J body' },
  },
  {
    name: 'content:encoded beside a short description',
    body: rss(
      '<title>Full</title><link>https://e.test/f</link><description>short</description><content:encoded><![CDATA[<p>The full text</p>]]></content:encoded>',
      ' xmlns:content="http://purl.org/rss/1.0/modules/content/"',
    ),
    expect: { title: 'Full', link: 'https://e.test/f', summary: 'short' },
  },
];

function correctness(name: string, parse: (body: string) => First[]): number {
  let passed = 0;
  for (const c of CASES) {
    let got: First | null = null;
    try {
      got = parse(c.body)[0] ?? null;
    } catch {
      /* a throw is a failure */
    }
    if (got && got.title === c.expect.title && got.link === c.expect.link && got.summary === c.expect.summary) passed += 1;
    else if (process.env.BENCH_VERBOSE) console.log(`  ${name} misses "${c.name}": ${JSON.stringify(got)}`);
  }
  return passed;
}

const para = 'Acme announced a new enterprise plan with per-seat pricing, audit logs and single sign-on for teams. '.repeat(40);
const rssBig = `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Big</title><link>https://e.test/</link>${Array.from(
  { length: 50 },
  (_, i) =>
    `<item><title>Post ${i} &amp; more</title><link>https://e.test/p/${i}</link><guid>p${i}</guid><pubDate>Mon, 23 Nov 2026 12:00:00 GMT</pubDate><description>${para.slice(0, 300)}</description><content:encoded><![CDATA[<p>${para}</p><p>${para}</p>]]></content:encoded></item>`,
).join('')}</channel></rss>`;
const atomBig = `<feed xmlns="http://www.w3.org/2005/Atom"><title>Big</title>${Array.from(
  { length: 50 },
  (_, i) =>
    `<entry><title>Post ${i}</title><link href="https://e.test/p/${i}"/><id>p${i}</id><updated>2026-11-23T12:00:00Z</updated><content type="html">&lt;p&gt;${para}&lt;/p&gt;</content></entry>`,
).join('')}</feed>`;

function best(parse: (body: string) => unknown, body: string): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < 5; i++) parse(body);
  return Number(process.hrtime.bigint() - start) / 5e6;
}

const times = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, parse] of Object.entries(PARSERS)) {
    for (const [feed, body] of [
      ['rss', rssBig],
      ['atom', atomBig],
    ] as const) {
      const key = `${name}\n${feed}`;
      times.set(key, Math.min(times.get(key) ?? Infinity, best(parse, body)));
    }
  }
}
console.log(
  `${CASES.length} quirk cases; 50-item feeds: RSS ${(rssBig.length / 1024).toFixed(0)} KB, Atom ${(atomBig.length / 1024).toFixed(0)} KB; best of ${ROUNDS} rounds`,
);
for (const [name, parse] of Object.entries(PARSERS)) {
  const speed = (['rss', 'atom'] as const).map((feed) => {
    const ms = times.get(`${name}\n${feed}`)!;
    return `${feed} ${ms.toFixed(2)} ms (vigil/this ${(times.get(`vigil\n${feed}`)! / ms).toFixed(2)})`;
  });
  console.log(`${name.padEnd(26)} quirks ${correctness(name, parse)}/${CASES.length}  ${speed.join('  ')}`);
}
