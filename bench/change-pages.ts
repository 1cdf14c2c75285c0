// The fixture pages of bench/change-detection: realistic HTML (site header and navigation, cookie
// banner, article with headings, paragraphs, lists and a table, sidebar, ad slot, footer, inline
// scripts), whose chrome changes on every request (clock, "updated n minutes ago", rotating ad,
// request id, reordered navigation) and whose content changes only for the pages made to change.

const WORDS = (
  'alpha beta gamma delta release query planner index storage engine latency cache cluster region ' +
  'pricing plan team billing invoice support uptime incident deploy rollback feature flag dashboard export report ' +
  'account security audit token session webhook retry queue worker schedule monitor event stream snapshot'
).split(' ');
const ADS = ['Try Widget Pro free for 30 days', 'Black Friday: 50% off all plans', 'Join our webinar on Thursday', 'New: the Acme mobile app'];
const NAV = ['Products', 'Pricing', 'Docs', 'Blog', 'Careers', 'Status', 'Contact', 'Changelog'];

/** A deterministic pseudo-random sentence, so every page has its own stable text. */
function sentence(seed: number, length: number): string {
  let x = (seed * 2654435761) >>> 0;
  const words: string[] = [];
  for (let i = 0; i < length; i += 1) {
    x = (Math.imul(x ^ (x >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    words.push(WORDS[x % WORDS.length]);
  }
  const text = words.join(' ');
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

/** What version 1 of a changed page adds (one of four kinds of real change, by page number). */
function contentChange(page: number): { paragraph?: string; item?: string; row?: string; heading?: string } {
  switch (page % 4) {
    case 0:
      return { paragraph: `New in this release: ${sentence(page * 7919, 18)}` };
    case 1:
      return { item: `Added ${sentence(page * 104729, 6)}` };
    case 2:
      return { row: `<td>Enterprise ${page}</td><td>$${100 + page}</td><td>Unlimited</td>` };
    default:
      return { heading: `Version ${page}.1`, paragraph: `Fixes: ${sentence(page * 1299709, 14)}` };
  }
}

/**
 * Page `page` in `version` 0 (baseline) or 1 (after the change); `changed` pages gain content in
 * version 1. `request` varies the chrome of every answer, as real sites do.
 */
export function fixturePage(page: number, version: number, changed: boolean, request: number): string {
  const change = version === 1 && changed ? contentChange(page) : {};
  const minutes = ((request * 7) % 59) + 1;
  const nav = [...NAV.slice(request % NAV.length), ...NAV.slice(0, request % NAV.length)];
  const paragraphs = Array.from({ length: 24 }, (_, i) => `<p>${sentence(page * 31 + i, 25 + (i % 3) * 10)}</p>`).join('\n      ');
  const items = Array.from({ length: 5 }, (_, i) => `<li>${sentence(page * 97 + i, 7)}</li>`).join('');
  const rows = Array.from({ length: 4 }, (_, i) => `<tr><td>Plan ${i}</td><td>$${(i + 1) * 10}</td><td>${i + 1} seats</td></tr>`).join('');
  const clock = `${String(request % 24).padStart(2, '0')}:${String(minutes).padStart(2, '0')}:${String(request % 60).padStart(2, '0')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme product notes ${page}</title>
<meta name="csrf-token" content="tok-${request}-${page}">
<script>window.__STATE__ = {"requestId": "${request}-${page}", "renderedAt": "${clock}", "bundle": "${'x'.repeat(8000)}"};</script>
<style>body{font-family:sans-serif} .ad-slot{border:1px solid #ccc}</style></head>
<body>
  <header class="site-header"><a class="logo" href="/">Acme</a>
    <nav class="main-nav"><ul>${nav.map((n) => `<li><a href="/${n.toLowerCase()}">${n}</a></li>`).join('')}</ul></nav>
    <form class="search" action="/search"><input name="q" placeholder="Search"></form></header>
  <div class="cookie-banner" role="dialog">We use cookies (session ${request}). <button>Accept all</button></div>
  <main>
    <article>
      <h1 id="top">Product notes ${page}</h1>
      <p class="meta">Last updated ${minutes} minutes ago · Server time ${clock} UTC</p>
      ${change.heading ? `<h2 id="v${page}-1">${change.heading}</h2>` : ''}
      ${change.paragraph ? `<p>${change.paragraph}</p>` : ''}
      ${paragraphs}
      <h2 id="highlights">Highlights</h2>
      <ul>${items}${change.item ? `<li>${change.item}</li>` : ''}</ul>
      <h2 id="plans">Plans</h2>
      <table><thead><tr><th>Plan</th><th>Price</th><th>Seats</th></tr></thead>
        <tbody>${rows}${change.row ? `<tr>${change.row}</tr>` : ''}</tbody></table>
    </article>
    <div class="ad-slot" data-ad-slot="sidebar"><a href="/promo/${request % ADS.length}">${ADS[request % ADS.length]}</a></div>
    <aside class="sidebar"><h3>Trending</h3><ul><li><a href="/t/${request % 13}">Trending story ${request % 13}</a></li></ul></aside>
  </main>
  <footer class="site-footer"><p>© 2026 Acme Inc. · Rendered in ${request % 97} ms at ${clock}</p>
    <ul><li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms</a></li></ul></footer>
  <script>console.log("analytics ${request}");</script>
</body></html>`;
}
