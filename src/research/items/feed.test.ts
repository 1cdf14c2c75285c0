import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeed, type FeedItem } from './feed.js';

const RSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Example Engineering &amp; Design</title>
  <link>https://blog.example.com/</link>
  <atom:link href="https://blog.example.com/feed.xml" rel="self" type="application/rss+xml"/>
  <description>Posts from the team</description>
  <item>
    <title><![CDATA[Async Rust: <em>Tokio</em> vs smol]]></title>
    <link>/2024/05/async-rust</link>
    <guid isPermaLink="false">0042</guid>
    <pubDate>Tue, 14 May 2024 09:30:00 +0200</pubDate>
    <dc:creator><![CDATA[Jane Doe]]></dc:creator>
    <description><![CDATA[<p>We compare <strong>two runtimes</strong>.</p><p>Spoiler&nbsp;&mdash; both
      work.</p><script>alert(1)</script>]]></description>
    <content:encoded><![CDATA[<p>Full text that should not win over the description</p>]]></content:encoded>
  </item>
  <item>
    <title>Q&amp;A: what&#8217;s next?</title>
    <guid>https://blog.example.com/2024/05/qa</guid>
    <pubDate>not a real date</pubDate>
    <author>ops@example.com (Ops Team)</author>
    <description></description>
    <content:encoded><![CDATA[<h2>Heading</h2><p>Body text.</p>]]></content:encoded>
  </item>
  <item>
    <title>Escaped &lt;b&gt;bold&lt;/b&gt; title</title>
    <link>javascript:alert(1)</link>
    <description>&lt;p&gt;AT&amp;amp;T &amp;lt;3&lt;/p&gt;</description>
  </item>
  <item><title>   </title><description/></item>
</channel>
</rss>`;

test('RSS 2.0: CDATA, guid objects, HTML stripping, relative links, dates, authors', () => {
  const feed = parseFeed(RSS, 'https://blog.example.com/feed.xml', 'application/rss+xml');
  assert.ok(feed);
  assert.equal(feed.format, 'rss');
  assert.equal(feed.title, 'Example Engineering & Design');
  assert.equal(feed.link, 'https://blog.example.com/');
  assert.deepEqual(feed.items, [
    {
      guid: '0042',
      link: 'https://blog.example.com/2024/05/async-rust',
      title: 'Async Rust: Tokio vs smol',
      summary: 'We compare two runtimes. Spoiler — both work.',
      author: 'Jane Doe',
      publishedAt: new Date('2024-05-14T07:30:00.000Z'),
    },
    {
      guid: 'https://blog.example.com/2024/05/qa',
      link: 'https://blog.example.com/2024/05/qa',
      title: 'Q&A: what’s next?',
      summary: 'Heading Body text.',
      author: 'Ops Team',
      publishedAt: null,
    },
    {
      guid: null,
      link: null,
      title: 'Escaped bold title',
      summary: 'AT&T <3',
      author: null,
      publishedAt: null,
    },
  ] satisfies FeedItem[]);
});

test('RSS with a single <item> yields a one-element array', () => {
  const feed = parseFeed(
    '<rss version="2.0"><channel><title>Solo</title><item><title>Only one</title>' +
      '<link>https://solo.example/1</link><guid isPermaLink="true">https://solo.example/1</guid></item></channel></rss>',
    'https://solo.example/rss',
  );
  assert.deepEqual(feed, {
    format: 'rss',
    title: 'Solo',
    link: null,
    items: [{ guid: 'https://solo.example/1', link: 'https://solo.example/1', title: 'Only one', summary: null, author: null, publishedAt: null }],
  });
});

test('RSS channel without items parses to an empty item list', () => {
  const feed = parseFeed('<rss><channel><title>Quiet</title></channel></rss>', 'https://q.example/');
  assert.deepEqual(feed, { format: 'rss', title: 'Quiet', link: null, items: [] });
});

const RDF = `<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://news.example.org/">
    <title>Example News</title>
    <link>https://news.example.org/</link>
    <description>Daily news</description>
    <items><rdf:Seq>
      <rdf:li rdf:resource="https://news.example.org/a/1"/>
      <rdf:li rdf:resource="https://news.example.org/a/2"/>
    </rdf:Seq></items>
  </channel>
  <item rdf:about="https://news.example.org/a/1">
    <title>First story</title>
    <link>https://news.example.org/a/1?utm=rss</link>
    <description>Plain   description
      over lines</description>
    <dc:creator>Alice</dc:creator>
    <dc:date>2024-03-01T12:00:00+00:00</dc:date>
  </item>
  <item rdf:about="https://news.example.org/a/2">
    <title>Second story</title>
    <dc:date>2024-03-02T08:15:00Z</dc:date>
  </item>
</rdf:RDF>`;

test('RSS 1.0 (RDF): items beside the channel, rdf:about as guid and fallback link, dc:date', () => {
  const feed = parseFeed(RDF, 'https://news.example.org/index.rdf');
  assert.ok(feed);
  assert.equal(feed.format, 'rdf');
  assert.equal(feed.title, 'Example News');
  assert.equal(feed.link, 'https://news.example.org/');
  assert.deepEqual(feed.items, [
    {
      guid: 'https://news.example.org/a/1',
      link: 'https://news.example.org/a/1?utm=rss',
      title: 'First story',
      summary: 'Plain description over lines',
      author: 'Alice',
      publishedAt: new Date('2024-03-01T12:00:00Z'),
    },
    {
      guid: 'https://news.example.org/a/2',
      link: 'https://news.example.org/a/2',
      title: 'Second story',
      summary: null,
      author: null,
      publishedAt: new Date('2024-03-02T08:15:00Z'),
    },
  ]);
});

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.example.net/blog/">
  <title type="text">Example &lt;Dev&gt; Blog &#8212; notes</title>
  <link rel="self" href="/blog/atom.xml"/>
  <link href="./"/>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2024-02-11T00:00:00Z</updated>
  <author><name>Feed Author</name></author>
  <entry>
    <title type="html">&lt;b&gt;Zero-copy&lt;/b&gt; parsing</title>
    <link rel="edit" href="/api/posts/1"/>
    <link rel="alternate" type="application/pdf" href="posts/zero-copy.pdf"/>
    <link rel="alternate" type="text/html" href="posts/zero-copy"/>
    <link rel="replies" href="posts/zero-copy#comments"/>
    <id>tag:example.net,2024:1</id>
    <published>2024-02-10T10:00:00-05:00</published>
    <updated>2024-02-11T00:00:00Z</updated>
    <summary type="html">&lt;p&gt;Parsing &lt;em&gt;without&lt;/em&gt; copies.&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;The long version.&lt;/p&gt;</content>
    <author><name>Bob</name></author>
    <author><name>Carol</name></author>
  </entry>
  <entry xml:base="/other/">
    <title>Second &amp; plain</title>
    <link href="entry-2"/>
    <id>https://www.example.net/other/entry-2-id</id>
    <updated>2024-02-09T09:00:00</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hello <b>world</b> &amp; again</p><p>Second para</p></div></content>
  </entry>
  <entry>
    <title>No link entry</title>
    <id>https://www.example.net/blog/3</id>
    <summary>Text with &lt;tags&gt; kept &amp; decoded</summary>
    <updated>garbage</updated>
  </entry>
</feed>`;

test('Atom: alternate link among several, xml:base, text/html/xhtml constructs, author fallback', () => {
  const feed = parseFeed(ATOM, 'https://feeds.example.net/atom.xml');
  assert.ok(feed);
  assert.equal(feed.format, 'atom');
  // type="text" is plain text: angle brackets are content, not markup.
  assert.equal(feed.title, 'Example <Dev> Blog — notes');
  assert.equal(feed.link, 'https://www.example.net/blog/');
  assert.deepEqual(feed.items, [
    {
      guid: 'tag:example.net,2024:1',
      link: 'https://www.example.net/blog/posts/zero-copy',
      title: 'Zero-copy parsing',
      summary: 'Parsing without copies.',
      author: 'Bob, Carol',
      publishedAt: new Date('2024-02-10T15:00:00Z'),
    },
    {
      guid: 'https://www.example.net/other/entry-2-id',
      link: 'https://www.example.net/other/entry-2',
      title: 'Second & plain',
      summary: 'Hello world & again Second para',
      author: 'Feed Author',
      publishedAt: new Date('2024-02-09T09:00:00Z'),
    },
    {
      guid: 'https://www.example.net/blog/3',
      link: 'https://www.example.net/blog/3',
      title: 'No link entry',
      summary: 'Text with <tags> kept & decoded',
      author: 'Feed Author',
      publishedAt: null,
    },
  ]);
});

test('Atom without xml:base resolves relative hrefs against the feed URL', () => {
  const feed = parseFeed(
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>1</id>' + '<link href="../posts/1"/><title>One</title></entry></feed>',
    'https://site.example/feeds/all.atom',
  );
  assert.equal(feed?.items[0]?.link, 'https://site.example/posts/1');
});

const JSON_FEED = JSON.stringify({
  version: 'https://jsonfeed.org/version/1.1',
  title: 'JSON Example',
  home_page_url: 'https://json.example.com/',
  feed_url: 'https://json.example.com/feed.json',
  authors: [{ name: 'Site Team' }],
  items: [
    {
      id: '1',
      url: '/posts/one',
      title: 'One',
      content_html: '<p>Hello <i>JSON</i></p><p>world</p>',
      date_published: '2024-04-01T10:00:00Z',
      authors: [{ name: 'Dana' }, { name: 'Eve' }],
    },
    {
      id: 2,
      external_url: 'https://elsewhere.example.org/x',
      summary: 'Short summary',
      content_text: 'Just   text\n\nhere',
      date_modified: '2024-04-02T11:00:00+01:00',
    },
    {
      id: '3',
      url: 'https://json.example.com/3',
      title: 'Three',
      content_text: 'a <b> is literal',
      author: { name: 'Legacy Author' },
      date_published: 'yesterday',
    },
    'not an item',
  ],
});

test('JSON Feed: content_html/content_text/summary, authors[] and author, relative url', () => {
  const feed = parseFeed(JSON_FEED, 'https://json.example.com/feed.json', 'application/feed+json');
  assert.ok(feed);
  assert.equal(feed.format, 'json');
  assert.equal(feed.title, 'JSON Example');
  assert.equal(feed.link, 'https://json.example.com/');
  assert.deepEqual(feed.items, [
    {
      guid: '1',
      link: 'https://json.example.com/posts/one',
      title: 'One',
      summary: 'Hello JSON world',
      author: 'Dana, Eve',
      publishedAt: new Date('2024-04-01T10:00:00Z'),
    },
    {
      guid: '2',
      link: 'https://elsewhere.example.org/x',
      title: null,
      summary: 'Short summary',
      author: 'Site Team',
      publishedAt: new Date('2024-04-02T10:00:00Z'),
    },
    {
      guid: '3',
      link: 'https://json.example.com/3',
      title: 'Three',
      summary: 'a <b> is literal',
      author: 'Legacy Author',
      publishedAt: null,
    },
  ]);
});

test('JSON Feed 1.0 with a leading BOM is recognised', () => {
  const body = '\uFEFF' + JSON.stringify({ version: 'https://jsonfeed.org/version/1', title: 'Old', items: [{ id: 'a', content_text: 'hi' }] });
  assert.deepEqual(parseFeed(body, 'https://old.example/feed.json')?.items, [
    { guid: 'a', link: null, title: null, summary: 'hi', author: null, publishedAt: null },
  ]);
});

test('non-feed bodies return null', () => {
  const base = 'https://example.com/';
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Home</title>
    <link rel="stylesheet" href="/s.css"></head><body><p>Hello<br>there</body></html>`;
  assert.equal(parseFeed(html, base, 'text/html'), null);
  assert.equal(parseFeed('', base), null);
  assert.equal(parseFeed('Just some text', base), null);
  assert.equal(parseFeed('{"version": "1.0", "items": []}', base, 'application/json'), null);
  assert.equal(parseFeed('{"version": "https://jsonfeed.org/version/1", ', base), null);
  assert.equal(parseFeed('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', base), null);
  assert.equal(parseFeed('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><foaf:Person/></rdf:RDF>', base), null);
});

test('external entities are refused rather than resolved', () => {
  const xxe = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
    <rss><channel><title>&xxe;</title></channel></rss>`;
  assert.equal(parseFeed(xxe, 'https://evil.example/'), null);
});

test('long summaries are cut to at most 1000 chars on a word boundary', () => {
  const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
  const feed = parseFeed(`<rss><channel><item><title>Long</title><description>${words}</description></item></channel></rss>`, 'https://long.example/');
  const summary = feed?.items[0]?.summary ?? '';
  assert.ok(summary.length <= 1000, `length ${summary.length}`);
  assert.ok(summary.length > 900, `length ${summary.length}`);
  assert.match(summary, /^word0 word1 .* word\d+…$/);
});

// Lenient reading: each case below is a feed a lenient parser reads without loss (issue 12, "Signal").
const BASE = 'https://feeds.example.test/feed.xml';
const rssOf = (items: string, ns = '') => `<?xml version="1.0"?><rss version="2.0" ${ns}><channel><title>Lenient</title>${items}</channel></rss>`;
const atomOf = (entries: string, attrs = 'xmlns="http://www.w3.org/2005/Atom"') => `<feed ${attrs}><title>Lenient</title>${entries}</feed>`;
const only = (body: string): FeedItem => {
  const feed = parseFeed(body, BASE);
  assert.ok(feed, 'the body is read as a feed');
  assert.equal(feed.items.length, 1);
  return feed.items[0];
};

test('markup inside an RSS text element is read as HTML, neither dropped nor glued', () => {
  const item = only(rssOf('<item><title>Launch <em>day</em></title><description>Intro <p>Example</p> tail</description></item>'));
  assert.equal(item.title, 'Launch day');
  assert.equal(item.summary, 'Intro Example tail');
});

test('an Atom title with naked markup, xhtml markup or escaped brackets in text keeps all its text', () => {
  const entry = (title: string) => only(atomOf(`<entry><id>urn:x:1</id>${title}</entry>`)).title;
  assert.equal(entry('<title>Example <b>Atom</b></title>'), 'Example Atom');
  assert.equal(entry('<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Example <b>Atom</b> too</div></title>'), 'Example Atom too');
  assert.equal(entry('<title type="text">History of the &lt;blink&gt; tag</title>'), 'History of the <blink> tag');
  assert.equal(entry('<title type="html">A &lt;b&gt;bold&lt;/b&gt; &amp;amp; <![CDATA[<i>kept</i>]]> claim</title>'), 'A bold & kept claim');
});

test('Dublin Core title, description and dates, and dcterms issued/modified, are read', () => {
  const dc = 'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"';
  const item = only(
    rssOf('<item><dc:title>DC title</dc:title><dc:description>DC description</dc:description><dcterms:issued>2003-12-31T10:14:55Z</dcterms:issued></item>', dc),
  );
  assert.equal(item.title, 'DC title');
  assert.equal(item.summary, 'DC description');
  assert.deepEqual(item.publishedAt, new Date('2003-12-31T10:14:55Z'));
  const modified = only(rssOf('<item><title>M</title><dcterms:modified>2004-01-01T19:48:21Z</dcterms:modified></item>', dc));
  assert.deepEqual(modified.publishedAt, new Date('2004-01-01T19:48:21Z'));
  assert.equal(parseFeed(rssOf('', dc).replace('<title>Lenient</title>', '<dc:title>Channel by DC</dc:title>'), BASE)?.title, 'Channel by DC');
});

test('xhtml:body and content:encoded are read when they are the only body', () => {
  const xhtml = 'xmlns:xhtml="http://www.w3.org/1999/xhtml" xmlns:content="http://purl.org/rss/1.0/modules/content/"';
  assert.equal(only(rssOf('<item><title>X</title><xhtml:body><p>Body <b>text</b></p><p>More</p></xhtml:body></item>', xhtml)).summary, 'Body text More');
  assert.equal(
    only(rssOf('<item><title>X</title><body xmlns="http://www.w3.org/1999/xhtml"><p>Default-namespace body</p></body></item>')).summary,
    'Default-namespace body',
  );
  // A description that holds no text (only an image) gives way to the full content.
  const item = only(
    rssOf(
      '<item><title>X</title><description><![CDATA[<img src="a.png">]]></description><content:encoded><![CDATA[<p>Full text</p>]]></content:encoded></item>',
      xhtml,
    ),
  );
  assert.equal(item.summary, 'Full text');
});

test('Atom 0.3 issued and modified dates, and base64 content, are read', () => {
  const atom03 = 'version="0.3" xmlns="http://purl.org/atom/ns#"';
  const issued = only(atomOf('<entry><id>tag:x,2003:1</id><title>I</title><issued>2003-12-31T10:14:55Z</issued></entry>', atom03));
  assert.deepEqual(issued.publishedAt, new Date('2003-12-31T10:14:55Z'));
  const modified = only(atomOf('<entry><id>tag:x,2003:2</id><title>M</title><modified>2004-01-01T19:48:21Z</modified></entry>', atom03));
  assert.deepEqual(modified.publishedAt, new Date('2004-01-01T19:48:21Z'));
  const encoded = Buffer.from('Example <b>Atom</b>').toString('base64');
  const base64 = only(
    atomOf(
      `<entry><id>tag:x,2003:3</id><title type="text/html" mode="base64">${encoded}</title>
    <summary type="application/octet-stream">${Buffer.from('Plain bytes').toString('base64')}</summary></entry>`,
      atom03,
    ),
  );
  assert.equal(base64.title, 'Example Atom');
  assert.equal(base64.summary, 'Plain bytes');
});

test('a feed truncated at its very end keeps the items before the cut', () => {
  const whole = rssOf('<item><guid>a</guid><title>First</title></item><item><guid>b</guid><title>Second</title></item>');
  assert.deepEqual(
    parseFeed(whole.slice(0, -1), BASE)?.items.map((i) => i.title),
    ['First', 'Second'],
    '"</rss" cut off',
  );
  const midItem = whole.slice(0, whole.indexOf('Second') + 3);
  assert.deepEqual(
    parseFeed(midItem, BASE)?.items.map((i) => i.title),
    ['First', 'Sec'],
    'cut inside an item',
  );
  assert.equal(parseFeed('<rss><channel><item><title>x</title></ite', BASE)?.items[0]?.title, 'x');
});
