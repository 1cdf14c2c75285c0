// The dashboard's FindAll page in a real Chromium: create a run against the local company site (by
// ingesting its objective), watch candidates appear and be judged live, see the matches, cancel a
// second run. Network rule: the browser and the research talk only to 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { SKIP, capture, launchBrowser, signIn, type Browser } from './dashboard-browser.js';
import { FIXTURE_COMPANIES, MATCHING_BERLIN_AI_SERIES_A_2024, startFindAllSite, type FindAllSite } from './fixtures/findall-site.js';
import { startTestVigil, waitFor, type TestVigil } from './helpers.js';

const matchingNames = MATCHING_BERLIN_AI_SERIES_A_2024.map((slug) => FIXTURE_COMPANIES.find((c) => c.slug === slug)!.name).sort();

describe('dashboard FindAll page in a real Chromium', { skip: SKIP }, () => {
  let t: TestVigil;
  let site: FindAllSite;
  let browser: Browser;
  let page: Page;

  before(async () => {
    site = await startFindAllSite();
    t = await startTestVigil();
    browser = await launchBrowser();
    page = browser.page;
    await signIn(page, t.url, t.apiKey);
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
    await site?.close();
  });

  /** Each candidate row's name and match status, as the page shows them now. */
  const rows = (p: Page) =>
    p
      .locator('#candidates tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => ({ name: tr.querySelector('td > :first-child')?.textContent?.trim() ?? '', status: (tr as HTMLElement).dataset.status ?? '' })),
      );

  it('shows a bad match limit beside the field, then ingests, creates and watches a run live', async () => {
    // Slow company pages: the run then takes several polls, and candidates arrive while we watch.
    for (const c of FIXTURE_COMPANIES) site.site.delay(`/companies/${c.slug}`, 400);
    await page.getByRole('link', { name: 'FindAll runs' }).click();
    await page.getByRole('heading', { name: 'FindAll runs', level: 1 }).waitFor();
    const form = page.locator('#create-findall');
    await form.getByLabel('Objective').fill(`Find AI companies in Berlin that raised a Series A in 2024, from ${site.url}/`);
    await form.getByRole('button', { name: 'Ingest objective' }).click();
    await waitFor(async () => (await form.getByLabel('Entity type').inputValue()) !== '', 10_000, 'the ingested entity type');
    assert.ok(await form.getByLabel('Condition 1 name').inputValue(), 'ingest filled the first condition');
    await form.getByLabel('Match limit').fill('1');
    await form.getByRole('button', { name: 'Create FindAll run' }).click();
    const limitError = form.locator('[data-error-for="match_limit"]');
    await waitFor(async () => Boolean(await limitError.textContent()), 10_000, 'the match limit message');
    assert.equal(await form.getByLabel('Match limit').getAttribute('aria-invalid'), 'true');
    await capture(page, 'findall-create-error');

    await form.getByLabel('Match limit').fill('10');
    await form.getByRole('button', { name: 'Create FindAll run' }).click();
    await page.locator('#findall-status').waitFor();
    await page.evaluate(() => {
      (window as any).notReloaded = true;
    });
    const seen: number[] = [];
    const final = await waitFor(
      async () => {
        const now = await rows(page);
        seen.push(now.length);
        const status = (await page.locator('#findall-status').textContent()) ?? '';
        const generated = Number(/(\d+) candidates generated/.exec((await page.locator('#findall-metrics').textContent()) ?? '')?.[1]);
        const settled = now.length === generated && now.every((r) => r.status !== 'generated');
        return /completed/.test(status) && !/active/.test(status) && settled ? now : undefined;
      },
      90_000,
      'the run to complete on the page',
    );
    assert.ok(
      seen.some((n) => n > 0 && n < final.length),
      `candidates appeared a few at a time (counts seen: ${seen.join(',')})`,
    );
    assert.equal(await page.evaluate(() => (window as any).notReloaded), true, 'updated without reloading');
    assert.ok(
      final.every((r) => r.status === 'matched' || r.status === 'unmatched' || r.status === 'discarded'),
      JSON.stringify(final),
    );
    assert.deepEqual(
      final
        .filter((r) => r.status === 'matched')
        .map((r) => r.name)
        .sort(),
      matchingNames,
    );
    const matchedRow = page.locator('#candidates tbody tr[data-status="matched"]').first();
    assert.ok((await matchedRow.getByText('✓ met').count()) > 0, 'per-condition verdicts shown');
    const cited = await matchedRow.locator('td[data-label="Citations"] a').first().getAttribute('href');
    assert.match(cited ?? '', /^http:\/\/127\.0\.0\.1:/, 'a citation links to the page read');
    assert.match(
      (await page.locator('#findall-metrics').textContent()) ?? '',
      new RegExp(`${final.length} candidates generated, ${matchingNames.length} matched`),
    );
    assert.match((await page.locator('#announcer').textContent()) ?? '', /New match/);
    assert.equal(await page.locator('#cancel-run').count(), 0, 'a completed run offers no cancel');
    // Enrich is offered on a completed run; the API's 422 for a schema it refuses lands beside the field.
    await page.getByText('Enrich matched candidates').click();
    const enrich = page.locator('#enrich-run');
    await enrich.getByLabel('Enrichment output schema').fill('{"type":"string"}');
    await enrich.getByRole('button', { name: 'Enrich matches' }).click();
    const enrichError = enrich.locator('[data-error-for="output_schema"]');
    await waitFor(async () => Boolean(await enrichError.textContent()), 10_000, 'the enrichment schema message');
    assert.equal(
      (await t.client.beta.findall.schema(decodeURIComponent(new URL(page.url()).hash.replace('#/findall/', '')))).enrichments ?? null,
      null,
      'nothing was written',
    );
    await capture(page, 'findall-run');
  });

  it("lists the session's runs and cancels a second run", async () => {
    for (const c of FIXTURE_COMPANIES) site.site.delay(`/companies/${c.slug}`, 5_000);
    await page.goto(`${t.url}/#/findall`);
    await page.getByRole('list', { name: 'Recent FindAll runs' }).waitFor();
    assert.equal(await page.getByRole('list', { name: 'Recent FindAll runs' }).getByRole('listitem').count(), 1);
    const form = page.locator('#create-findall');
    await form.getByLabel('Objective').fill(`Find AI companies in Berlin that raised a Series A in 2024, from ${site.url}/`);
    await form.getByLabel('Entity type').fill('companies');
    await form.getByLabel('Condition 1 name').fill('in_berlin');
    await form.getByLabel('Condition 1 description').fill('The company is based in Berlin');
    await form.getByRole('button', { name: 'Add condition' }).click();
    await form.getByLabel('Condition 2 name').fill('series_a_2024');
    await form.getByLabel('Condition 2 description').fill('The company raised a Series A in 2024');
    await form.getByRole('button', { name: 'Create FindAll run' }).click();
    await page.locator('#cancel-run').click();
    await waitFor(
      async () =>
        /cancelled/.test((await page.locator('#findall-status').textContent()) ?? '') &&
        !/active/.test((await page.locator('#findall-status').textContent()) ?? ''),
      60_000,
      'the run cancelled on the page',
    );
    assert.match((await page.locator('#termination').textContent()) ?? '', /user cancelled/);
    const id = decodeURIComponent(new URL(page.url()).hash.replace('#/findall/', ''));
    const run = await t.client.beta.findall.retrieve(id);
    assert.equal(run.status.status, 'cancelled');
    assert.equal(await page.locator('#cancel-run').count(), 0, 'no cancel once cancelled');
    await page.goto(`${t.url}/#/findall`);
    assert.equal(await page.getByRole('list', { name: 'Recent FindAll runs' }).getByRole('listitem').count(), 2);
    await capture(page, 'findall-list');
  });
});
