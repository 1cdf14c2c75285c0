import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractOutput, type OutputSpec, type Page } from './extract-output.js';
import { PRICING_PAGE, PRODUCT_PAGE, URL_A } from './test-pages.js';

function content(result: ReturnType<typeof extractOutput>): Record<string, unknown> {
  assert.equal(result.output.type, 'json');
  return result.output.content;
}

test('text spec: the main content, without navigation, header and footer', () => {
  const article = `<!doctype html><html><head><title>Release notes 4.2</title></head><body>
    <header><nav><a href="/">Home</a> <a href="/blog">Blog</a> <a href="/careers">Careers</a></nav></header>
    <main><article><h1>Release notes 4.2</h1>
      <p>Version 4.2 adds offline sync, so field teams can keep working without a connection and merge later.</p>
      <p>It also fixes the export of large reports, which used to time out after two minutes on slow disks.</p>
    </article></main>
    <footer><p>© 2026 Acme Cloud Inc.</p><a href="/privacy">Privacy policy</a></footer>
  </body></html>`;
  const result = extractOutput([{ url: 'http://127.0.0.1:8080/blog/4-2', body: article }], { type: 'text' }, { query: 'release notes' });
  assert.equal(result.output.type, 'text');
  const text = result.output.content;
  assert.match(text, /^Release notes 4\.2\nVersion 4\.2 adds offline sync/, 'the title heads the content');
  assert.match(text, /fixes the export of large reports/);
  for (const chrome of ['Careers', 'Privacy policy', '© 2026']) assert.ok(!text.includes(chrome), `no "${chrome}" in ${JSON.stringify(text)}`);
  assert.equal(result.outputSchema, undefined);
  assert.equal(result.output.basis.length, 1);
  assert.equal(result.output.basis[0].field, 'output');
  assert.equal(result.output.basis[0].citations[0].title, 'Release notes 4.2');
});

test('auto spec: JSON with a derived schema from structured data, which a re-run with that schema reproduces', () => {
  const pages: Page[] = [{ url: URL_A, body: PRODUCT_PAGE }];
  const result = extractOutput(pages, { type: 'auto' }, { query: 'Trail Runner 2 price' });
  assert.equal(result.output.type, 'json');
  const auto = content(result);
  assert.equal(auto.name, 'Trail Runner 2');
  assert.equal(auto.offers_price, '1,299.00');
  assert.equal(auto.brand, 'Acme');
  assert.ok(result.outputSchema, 'the derived schema is returned');
  assert.deepEqual(Object.keys((result.outputSchema as { properties: object }).properties), Object.keys(auto));
  assert.deepEqual(
    result.output.basis.map((b) => b.field),
    Object.keys(auto),
  );
  // A snapshot monitor re-runs with the derived schema: the same output, byte for byte.
  const rerun = extractOutput(pages, { type: 'json', json_schema: result.outputSchema }, { query: 'Trail Runner 2 price' });
  assert.equal(JSON.stringify(rerun.output), JSON.stringify(result.output));
});

test('auto spec without structured data falls back to the text output', () => {
  const page = '<html><body><main><p>Opening hours: Monday to Friday, nine to five, closed on public holidays.</p></main></body></html>';
  const result = extractOutput([{ url: 'http://127.0.0.1:8080/hours', body: page }], { type: 'auto' }, { query: 'opening hours' });
  assert.equal(result.output.type, 'text');
  assert.match(result.output.content, /Monday to Friday/);
  assert.equal(result.outputSchema, undefined);
});

test('deterministic: two runs over the same pages give byte-identical output', () => {
  const specs: OutputSpec[] = [
    {
      type: 'json',
      json_schema: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          price: { type: 'number' },
          plans: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, seats: { type: 'integer' } } } },
          missing: { type: 'string' },
        },
      },
    },
    { type: 'text' },
    { type: 'auto' },
  ];
  for (const spec of specs) {
    const run = () =>
      JSON.stringify(
        extractOutput(
          [
            { url: 'http://127.0.0.1:8080/pricing', body: PRICING_PAGE },
            { url: URL_A, body: PRODUCT_PAGE },
          ],
          spec,
          { query: 'plans' },
        ),
      );
    assert.equal(run(), run());
  }
});

test('text spec: cookie banners and dateline lines are not content, so a clock never changes the output', () => {
  const status = (clock: string) => `<!doctype html><html><head><title>Acme status</title></head><body>
  <div class="cookie-banner">We use cookies. Accept all cookies?</div>
  <main><h1>Acme status</h1><p>All systems operational.</p><p>Last updated: ${clock} UTC</p>
  <p>The API, the dashboard and webhooks are running normally in every region.</p></main></body></html>`;
  const text = (clock: string) =>
    extractOutput([{ url: 'http://127.0.0.1:8080/status', body: status(clock) }], { type: 'text' }, { query: 'status' }).output.content;
  const first = String(text('12:04'));
  assert.match(first, /All systems operational\./);
  assert.doesNotMatch(first, /cookies|Last updated/);
  assert.equal(text('12:09'), first);
});
