// Shared by the dashboard's browser tests: Debian's Chromium through Playwright's library, axe-core
// checks and screenshots at phone and desktop widths.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Debian's chromium package, driven by Playwright's library; Playwright never downloads a browser here.
const CHROMIUM = '/usr/bin/chromium';
/** Why the browser tests skip (Chromium missing), or false when they run. */
export const SKIP = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;
const SHOTS = join(process.cwd(), 'test-output', 'screenshots');
const AXE = existsSync(CHROMIUM) ? readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8') : '';
const WIDTHS = [390, 1280];

/** Serious and critical axe violations on the page as it is now, described for an assertion message. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not apply.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3) }));
  });
  return violations
    .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
    .map((v: any) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
}

/** Screenshots of the page at phone and desktop widths, each checked by axe. */
export async function capture(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
    const problems = await accessibilityProblems(page);
    assert.deepEqual(problems, [], `${name} at ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** A headless Chromium with a throwaway profile; `close` also removes the profile. */
export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Launches Chromium (dialogs accepted, page errors printed) and opens one page. */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'vigil-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.on('dialog', (dialog) => void dialog.accept());
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  // The page's own errors go to the test's output: a failing step then says why.
  context.on('weberror', (error) => console.error('page error:', error.error().message));
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs the page in with a key from a fresh tab state. */
export async function signIn(p: Page, baseUrl: string, key: string): Promise<void> {
  await p.goto(`${baseUrl}/`);
  await p.getByLabel('API key').fill(key);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Monitors', level: 1 }).waitFor();
}
