/**
 * A real Chromium for the browser view's tests: Debian's `chromium`, driven by playwright-core.
 * One browser per test file (`useBrowser()` in a describe: launched before, closed after). Each page
 * records its console errors and uncaught exceptions, and screenshots go to
 * test-output/screenshots/<name>.png (gitignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { REPO_ROOT } from './rex-cli.js';

export const CHROMIUM = process.env.REX_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-output', 'screenshots');

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions, as they happened (Chromium's "Failed to load resource" lines aside: see `refused`). */
  problems: string[];
  /** The answers of 400 and above the page got: `<status> <method> <path>`. */
  refused: string[];
}

/** The browser of this file: `browser()` inside the tests. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  }, 60_000);
  afterAll(async () => browser?.close());
  return () => {
    if (!browser) throw new Error('the browser is not running (useBrowser() belongs in a describe)');
    return browser;
  };
}

/** A fresh context (its own sessionStorage) with one page, watched for errors. */
export async function openPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const refused: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource:')) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) refused.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
  });
  return { page, context, problems, refused };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The script's lines (rex logs each as `... [script] <line>`) in the Live tab's log panel, read from the page. */
export async function scriptLogLines(page: Page): Promise<string[]> {
  const pre = page.locator('#log pre');
  // Not there yet: no lines (textContent would wait for it).
  const text = (await pre.count()) === 0 ? '' : ((await pre.textContent()) ?? '');
  return text.split('\n').flatMap((l) => /\[script\] (.*)$/.exec(l)?.[1] ?? []);
}

/**
 * A drag across a uPlot chart from `a` to `b` (fractions of its width): its zoom. The mouse acts
 * in the viewport's coordinates, so the plot's overlay is waited for (uPlot may remount it when the
 * data changes) and scrolled into view first.
 */
export async function dragAcross(page: Page, plot: Locator, a: number, b: number): Promise<void> {
  const over = plot.locator('.u-over');
  await over.waitFor({ state: 'visible' });
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  if (box === null) throw new Error('the plot is not on the page');
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * a, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * b, y, { steps: 5 });
  await page.mouse.up();
}
