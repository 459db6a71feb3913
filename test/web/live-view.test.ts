/**
 * The browser view (docs/web.md) in a real Chromium against a real `rex serve` with a token,
 * running a real Python script (test/fixtures/python/web_watch.py) that sends known data and then
 * watches its Listener. Needs `npm run build` (dist/ and dist/web).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { openPage, screenshot, scriptLogLines, useBrowser, type WatchedPage } from '../helpers/browser.js';
import { freePort } from '../helpers/rex-cli.js';
import { startServe, type ServeProcess } from '../serve/serve-process.js';

const TOKEN = 'web-view-token';

/** What web_watch.py sends. */
const TEMPERATURE = [0, 1, 2, 3, 4].map((i) => 20 + i / 2);
const TRACE_POINTS = 200;
/** What it prints once it has sent them and its Listener has answered. */
const SCRIPT_LINES = ['web_watch: sent', 'state: Running'];

async function logIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/ui/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

const attributes = async (locator: Locator, name: string) => Promise.all((await locator.all()).map((one) => one.getAttribute(name)));

const cell = (page: Page, device: string, channel: string, field: string) =>
  page.locator(`[data-device="${device}"] tr[data-channel="${channel}"] [data-field="${field}"]`);

describe('the browser view on rex serve', () => {
  const browser = useBrowser();
  let serve: ServeProcess;
  let watched: WatchedPage;
  beforeAll(async () => {
    // Fault injection: SIGUSR2 crashes the http-gateway (the page must reconnect).
    serve = await startServe({ token: TOKEN, env: { REX_FAULT_INJECTION: '1' } });
    const started = await serve.http('POST', '/run', { body: { path: 'fixtures/python/web_watch.py', port: await freePort() } });
    expect(started.status, started.text).toBe(200);
    await serve.waitForOutput(/\[script\] state: Running/);
  }, 90_000);
  afterAll(async () => {
    await watched?.context.close();
    await serve?.dispose();
  });

  it('refuses a wrong token and lets the right one in; the token never goes into the URL', async () => {
    expect(serve.output()).toContain(`Browser view: http://127.0.0.1:${serve.port}/ui/`);
    watched = await openPage(browser());
    const { page } = watched;
    await logIn(page, serve.url, 'not-the-token');
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toBe('wrong token');
    expect(await page.locator('#run').count()).toBe(0);
    await screenshot(page, 'web-login-wrong-token');
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#run [data-field="phase"]', { hasText: 'running' }).waitFor();
    expect(page.url()).not.toContain(TOKEN);
  }, 30_000);

  it('shows the session, devices, channels with units and counts, the latest values and the results the script sent', async () => {
    const { page } = watched;
    await expect.poll(() => cell(page, 'probe', 'temperature', 'count').textContent(), { timeout: 10_000 }).toBe('5');
    expect(await page.locator('[data-field="session-name"]').textContent()).toBe('Web view test');
    expect(await page.locator('#session').textContent()).toContain('"W-7"');
    expect(await attributes(page.locator('[data-device]'), 'data-device')).toEqual(['probe', 'scope']);
    expect(await cell(page, 'probe', 'temperature', 'unit').textContent()).toBe('K');
    expect(await cell(page, 'probe', 'bias', 'unit').textContent()).toBe('V');
    expect(await cell(page, 'scope', 'trace', 'unit').textContent()).toBe('mV');
    expect(await cell(page, 'scope', 'trace', 'count').textContent()).toBe('1');
    await expect
      .poll(() => cell(page, 'probe', 'temperature', 'latest').textContent(), { timeout: 10_000 })
      .toBe(String(TEMPERATURE.at(-1)));
    expect(await cell(page, 'probe', 'bias', 'latest').textContent()).toBe('0.4');
    expect(await cell(page, 'scope', 'trace', 'latest').textContent()).toBe(`${TRACE_POINTS} points`);
    expect(await page.locator('[data-result="in_range"]').getAttribute('class')).toBe('pass');
    expect(await page.locator('[data-result="drift"]').getAttribute('class')).toBe('fail');

    // Charts: chosen from the table, kept in the hash, back after a reload.
    await page.locator('[data-device="probe"] tr[data-channel="temperature"] button').click();
    // A charted trace is asked at full resolution.
    const full = page.waitForResponse((r) => new URL(r.url()).pathname === '/datastream/full');
    await page.locator('[data-device="scope"] tr[data-channel="trace"] button').click();
    expect((await full).status()).toBe(200);
    await page.locator('[data-device="probe"] tr[data-channel="bias"] button').click();
    expect(new URL(page.url()).hash).toBe('#/live?charts=probe:temperature,scope:trace,probe:bias');
    await page.reload();
    await page.locator('.chart canvas').nth(2).waitFor();
    expect(await attributes(page.locator('.chart'), 'data-chart')).toEqual(['probe / temperature', 'scope / trace', 'probe / bias']);
    await screenshot(page, 'web-live-view');
  }, 30_000);

  it('shows the lines the script printed in the log while the run goes', async () => {
    const { page } = watched;
    await expect.poll(() => scriptLogLines(page), { timeout: 10_000 }).toEqual(SCRIPT_LINES);
    expect(await page.locator('#run [data-field="phase"]').textContent()).toBe('running');
    await screenshot(page, 'web-live-log');
  });

  it('Pause from the page makes the Listener answer Paused, Resume makes it Running', async () => {
    const { page } = watched;
    const before = serve.output().length;
    await page.getByRole('button', { name: 'Pause' }).click();
    await serve.waitForOutput(/\[script\] state: Paused/, 20_000, before);
    await page.locator('[data-field="paused"]', { hasText: 'Paused' }).waitFor();
    await screenshot(page, 'web-paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await serve.waitForOutput(/state: Paused[\s\S]*\[script\] state: Running/, 20_000, before);
    await page.locator('[data-field="paused"]', { hasText: 'Running' }).waitFor();
    await expect.poll(() => scriptLogLines(page), { timeout: 10_000 }).toEqual([...SCRIPT_LINES, 'state: Paused', 'state: Running']);
  }, 45_000);

  it('when the gateway crashes and comes back, the page reconnects to the live push by itself', async () => {
    const { page } = watched;
    const before = serve.output().length;
    const reconnected = page.waitForResponse((r) => new URL(r.url()).pathname === '/events' && r.status() === 200, { timeout: 40_000 });
    serve.child.kill('SIGUSR2');
    await serve.waitForOutput(/Rex Server listening on \S+ \(restarted, 1\)/, 30_000, before);
    await reconnected;
    await page.locator('[data-field="connection"]', { hasText: /^live$/ }).waitFor({ timeout: 20_000 });
  }, 60_000);

  it('Kill asks first, then ends the run, whose log tail the page shows', async () => {
    const { page } = watched;
    await page.getByRole('button', { name: 'Kill' }).click();
    await page.getByRole('button', { name: 'Yes, kill' }).click();
    await page.locator('#run [data-field="phase"]', { hasText: 'ended' }).waitFor({ timeout: 30_000 });
    await page.locator('#log pre').waitFor({ timeout: 10_000 });
    expect(await page.locator('#log pre').textContent()).toContain('web_watch: sent');
    // The last datastream before the end stays on the page.
    await page.waitForTimeout(500);
    expect(await cell(page, 'probe', 'temperature', 'latest').textContent()).toBe(String(TEMPERATURE.at(-1)));
    expect(await cell(page, 'scope', 'trace', 'latest').textContent()).toBe(`${TRACE_POINTS} points`);
    await screenshot(page, 'web-ended');
  }, 45_000);

  it('the page runs under its Content-Security-Policy with no console errors', async () => {
    const response = await fetch(`${serve.url}/ui/`);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    await screenshot(watched.page, 'web-csp');
    expect(watched.problems).toEqual([]);
    // The only refusals: the login's (no token yet, then the wrong one), and perhaps a poll of
    // /status or /datastream/full that raced the run's end (502: no run in progress).
    const raced = new Set(['502 GET /status', '502 GET /datastream/full']);
    expect(watched.refused.filter((r) => !raced.has(r))).toEqual(['401 GET /run', '401 GET /run']);
  });
});
