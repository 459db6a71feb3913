/**
 * The browser view's Past runs tab (docs/web.md) in a real Chromium against a real `rex serve`
 * with a token, whose allowed output directory holds real runs' files (export_mix.py, and
 * web_long.py's long channel with timestamps, run through `POST /run`) and the original rex's
 * reference file. What the page shows is read from the DOM and
 * compared with the files (parsed by smol-toml); the download's bytes with the file's.
 * Needs `npm run build` (dist/ and dist/web).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { parse } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dragAcross, openPage, screenshot, useBrowser, type WatchedPage } from '../helpers/browser.js';
import { REFERENCE_OUTPUT } from '../helpers/export-run.js';
import { freePort, outputFiles, PY_FIXTURES, REX_BIN } from '../helpers/rex-cli.js';
import { startServe, type ServeProcess } from '../serve/serve-process.js';

const TOKEN = 'past-runs-token';

/** A parsed TOML document, read by known keys. */
type Toml = Record<string, any>;

const texts = async (page: Page, selector: string): Promise<string[]> => page.locator(selector).allTextContents();
const chartNames = async (page: Page) =>
  Promise.all((await page.locator('#past-charts .chart').all()).map((chart) => chart.getAttribute('data-chart')));

describe('the Past runs tab', () => {
  const browser = useBrowser();
  let serve: ServeProcess;
  let watched: WatchedPage;
  let runFile: string;
  let doc: Toml;
  let longFile: string;
  let longDoc: Toml;
  beforeAll(async () => {
    // web_long.py's long channel by the CLI, meanwhile export_mix.py through the server's POST /run.
    const longDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-web-long-'));
    const longRun = promisify(execFile)(
      process.execPath,
      [REX_BIN, 'run', path.join(PY_FIXTURES, 'web_long.py'), '-o', longDir, '-P', String(await freePort())],
      { env: { ...process.env, XDG_CONFIG_HOME: longDir } },
    );
    serve = await startServe({ token: TOKEN });
    const started = await serve.http('POST', '/run', { body: { path: 'fixtures/python/export_mix.py' } });
    expect(started.status, started.text).toBe(200);
    const ended = await serve.waitForRun((run) => run.phase === 'ended');
    expect(ended.exit_code, serve.output()).toBe(0);
    [runFile] = outputFiles(serve.outputDir) as [string];
    doc = parse(fs.readFileSync(runFile, 'utf8')) as Toml;
    await longRun;
    const [long] = outputFiles(longDir) as [string];
    longFile = path.join(serve.outputDir, path.basename(long));
    fs.copyFileSync(long, longFile);
    fs.rmSync(longDir, { recursive: true, force: true });
    longDoc = parse(fs.readFileSync(longFile, 'utf8')) as Toml;
    fs.copyFileSync(REFERENCE_OUTPUT, path.join(serve.outputDir, 'reference.toml'));
    // A file that cannot be read as a run: named in the list's note.
    fs.writeFileSync(path.join(serve.outputDir, 'broken.toml'), '[session\n');
  }, 90_000);
  afterAll(async () => {
    await watched?.context.close();
    await serve?.dispose();
  });

  it('lists the runs, newest first, with a note naming the file it could not read', async () => {
    watched = await openPage(browser());
    const { page } = watched;
    await page.goto(`${serve.url}/ui/#/runs`);
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#runs tr[data-run]').nth(1).waitFor();
    expect(await texts(page, '#runs [data-field="session"]')).toEqual(['Export mix', 'Long wave', 'Test']);
    const row = page.locator('#runs tr[data-run]').first();
    const listed = (await serve.http('GET', '/runs')).json().runs[0];
    expect(listed.file).toBe(runFile);
    // In the browser's local time.
    const local = await page.evaluate((iso) => new Date(iso).toLocaleString(), listed.start as string);
    expect(await row.locator('[data-field="start"]').textContent()).toBe(local);
    expect(await row.locator('[data-field="devices"]').textContent()).toBe(Object.keys(doc.device).sort().join(', '));
    expect(await row.locator('[data-field="status"]').textContent()).toBe(doc.session.run.status);
    expect(await row.locator('[data-field="size"]').textContent()).toMatch(/^\d+(\.\d)? KB$/);
    expect(await page.locator('#problems').textContent()).toContain('broken.toml');
    await screenshot(page, 'web-past-runs-list');
  }, 30_000);

  it("opens a run: its devices, channels and results as in the file, a trace's rows plotted", async () => {
    const { page } = watched;
    await page.getByRole('link', { name: 'Export mix' }).click();
    await page.locator('#past-results [data-result]').first().waitFor();
    expect(page.url()).toMatch(/#\/runs\/[\w-]+$/);
    expect(await page.locator('#past-session [data-field="session-name"]').textContent()).toBe(doc.session.info.session_name);
    const devices = await Promise.all((await page.locator('#past-devices [data-device]').all()).map((d) => d.getAttribute('data-device')));
    expect(devices.sort()).toEqual(Object.keys(doc.device).sort());
    const trace = page.locator('[data-device="scope"] tr[data-channel="trace (V)"]');
    expect(await trace.locator('[data-field="unit"]').textContent()).toBe(doc.device.scope.data['trace (V)'].unit);
    expect(await trace.locator('[data-field="count"]').textContent()).toBe(String(doc.device.scope.data['trace (V)'].data.length));
    for (const [name, result] of Object.entries(doc.results as Toml)) {
      expect(await page.locator(`[data-result="${name}"]`).getAttribute('class')).toBe(result.result_status ? 'pass' : 'fail');
    }

    // Two charts at once: the trace (its last rows overlaid), then a single channel.
    const rowsAsked: string[] = [];
    const rowAnswers = new Map<number, Toml>();
    page.on('response', (r) => {
      const query = new URL(r.url()).searchParams;
      if (!new URL(r.url()).pathname.endsWith('/channel') || !query.has('row') || query.has('from')) return;
      rowsAsked.push(query.get('row')!);
      void r.json().then((body) => rowAnswers.set(Number(query.get('row')), body));
    });
    await trace.getByRole('button', { name: 'plot' }).click();
    await page.locator('[data-device="scope"] tr[data-channel="counts"]').getByRole('button', { name: 'plot' }).click();
    const traceChart = page.locator('#past-charts .chart-cell').first();
    await expect.poll(() => traceChart.locator('[data-rows]').getAttribute('data-rows')).toBe('3');
    expect(await traceChart.locator('[data-field="rows"]').textContent()).toBe('rows 0–2 of 0–2');
    expect(decodeURIComponent(new URL(page.url()).hash)).toMatch(/\?charts=scope:trace \(V\),scope:counts$/);
    // Each row as the file holds it (NaN and ±infinity as null, as JSON carries them).
    const rows: number[][] = doc.device.scope.data['trace (V)'].data;
    await expect.poll(() => rowAnswers.size).toBe(3);
    for (const [k, row] of rows.entries()) {
      expect(rowAnswers.get(k)!.y).toEqual(row.map((v) => (Number.isFinite(v) ? v + 0 : null)));
    }
    // A zoom on the overlay: that range of the newest row, every point, with the rows before it.
    const zoomAsked = page.waitForResponse((r) => new URL(r.url()).searchParams.has('from'), { timeout: 10_000 });
    const overlay = traceChart.locator('.plot');
    // The mouse acts in the viewport's coordinates: the plot must be in view.
    await overlay.scrollIntoViewIfNeeded();
    await dragAcross(page, overlay, 0.3, 0.7);
    const zoomQuery = new URL((await zoomAsked).url()).searchParams;
    const [from, to] = [Number(zoomQuery.get('from')), Number(zoomQuery.get('to'))];
    expect(zoomQuery.get('row')).toBe('2');
    expect(to - from).toBeGreaterThanOrEqual(2);
    await expect.poll(() => overlay.getAttribute('data-points')).toBe(String(to - from));
    expect([await overlay.getAttribute('data-from'), await overlay.getAttribute('data-rows')]).toEqual([String(from), '3']);
    expect(await traceChart.locator('.zoom-note').textContent()).toContain(
      `points ${from}–${to - 1} of row 2: ${to - from}, full resolution`,
    );
    await overlay.locator('.u-over').dblclick();
    await expect.poll(() => overlay.getAttribute('data-points')).toBeNull();
    // The same rows as a waterfall: nothing asked again.
    await traceChart.getByLabel('view').selectOption('waterfall');
    await expect.poll(() => traceChart.locator('canvas.waterfall').getAttribute('data-rows')).toBe('3');
    expect(rowsAsked.sort()).toEqual(['0', '1', '2']);
    expect(await chartNames(page)).toEqual(['scope / trace (V)', 'scope / counts']);
    // What is typed survives the page's re-render by its 1 s clock until Enter commits it.
    await traceChart.getByLabel('newest row').fill('0');
    await page.waitForTimeout(1_100);
    expect(await traceChart.getByLabel('newest row').inputValue()).toBe('0');
    await traceChart.getByLabel('newest row').press('Enter');
    await expect.poll(() => traceChart.locator('[data-field="rows"]').textContent()).toBe('rows 0–0 of 0–2');
    await expect.poll(() => traceChart.locator('canvas.waterfall').getAttribute('data-rows')).toBe('1');
    await screenshot(page, 'web-past-run');
    // A reload shows the same run and both charts, the waterfall kept (its last rows again).
    await page.reload();
    await expect.poll(() => traceChart.locator('canvas.waterfall').getAttribute('data-rows'), { timeout: 10_000 }).toBe('3');
    expect(await chartNames(page)).toEqual(['scope / trace (V)', 'scope / counts']);
    expect(await page.locator('#past-charts .chart[data-chart="scope / counts"] .plot').getAttribute('data-points')).toBe('3');
  }, 30_000);

  it('downloads the file with the token: the same bytes, under its name', async () => {
    const { page, problems, refused } = watched;
    const saved = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download' }).click();
    const download = await saved;
    expect(download.suggestedFilename()).toBe(path.basename(runFile));
    const bytes = fs.readFileSync(await download.path());
    expect(bytes.equals(fs.readFileSync(runFile))).toBe(true);
    // Nothing refused and nothing logged: the CSP let all of it through.
    expect(problems).toEqual([]);
    expect(refused.filter((r) => !r.startsWith('401 '))).toEqual([]);
  }, 30_000);

  it('plots a channel against another of its device (X/Y): the pairs are the file’s values', async () => {
    const { page } = watched;
    await page.goto(`${serve.url}/ui/#/runs`);
    await page.getByRole('link', { name: 'Test' }).click();
    await page.locator('[data-device="test_daq"] tr[data-channel="counts"]').getByRole('button', { name: 'plot' }).click();
    await page.locator('#past-charts .chart-cell').getByLabel('x axis').selectOption('current (mA)');
    expect(new URL(page.url()).hash).toMatch(/\?charts=test_daq:counts;x=current%20\(mA\)$/);
    const reference = parse(fs.readFileSync(REFERENCE_OUTPUT, 'utf8')) as Toml;
    const { counts, 'current (mA)': current } = reference.device.test_daq.data;
    const xy = page.locator('#past-charts .chart[data-view="xy"] .plot');
    await expect
      .poll(async () => JSON.parse((await xy.getAttribute('data-points')) ?? '[]'), { timeout: 10_000 })
      .toEqual(current.data.map((x: number, i: number) => [x, counts.data[i]]));
    await screenshot(page, 'web-past-xy');
  }, 30_000);

  it('plots a long channel against its time; a zoom shows every value of its range, as in the file', async () => {
    const { page, problems } = watched;
    await page.goto(`${serve.url}/ui/#/runs`);
    await page.getByRole('link', { name: 'Long wave' }).click();
    await page.locator('[data-device="daq"] tr[data-channel="volts"]').getByRole('button', { name: 'plot' }).click();
    const plot = page.locator('#past-charts .plot');
    const caption = page.locator('#past-charts figcaption');
    await expect.poll(() => caption.textContent(), { timeout: 10_000 }).toContain('20000 values, downsampled');
    expect(await plot.getAttribute('data-x')).toBe('time');
    expect(Number(await plot.getAttribute('data-points'))).toBeLessThanOrEqual(2000);

    // A drag over a twentieth of the chart: about 1,000 values, all of them.
    const asked = page.waitForResponse((r) => new URL(r.url()).searchParams.has('from'));
    await dragAcross(page, plot, 0.4, 0.45);
    const answer = await asked;
    const query = new URL(answer.url()).searchParams;
    const [from, to] = [Number(query.get('from')), Number(query.get('to'))];
    expect(to - from).toBeGreaterThan(800);
    expect(to - from).toBeLessThan(1300);
    const body = await answer.json();
    const stamps: string[] = longDoc.device.daq.timestamps.volts;
    expect(body.y).toEqual(longDoc.device.daq.data.volts.data.slice(from, to));
    expect(body.x).toEqual(Array.from({ length: to - from }, (_, k) => from + k));
    // The stamps are 1 ms apart from the first: value i is at i / 1000 s.
    expect(stamps[from]).toBe(
      `2026-01-02T03:04:${String(5 + Math.floor(from / 1000)).padStart(2, '0')}.${String(from % 1000).padStart(3, '0')}Z`,
    );
    expect(body.time).toEqual(body.x.map((i: number) => i / 1000));
    await expect.poll(() => plot.getAttribute('data-points')).toBe(String(to - from));
    expect([await plot.getAttribute('data-from'), await plot.getAttribute('data-to')]).toEqual([String(from), String(to)]);
    expect(await caption.textContent()).toContain(`${to - from} values (${from}–${to - 1} of 20000), full resolution`);
    await screenshot(page, 'web-past-zoom');

    await plot.locator('.u-over').dblclick();
    await expect.poll(() => caption.textContent()).toContain('20000 values, downsampled');
    expect(problems).toEqual([]);
  }, 30_000);

  it('says so when an id names no run', async () => {
    const { page } = watched;
    await page.goto(`${serve.url}/ui/#/runs/${Buffer.from('0/nope.toml').toString('base64url')}`);
    await expect
      .poll(() => page.locator('main .error').textContent(), { timeout: 10_000 })
      .toMatch(/^no run ".*": the ids are those GET \/runs lists$/);
  }, 30_000);
});
