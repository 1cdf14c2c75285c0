/** Realistic pages shared by the extraction tests (test fixtures only; nothing in src/ imports this). */

export const URL_A = 'http://127.0.0.1:8080/products/trail-runner';

export const PRODUCT_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Trail Runner 2 — Acme Outdoor</title>
  <meta name="description" content="A light trail shoe with a grippy sole.">
  <meta property="og:title" content="Acme Trail Runner 2">
  <meta property="og:type" content="product">
  <script type="application/ld+json">
  {"@context":"https://schema.org","@graph":[
    {"@type":"Organization","name":"Acme Outdoor","url":"https://acme.example/"},
    {"@type":"WebSite","name":"Acme Outdoor Shop"},
    {"@type":"Product","name":"Trail Runner 2","sku":"TR-2","description":"A light trail shoe with a grippy sole.",
     "brand":{"@type":"Brand","name":"Acme"},
     "offers":{"@type":"Offer","price":"1,299.00","priceCurrency":"SEK","availability":"https://schema.org/InStock"}}
  ]}
  </script>
</head>
<body>
  <nav><a href="/">Home</a> <a href="/shoes">Shoes</a></nav>
  <main>
    <h1>Trail Runner 2</h1>
    <p class="price">kr 1 099</p>
    <p>Price: 999 SEK (outlet)</p>
    <a class="manual" href="/files/tr2-manual.pdf">Download the manual</a>
    <p>Firmware Version 2.4 ships with the 2026 model.</p>
  </main>
  <footer>© 2026 Acme Outdoor · Privacy</footer>
</body>
</html>`;

export const PRICING_PAGE = `<!doctype html>
<html><head><title>Pricing — Acme Cloud</title></head>
<body>
  <header><nav><a href="/">Acme Cloud</a> <a href="/docs">Docs</a> <a href="/pricing">Pricing</a></nav></header>
  <main>
    <h1>Pricing</h1>
    <p>Simple plans that grow with your team.</p>
    <table class="plans">
      <thead><tr><th>Plan</th><th>Price</th><th>Seats</th></tr></thead>
      <tbody>
        <tr><td>Basic</td><td>$10/mo</td><td>1</td></tr>
        <tr><td>Pro</td><td>$25/mo</td><td>5</td></tr>
        <tr><td>Team</td><td>$60/mo</td><td>20</td></tr>
      </tbody>
    </table>
  </main>
  <footer>Acme Cloud Inc. · Terms · Privacy</footer>
</body></html>`;
