import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractOutput, validateHints, type Page } from './extract-output.js';
import { PRICING_PAGE, PRODUCT_PAGE, URL_A } from './test-pages.js';

function json(body: string, schema: Record<string, unknown>, url = URL_A, query = '') {
  return extractOutput([{ url, body }], { type: 'json', json_schema: { type: 'object', properties: schema } }, { query });
}

function content(result: ReturnType<typeof extractOutput>): Record<string, unknown> {
  assert.equal(result.output.type, 'json');
  return result.output.content;
}

function basisOf(result: ReturnType<typeof extractOutput>, field: string) {
  const entries = result.output.basis.filter((b) => b.field === field);
  assert.equal(entries.length, 1, `exactly one basis entry for ${field}`);
  return entries[0];
}

test('JSON-LD: a Product in an @graph fills name, price, currency, brand; site furniture does not win', () => {
  const result = json(PRODUCT_PAGE, {
    name: { type: 'string' },
    product_price: { type: 'number' },
    price_currency: { type: 'string' },
    brand: { type: 'string' },
    sku: { type: 'string' },
    in_stock: { type: 'boolean', description: 'availability' },
  });
  assert.deepEqual(content(result), {
    name: 'Trail Runner 2',
    product_price: 1299,
    price_currency: 'SEK',
    brand: 'Acme',
    sku: 'TR-2',
    in_stock: true,
  });
  const price = basisOf(result, 'product_price');
  assert.equal(price.reasoning, 'JSON-LD Product.offers.price.');
  assert.equal(price.confidence, 'high');
  assert.deepEqual(price.citations, [{ url: URL_A, title: 'Trail Runner 2 — Acme Outdoor', excerpts: ['Product.offers.price: 1,299.00'] }]);
});

test('x-selector takes the text of the first match; with x-attribute, that attribute', () => {
  const result = json(PRODUCT_PAGE, {
    shown_price: { type: 'string', 'x-selector': 'main .price' },
    manual_url: { type: 'string', 'x-selector': 'a.manual', 'x-attribute': 'href' },
    manual_label: { type: 'string', 'x-selector': 'a.manual' },
  });
  assert.deepEqual(content(result), { shown_price: 'kr 1 099', manual_url: '/files/tr2-manual.pdf', manual_label: 'Download the manual' });
  assert.equal(basisOf(result, 'shown_price').reasoning, 'CSS selector main .price (x-selector).');
  assert.equal(basisOf(result, 'manual_url').reasoning, 'Attribute href of CSS selector a.manual (x-selector, x-attribute).');
  assert.equal(basisOf(result, 'manual_url').confidence, 'high');
});

test('x-selector on an array of objects: each match is an item, properties by relative selector or class name', () => {
  const cards = `<html><body>
    <div class="card"><h3>Basic</h3><span class="price">$10</span><span class="seats">1 seat</span><small>14-day trial</small></div>
    <div class="card"><h3>Pro</h3><span class="price">$25</span><span class="seats">5 seats</span></div>
    <div class="card"><h3>Enterprise</h3><span class="price">Call us</span></div>
  </body></html>`;
  const result = json(cards, {
    plans: {
      type: 'array',
      'x-selector': '.card',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', 'x-selector': 'h3' },
          price: { type: 'number' },
          seats: { type: 'integer' },
          trial_days: { type: 'integer', 'x-regex': '(\\d+)-day trial' },
        },
      },
    },
  });
  assert.deepEqual(content(result).plans, [
    { name: 'Basic', price: 10, seats: 1, trial_days: 14 },
    { name: 'Pro', price: 25, seats: 5, trial_days: null },
    { name: 'Enterprise', price: null, seats: null, trial_days: null },
  ]);
});

test('x-jsonpath reads a JSON page (scalars and arrays); JSON keys also match by name without a hint', () => {
  const api = JSON.stringify({
    data: { product: { title: 'Trail Runner 2', pricing: { amount: '129.50', currency: 'EUR' } } },
    reviews: [
      { author: 'Ana', stars: 5 },
      { author: 'Bo', stars: 4 },
    ],
  });
  const result = extractOutput(
    [{ url: 'http://127.0.0.1:8080/api/product/7', body: api, contentType: 'application/json; charset=utf-8' }],
    {
      type: 'json',
      json_schema: {
        type: 'object',
        properties: {
          price: { type: 'number', 'x-jsonpath': '$.data.product.pricing.amount' },
          reviewers: { type: 'array', items: { type: 'string' }, 'x-jsonpath': '$.reviews[*].author' },
          currency: { type: 'string' },
        },
      },
    },
    { query: '' },
  );
  assert.deepEqual(content(result), { price: 129.5, reviewers: ['Ana', 'Bo'], currency: 'EUR' });
  assert.equal(basisOf(result, 'price').reasoning, 'JSONPath $.data.product.pricing.amount (x-jsonpath).');
  assert.equal(basisOf(result, 'currency').reasoning, 'JSON key data.product.pricing.currency.');
  assert.equal(basisOf(result, 'currency').citations[0].title, null);
});

test('x-regex takes the first capture group from the page text, or from the selected text', () => {
  const result = json(PRODUCT_PAGE, {
    firmware: { type: 'string', 'x-regex': 'Version (\\d+\\.\\d+)' },
    outlet_price: { type: 'integer', 'x-selector': 'main p', 'x-regex': '/price:\\s*(\\d+)/i' },
  });
  assert.deepEqual(content(result), { firmware: '2.4', outlet_price: 999 });
  assert.equal(basisOf(result, 'firmware').reasoning, 'Regular expression Version (\\d+\\.\\d+) on the page text (x-regex).');
  assert.deepEqual(basisOf(result, 'firmware').citations[0].excerpts, ['Version 2.4']);
});

test('microdata (nested itemscope) and OpenGraph fill fields by name', () => {
  const page = `<html><head><title>Lamp | Shop</title>
    <meta property="og:title" content="Desk Lamp L1">
    <meta property="article:published_time" content="2026-03-02T09:00:00Z"></head>
  <body><div itemscope itemtype="https://schema.org/Product">
    <h1 itemprop="name">Desk Lamp L1</h1>
    <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
      <span itemprop="price" content="49.90">49,90 €</span><meta itemprop="priceCurrency" content="EUR">
    </div>
    <div itemprop="brand" itemscope itemtype="https://schema.org/Brand"><span itemprop="name">Lumo</span></div>
  </div></body></html>`;
  const result = json(page, {
    title: { type: 'string' },
    price: { type: 'number' },
    brand: { type: 'string' },
    published_date: { type: 'string' },
  });
  assert.deepEqual(content(result), { title: 'Desk Lamp L1', price: 49.9, brand: 'Lumo', published_date: '2026-03-02T09:00:00Z' });
  assert.equal(basisOf(result, 'title').reasoning, 'OpenGraph og:title.');
  assert.equal(basisOf(result, 'price').reasoning, 'Microdata Product.offers.price.');
  assert.equal(basisOf(result, 'published_date').reasoning, 'OpenGraph article:published_time.');
});

test('the pricing table: scalar fields by row label and column, and the rows as an array of objects', () => {
  const result = json(
    PRICING_PAGE,
    {
      basic_price: { type: 'string', description: 'Monthly price of the Basic plan' },
      pro_price: { type: 'string', description: 'Monthly price of the Pro plan' },
      plans: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, price: { type: 'string' } } } },
    },
    'http://127.0.0.1:8080/pricing',
  );
  assert.deepEqual(content(result), {
    basic_price: '$10/mo',
    pro_price: '$25/mo',
    plans: [
      { name: 'Basic', price: '$10/mo' },
      { name: 'Pro', price: '$25/mo' },
      { name: 'Team', price: '$60/mo' },
    ],
  });
  const pro = basisOf(result, 'pro_price');
  assert.equal(pro.reasoning, "Table row labelled 'Pro' under column 'Price'.");
  assert.equal(pro.confidence, 'medium');
  assert.deepEqual(pro.citations, [
    {
      url: 'http://127.0.0.1:8080/pricing',
      title: 'Pricing — Acme Cloud',
      excerpts: ['Plan | Price | Seats / Pro | $25/mo | 5'],
    },
  ]);
  assert.match(basisOf(result, 'plans').reasoning, /^3 rows of the table with columns 'Plan', 'Price', 'Seats' \(name ← 'Plan', price ← 'Price'\)/);
});

test('definition lists, "Label: value" text and headings followed by content', () => {
  const page = `<html><body><main>
    <h2>Company facts</h2>
    <dl><dt>Founded</dt><dd>2014</dd><dt>Headquarters</dt><dd>Lyon, France</dd><dt>Offices</dt><dd>Lyon</dd><dd>Berlin</dd></dl>
    <ul><li><strong>CEO:</strong> Marie Curtis</li><li>Employees: about 1,200</li></ul>
    <h3>Mission</h3><p>Make weather data open.</p>
    <p>Phone: +33 4 72 00 00 00<br>Email: <a href="mailto:hello@meteo.example">hello@meteo.example</a></p>
  </main></body></html>`;
  const result = json(page, {
    founded: { type: 'integer' },
    headquarters: { type: 'string' },
    offices: { type: 'array', items: { type: 'string' } },
    ceo: { type: 'string' },
    employees: { type: 'number' },
    mission: { type: 'string' },
    email: { type: 'string' },
  });
  assert.deepEqual(content(result), {
    founded: 2014,
    headquarters: 'Lyon, France',
    offices: ['Lyon', 'Berlin'],
    ceo: 'Marie Curtis',
    employees: 1200,
    mission: 'Make weather data open.',
    email: 'hello@meteo.example',
  });
  assert.equal(basisOf(result, 'founded').reasoning, "Definition list term 'Founded'.");
  assert.equal(basisOf(result, 'ceo').reasoning, "Text labelled 'CEO'.");
  assert.deepEqual(basisOf(result, 'ceo').citations[0].excerpts, ['CEO: Marie Curtis']);
  assert.equal(basisOf(result, 'mission').reasoning, "Content under heading 'Mission'.");
});

test('numbers are coerced ("1,299.00" → 1299); a value that cannot be coerced is not used', () => {
  const page = `<html><body><table>
    <tr><th>Price</th><td>$1,299.00</td></tr>
    <tr><th>Weight</th><td>1.25 kg</td></tr>
    <tr><th>Rating</th><td>4.5 of 5</td></tr>
    <tr><th>Stock</th><td>Call us</td></tr>
  </table></body></html>`;
  const result = json(page, {
    price: { type: 'number' },
    weight: { type: 'integer' },
    weight_kg: { type: 'number' },
    rating: { type: 'number' },
    stock: { type: 'integer' },
  });
  // 1.25 is no integer; "4.5 of 5" holds two numbers; "Call us" none: each left null rather than guessed.
  assert.deepEqual(content(result), { price: 1299, weight: null, weight_kg: 1.25, rating: null, stock: null });
  assert.equal(basisOf(result, 'price').reasoning, "Table row labelled 'Price'.");
});

test('a field found nowhere is null, with one low-confidence basis entry saying where it looked', () => {
  const result = json(PRICING_PAGE, { founder_name: { type: 'string' }, sla: { type: 'string', 'x-selector': '#sla' } }, 'http://127.0.0.1:8080/pricing');
  assert.deepEqual(content(result), { founder_name: null, sla: null });
  const basis = basisOf(result, 'founder_name');
  assert.equal(basis.confidence, 'low');
  assert.match(basis.reasoning, /^Not found: looked in 1 page \(http:\/\/127\.0\.0\.1:8080\/pricing\) for structured data .* matching "founder name"/);
  assert.deepEqual(basis.citations, [{ url: 'http://127.0.0.1:8080/pricing', title: 'Pricing — Acme Cloud', excerpts: [] }]);
  assert.match(basisOf(result, 'sla').reasoning, /the CSS selector #sla \(x-selector\)/);
});

test('hints win over structured data, which wins over labels', () => {
  const page = (withHint: boolean, withJsonLd: boolean) => ({
    url: URL_A,
    body: `<html><head>${withJsonLd ? '<script type="application/ld+json">{"@type":"Product","name":"X","offers":{"price":"30"}}</script>' : ''}</head>
      <body><p>Price: 20</p><span id="sale">10</span></body></html>`,
  });
  const price = (withHint: boolean, withJsonLd: boolean) => {
    const schema = { type: 'object', properties: { price: withHint ? { type: 'number', 'x-selector': '#sale' } : { type: 'number' } } };
    const result = extractOutput([page(withHint, withJsonLd)], { type: 'json', json_schema: schema }, { query: '' });
    return [content(result).price, basisOf(result, 'price').confidence];
  };
  assert.deepEqual(price(true, true), [10, 'high']);
  assert.deepEqual(price(false, true), [30, 'high']);
  assert.deepEqual(price(false, false), [20, 'medium']);
});

test('several pages: the first page that yields a value wins, per field', () => {
  const pages: Page[] = [
    { url: 'http://127.0.0.1:8080/a', body: '<html><body><p>Founded: 2014</p></body></html>' },
    { url: 'http://127.0.0.1:8080/b', body: '<html><body><p>Founded: 1999</p><p>CEO: Ana Lima</p></body></html>' },
  ];
  const result = extractOutput(pages, { type: 'json', json_schema: { properties: { founded: { type: 'integer' }, ceo: { type: 'string' } } } }, { query: '' });
  assert.deepEqual(content(result), { founded: 2014, ceo: 'Ana Lima' });
  assert.equal(basisOf(result, 'founded').citations[0].url, 'http://127.0.0.1:8080/a');
  assert.equal(basisOf(result, 'ceo').citations[0].url, 'http://127.0.0.1:8080/b');
});

test('nested objects are filled property by property, with one basis entry for the top-level field', () => {
  const page = '<html><body><dl><dt>City</dt><dd>Lyon</dd><dt>Country</dt><dd>France</dd></dl></body></html>';
  const result = json(page, { address: { type: 'object', properties: { city: { type: 'string' }, country: { type: 'string' }, zip: { type: 'string' } } } });
  assert.deepEqual(content(result), { address: { city: 'Lyon', country: 'France', zip: null } });
  assert.equal(
    basisOf(result, 'address').reasoning,
    "Filled property by property: address.city: definition list term 'City'; address.country: definition list term 'Country'; address.zip: not found.",
  );
  assert.equal(basisOf(result, 'address').confidence, 'medium');
});

test('validateHints names the property and the rule of each bad hint', () => {
  assert.deepEqual(validateHints({ properties: { price: { type: 'number', 'x-selector': '.price' } } }), []);
  const problems = validateHints({
    properties: {
      a: { type: 'string', 'x-selector': 'p[' },
      b: { type: 'string', 'x-regex': '(unclosed' },
      c: { type: 'array', items: { type: 'object', properties: { d: { type: 'string', 'x-jsonpath': '$..items[?(@.p>1)]' } } } },
      e: { type: 'string', 'x-attribute': 7 },
      f: { type: 'string', 'x-attribute': 'href' },
      g: { type: 'string', 'x-regex': '(\\d+)\\s+\\1' },
    },
  });
  assert.equal(problems.length, 6, problems.join('\n'));
  assert.match(problems[0], /^a: x-selector is not a valid CSS selector/);
  assert.match(problems[1], /^b: x-regex is not a valid regular expression/);
  assert.match(problems[2], /^c\[\]\.d: x-jsonpath is not a supported JSONPath/);
  assert.match(problems[3], /^e: x-attribute must be a string/);
  assert.match(problems[4], /^f: x-attribute needs an x-selector/);
  assert.match(
    problems[5],
    /^g: x-regex uses a construct the linear-time regular expression engine \(RE2\) refuses \(invalid escape sequence: `\\1`\): backreferences, lookahead and lookbehind/,
  );
});

test('a description alone does not pull in a loosely related value (no CEO from a product name)', () => {
  const result = json(PRODUCT_PAGE, { ceo: { type: 'string', description: 'Name of the chief executive officer' } });
  assert.deepEqual(content(result), { ceo: null });
  assert.equal(basisOf(result, 'ceo').confidence, 'low');
});

test('a bad hint at run time finds nothing instead of failing the run; other rules still apply', () => {
  const result = json(PRODUCT_PAGE, {
    sku: { type: 'string', 'x-selector': 'p[' },
    firmware: { type: 'string', 'x-regex': '(unclosed' },
    // A lookahead needs backtracking: RE2 refuses it, though it would match here.
    lookahead: { type: 'string', 'x-regex': 'Version (?=\\d)(\\S+)' },
    // Nested quantifiers are fine on RE2 (linear time whatever the pattern).
    nested: { type: 'string', 'x-regex': 'Version (\\d+(\\.\\d+)*)' },
  });
  assert.deepEqual(content(result), { sku: 'TR-2', firmware: null, lookahead: null, nested: '2.4' });
  assert.equal(basisOf(result, 'sku').reasoning, 'JSON-LD Product.sku.');
});

test('an explicit "Label: value" beats a heading that merely resembles the field', () => {
  const page = `<html><body><main>
    <h2>Pricing</h2><p>Plans for every team size.</p>
    <section><p>Price: $5 per user</p></section>
  </main></body></html>`;
  const result = json(page, { price: { type: 'string' } });
  assert.deepEqual(content(result), { price: '$5 per user' });
  assert.equal(basisOf(result, 'price').reasoning, "Text labelled 'Price'.");
});

test('a comparison table on its side (plans as columns) fills scalars and an array of objects', () => {
  const page = `<html><body><table>
    <tr><th></th><th>Basic</th><th>Pro</th></tr>
    <tr><th>Price</th><td>$10</td><td>$25</td></tr>
    <tr><th>Seats</th><td>1</td><td>5</td></tr>
  </table></body></html>`;
  const result = json(page, {
    pro_seats: { type: 'integer' },
    plans: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, price: { type: 'string' }, seats: { type: 'integer' } } } },
  });
  assert.deepEqual(content(result), {
    pro_seats: 5,
    plans: [
      { name: 'Basic', price: '$10', seats: 1 },
      { name: 'Pro', price: '$25', seats: 5 },
    ],
  });
  assert.equal(basisOf(result, 'pro_seats').reasoning, "Table row labelled 'Seats' under column 'Pro'.");
  assert.match(basisOf(result, 'plans').reasoning, /^2 columns of the table with rows 'Price', 'Seats'/);
});

test('JSON-LD: arrays of objects, nested values and schema.org names (company ↔ hiringOrganization, city ↔ addressLocality)', () => {
  const page = `<html><head><script type="application/ld+json">
    {"@context":"https://schema.org","@type":"JobPosting","title":"Senior Engineer","datePosted":"2026-02-01",
     "hiringOrganization":{"@type":"Organization","name":"Acme"},
     "jobLocation":{"@type":"Place","address":{"@type":"PostalAddress","addressLocality":"Lyon","addressCountry":"FR"}},
     "baseSalary":{"@type":"MonetaryAmount","currency":"EUR","value":{"@type":"QuantitativeValue","minValue":60000,"maxValue":80000}},
     "review":[{"@type":"Review","author":{"@type":"Person","name":"Ann"},"reviewRating":{"ratingValue":5}},
               {"@type":"Review","author":{"@type":"Person","name":"Bob"},"reviewRating":{"ratingValue":3}}]}
  </script></head><body></body></html>`;
  const result = json(page, {
    job_title: { type: 'string' },
    company: { type: 'string' },
    city: { type: 'string' },
    max_salary: { type: 'number' },
    reviews: { type: 'array', items: { type: 'object', properties: { author: { type: 'string' }, rating: { type: 'number' } } } },
  });
  assert.deepEqual(content(result), {
    job_title: 'Senior Engineer',
    company: 'Acme',
    city: 'Lyon',
    max_salary: 80000,
    reviews: [
      { author: 'Ann', rating: 5 },
      { author: 'Bob', rating: 3 },
    ],
  });
  assert.equal(basisOf(result, 'city').reasoning, 'JSON-LD JobPosting.jobLocation.address.addressLocality.');
});
