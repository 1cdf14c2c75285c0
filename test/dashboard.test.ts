import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { SKIP, capture, launchBrowser, signIn as signInAs, type Browser } from './dashboard-browser.js';
import { rss, startFixtureSite, startReceiver, startTestVigil, waitFor, type FixtureSite, type RssItem, type TestVigil } from './helpers.js';

const pricingPage = (pro: string) => `<!doctype html><html><head><title>Acme pricing</title></head><body>
<main><h1>Plans and pricing</h1><table>
<tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td>$10/mo</td></tr><tr><td>Pro</td><td>${pro}</td></tr>
</table></main></body></html>`;
const pricingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['basic_price', 'pro_price'],
  properties: {
    basic_price: { type: 'string', description: 'Monthly price of the Basic plan' },
    pro_price: { type: 'string', description: 'Monthly price of the Pro plan' },
  },
};
const oldItems: RssItem[] = [1, 2].map((n) => ({
  title: `Old story ${n}`,
  link: `https://news.example.test/old/${n}`,
  date: new Date(Date.now() - n * 86_400_000),
}));

describe('dashboard in a real Chromium', { skip: SKIP }, () => {
  let t: TestVigil;
  let site: FixtureSite;
  let context: BrowserContext;
  let page: Page;
  let browser: Browser;

  before(async () => {
    site = await startFixtureSite();
    t = await startTestVigil();
    browser = await launchBrowser();
    ({ context, page } = browser);
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
    await site?.close();
  });

  const signIn = (p: Page, key: string) => signInAs(p, t.url, key);

  it('serves the page without a key and keeps API paths behind auth', async () => {
    const home = await fetch(`${t.url}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /text\/html/);
    assert.equal((await fetch(`${t.url}/ui/app.js`)).status, 200);
    assert.equal((await fetch(`${t.url}/v1/nowhere`)).status, 401, 'unknown API paths still ask for a key first');
    assert.equal((await fetch(`${t.url}/v1/nowhere`, { headers: { 'x-api-key': t.apiKey } })).status, 404);
    // FindAll is served now; task groups are not, and answer 422 after auth.
    assert.equal((await fetch(`${t.url}/v1beta/tasks/groups`, { headers: { 'x-api-key': t.apiKey } })).status, 422);
    assert.equal((await fetch(`${t.url}/ui/missing.js`, { headers: { 'x-api-key': t.apiKey } })).status, 404);
    assert.equal((await fetch(`${t.url}/ui/pages/`)).status, 401, 'a directory is not served');
    assert.equal((await fetch(`${t.url}/ui/pages/`, { headers: { 'x-api-key': t.apiKey } })).status, 404);
  });

  it("signs in, refusing a wrong key with the API's message", async () => {
    await page.goto(`${t.url}/`);
    await capture(page, 'sign-in');
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refused = page.locator('[data-error-for="key"]');
    await waitFor(async () => /refused/.test((await refused.textContent()) ?? ''), 10_000, 'the refusal beside the key field');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('vigil.apiKey')), null);
    // Keyboard only: the field keeps focus after the refusal, and Enter submits.
    await page.getByLabel('API key').fill(t.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Monitors', level: 1 }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('vigil.apiKey')), t.apiKey, 'kept in sessionStorage');
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
  });

  it('shows a bad frequency beside the field, then creates a monitor and shows its new event live', async () => {
    site.set('/news.xml', rss('Fixture News', oldItems));
    const form = page.locator('#create-monitor');
    await form.getByLabel('Frequency').fill('5x');
    await form.getByLabel('Query').fill('Acme news');
    await form.getByLabel('Sources').fill(`${site.url}/news.xml`);
    await form.getByRole('button', { name: 'Create monitor' }).click();
    const error = form.locator('[data-error-for="frequency"]');
    await waitFor(async () => (await error.textContent())?.includes('must be'), 10_000, 'the frequency message');
    assert.match((await error.textContent()) ?? '', /got "5x"/);
    assert.equal(await form.getByLabel('Frequency').getAttribute('aria-invalid'), 'true');
    assert.equal((await t.client.monitor.list({ status: ['active', 'cancelled'] })).monitors.length, 0, 'nothing was written');
    await capture(page, 'monitors-error');

    await form.getByLabel('Frequency').fill('1d');
    await form.getByRole('button', { name: 'Create monitor' }).click();
    await page.locator('#timeline [data-kind="completion"]').waitFor({ timeout: 20_000 });
    await page.evaluate(() => {
      (window as any).notReloaded = true;
    });
    site.set(
      '/news.xml',
      rss('Fixture News', [
        { title: 'Acme raises $50M Series B', link: 'https://news.example.test/acme', description: 'Acme AI raised a $50M Series B.', date: new Date() },
        ...oldItems,
      ]),
    );
    await page.getByRole('button', { name: 'Run now' }).click();
    const event = page.locator('#timeline [data-kind="event_stream"]');
    await event.waitFor({ timeout: 20_000 });
    assert.match((await event.textContent()) ?? '', /Acme raises \$50M Series B/);
    assert.equal(await page.evaluate(() => (window as any).notReloaded), true, 'the event appeared without a reload');
    // The live region is cleared, then written 50 ms later (so a repeated message is read again): wait for it.
    await page.waitForFunction(() => /new event/.test(document.getElementById('announcer')?.textContent ?? ''), undefined, { timeout: 5_000 });
    assert.match((await page.locator('#announcer').textContent()) ?? '', /new event/);
    await capture(page, 'monitor-event-stream');

    await page.getByRole('link', { name: '← All monitors' }).click();
    await page.locator('table').getByText('Change detected').first().waitFor();
    await capture(page, 'monitors');
  });

  it("edits a monitor, with a refused value beside its field; another account's monitor is not found", async () => {
    const [monitor] = (await t.client.monitor.list()).monitors;
    await page.goto(`${t.url}/#/monitors/${monitor.monitor_id}`);
    const form = page.locator('#edit-monitor');
    await form.getByLabel('Frequency').fill('0h');
    await form.getByRole('button', { name: 'Save changes' }).click();
    const error = form.locator('[data-error-for="frequency"]');
    await waitFor(async () => /got "0h"/.test((await error.textContent()) ?? ''), 10_000, 'the frequency message');
    await form.getByLabel('Frequency').fill('2d');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await waitFor(async () => (await t.client.monitor.retrieve(monitor.monitor_id)).frequency === '2d', 10_000, 'the update');
    await page.locator('#facts').getByText('2d', { exact: true }).waitFor();

    await page.getByRole('link', { name: '← All monitors' }).click();
    await page.getByRole('button', { name: 'Cancel: Acme news' }).click();
    await waitFor(async () => (await t.client.monitor.retrieve(monitor.monitor_id)).status === 'cancelled', 10_000, 'the cancel');
    await page.getByText('No monitors match').waitFor();
    await page.getByLabel('Status').selectOption('cancelled');
    await page.locator('table').getByText('cancelled', { exact: true }).first().waitFor();

    const other = await t.other();
    const theirs = await other.client.monitor.create({ type: 'event_stream', frequency: '1d', settings: { query: `Their news ${site.url}/news.xml` } });
    await page.goto(`${t.url}/#/monitors/${theirs.monitor_id}`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /Monitor not found/);
    assert.equal(await page.getByText('Their news').count(), 0);
  });

  it('creates a snapshot monitor from a completed task run and shows a change as a diff', async () => {
    site.set('/pricing', pricingPage('$25/mo'));
    const run = await t.client.taskRun.create({
      input: `Extract the plan prices from ${site.url}/pricing`,
      processor: 'lite',
      task_spec: { output_schema: { type: 'json', json_schema: pricingSchema } },
    });
    await t.client.taskRun.result(run.run_id, { timeout: 20 });
    await page.goto(`${t.url}/#/tasks/${run.run_id}`);
    await page.locator('#task-output').waitFor();
    await capture(page, 'task-run');
    await page.getByRole('link', { name: 'Task runs', exact: true }).click();
    await page.getByRole('heading', { name: 'Task runs', level: 1 }).waitFor();
    await capture(page, 'task-runs');
    await page.goto(`${t.url}/#/tasks/${run.run_id}`);
    await page.getByRole('button', { name: 'Create snapshot monitor' }).click();
    await page.locator('#timeline [data-kind="completion"]').waitFor({ timeout: 20_000 });

    site.set('/pricing', pricingPage('$29/mo'));
    await page.getByRole('button', { name: 'Run now' }).click();
    const diff = page.locator('#timeline [data-kind="snapshot"] table.diff');
    await diff.waitFor({ timeout: 20_000 });
    const row = diff.locator('tbody tr');
    assert.equal(await row.count(), 1, 'only the changed field');
    assert.equal((await row.locator('th').textContent())?.trim(), 'pro_price');
    assert.equal((await row.locator('td.old').textContent())?.trim(), '$25/mo');
    assert.equal((await row.locator('td.new').textContent())?.trim(), '$29/mo');
    await capture(page, 'monitor-snapshot');
  });

  it('shows evaluation scores as a chart and failing evaluations with their rationale', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${t.apiKey}` };
    const created = await (
      await fetch(`${t.url}/monitor`, { method: 'POST', headers, body: JSON.stringify({ name: 'support bot', guardrail_metrics: ['completeness'] }) })
    ).json();
    for (const answer of ['Paris is the capital of France.', 'I do not know.']) {
      await fetch(`${t.url}/monitor/${created.monitor_id}/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model_input: { user_prompt: 'What is the capital of France?', ground_truth: 'Paris' }, model_output: answer }),
      });
    }
    await waitFor(
      async () => {
        const detail = await (await fetch(`${t.url}/monitor/${created.monitor_id}`, { headers })).json();
        return detail.stats.completed_evaluations === 2;
      },
      20_000,
      'two evaluations',
    );
    await page.goto(`${t.url}/#/evaluations/${created.monitor_id}`);
    await page.locator('svg.chart').waitFor();
    // lite judges completeness without a model: the short answer fails it, with a rationale.
    assert.equal(await page.locator('svg.chart polyline').count(), 1, 'one line per metric');
    const failing = page.locator('section[aria-labelledby="failing-title"] article');
    const unknown = failing.filter({ hasText: 'I do not know.' });
    assert.equal(await unknown.count(), 1, 'the evaluation that failed');
    assert.match((await unknown.textContent()) ?? '', /completeness 0\.00 \(threshold 0\.8\):.*not addressed/s);
    await capture(page, 'evaluation-monitor');
    await page.getByRole('link', { name: 'Evaluations', exact: true }).click();
    await page.getByRole('heading', { name: 'Evaluation monitors', level: 1 }).waitFor();
    await capture(page, 'evaluation-monitors');
  });

  it('shows webhook settings, endpoint health and deliveries, and redelivers one', async () => {
    const receiver = await startReceiver();
    try {
      const monitor = await t.client.monitor.create({
        type: 'event_stream',
        frequency: '1d',
        settings: { query: `Acme news ${site.url}/news.xml` },
        webhook: { url: receiver.url },
      });
      await waitFor(() => receiver.received.length >= 1, 20_000, "the creation run's webhook");
      await page.goto(`${t.url}/#/monitors/${monitor.monitor_id}`);
      await page.locator('#deliveries').getByText('delivered', { exact: true }).first().waitFor();
      await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
      await page.getByRole('heading', { name: 'Signing secret' }).waitFor();
      await page.locator('#endpoints').getByText(receiver.url).waitFor();
      await page
        .locator('#all-deliveries')
        .getByRole('button', { name: /^Redeliver/ })
        .first()
        .waitFor();
      await capture(page, 'webhooks');
      const before = receiver.received.length;
      await page
        .locator('#all-deliveries')
        .getByRole('button', { name: /^Redeliver/ })
        .first()
        .click();
      await waitFor(() => receiver.received.length > before, 20_000, 'the redelivery');
      assert.equal(receiver.received.at(-1)?.headers['webhook-id'], receiver.received[0].headers['webhook-id'], 'the same webhook-id');
    } finally {
      await receiver.close();
    }
  });

  it('lists keys by prefix, and revoking the key in use signs the user out', { skip: keysSkip() }, async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${t.apiKey}` };
    const second = await (await fetch(`${t.url}/v1/keys`, { method: 'POST', headers, body: '{}' })).json();
    const tab = await context.newPage();
    await signIn(tab, second.key);
    await tab.getByRole('link', { name: 'Keys', exact: true }).click();
    await tab.getByRole('button', { name: `Revoke key ${second.prefix}` }).waitFor();
    assert.equal(await tab.getByText(second.key).count(), 0, 'the full key is never listed');
    await tab.getByLabel('Name').fill('deploy script');
    await tab.getByRole('button', { name: 'Create a key' }).click();
    const shown = (await tab.locator('#created-key').textContent()) ?? '';
    assert.match(shown, /^vgl_/, 'a new key is shown once, in full');
    await tab.getByRole('cell', { name: 'deploy script' }).waitFor();
    assert.equal(await tab.getByText(shown).count(), 1, 'only in the notice, not the list');
    await capture(tab, 'keys');
    await tab.getByRole('button', { name: `Revoke key ${second.prefix}` }).click();
    await tab.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor();
    assert.match((await tab.locator('#signed-out').textContent()) ?? '', /signed out/i);
    assert.equal(await tab.evaluate(() => sessionStorage.getItem('vigil.apiKey')), null);
    await tab.close();
  });
});

/** The key API arrives from another branch; until it is merged the revocation test says why it skips. */
function keysSkip(): string | false {
  return existsSync(join(process.cwd(), 'src', 'api', 'keys.ts')) ? false : 'the key API (GET/POST/DELETE /v1/keys) is not in this tree yet';
}
