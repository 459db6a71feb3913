/**
 * The Live tab's charts (docs/web.md "Charts") in a real Chromium against a real `rex run --web`
 * running a real Python script (test/fixtures/python/web_charts.py): a scalar against another
 * scalar (the TUI's X/Y), a trace with the last n rows overlaid, and a waterfall of the traces;
 * a long trace zoomed in on, at full resolution.
 * Needs `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dragAcross, openPage, screenshot, scriptLogLines, useBrowser } from '../helpers/browser.js';
import { PY_FIXTURES, freePort, startRex, workspace } from '../helpers/rex-cli.js';

const WEB_LINE = /web view: (http:\/\/127\.0\.0\.1:\d+)\/ui\/ {2}\(token: ([A-Za-z0-9_-]+)\)/;

/** What web_charts.py sends. */
const POSITION = [0, 1, 2, 3, 4, 5].map((i) => i / 2);
const SIGNAL = [0, 1, 2, 3, 4, 5].map((i) => (i * i) / 4);
const ROWS = 7;
/** A device and channels named with the URL's separators, and what they hold. */
const ODD = { device: 'odd = 100% ü', y: 'a:b,c;d', x: 'x&y #2', pairs: [1, 2, 3].map((i) => [10 * i, i]) };
const WIDE = Array.from({ length: 30_000 }, (_, j) => (j * 7919) % 1000);

const rowsOf = (page: Page, view: string) => page.locator(`.chart[data-view="${view}"] [data-rows]`).getAttribute('data-rows');

/** Just what the test reads of the waterfall's canvas (the root tsconfig has no DOM lib). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}
const canvas = (page: Page) => page.locator('canvas.waterfall');

/** The waterfall's pixel (r, g, b, a) at column 0 of line `y` (0: the top). */
const pixel = (page: Page, y: number) =>
  canvas(page).evaluate((element, line) => Array.from((element as unknown as Canvas).getContext('2d').getImageData(0, line, 1, 1).data), y);

const views = async (page: Page) => Promise.all((await page.locator('.chart').all()).map((chart) => chart.getAttribute('data-view')));

describe('the Live tab’s charts on rex run --web', () => {
  const browser = useBrowser();

  it('plots a scalar against another, overlays the last n traces and draws their waterfall, all kept in the URL; a zoom shows every point of its range', async () => {
    const ws = workspace();
    const go = path.join(ws.dir, 'go');
    const rex = startRex(
      ws,
      ['run', '--web', path.join(PY_FIXTURES, 'web_charts.py'), '-P', String(await freePort()), '-o', ws.outputDir],
      {
        env: { REXT_GO: go },
      },
    );
    const [, url, token] = await rex.waitForOutput(WEB_LINE);
    await rex.waitForOutput(/web_charts: row 0/);

    const { page, context, problems } = await openPage(browser());
    // An overlay of 3 and a waterfall of the same trace, and a scalar against time, from a link.
    await page.goto(`${url}/ui/#/live?charts=stage:signal,scope:trace;n=3,scope:trace;view=waterfall`);
    await page.getByLabel('Token').fill(token!);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .locator('[data-device="scope"] tr[data-channel="trace"] [data-field="count"]', { hasText: '1' })
      .waitFor({ timeout: 15_000 });

    // X/Y: signal against position, chosen on the page; the pairs are the values sent.
    await page.locator('.chart-cell').first().getByLabel('x axis').selectOption('position');
    expect(new URL(page.url()).hash).toBe('#/live?charts=stage:signal;x=position,scope:trace;n=3,scope:trace;view=waterfall');
    const points = page.locator('.chart[data-view="xy"] [data-points]');
    await expect
      .poll(async () => JSON.parse((await points.getAttribute('data-points')) ?? '[]'), { timeout: 10_000 })
      .toEqual(POSITION.map((x, i) => [x, SIGNAL[i]]));
    expect(await page.locator('.chart[data-view="xy"]').getAttribute('data-chart')).toBe('stage / signal vs position');

    // Each further row, once the page has drawn the one before: the page's ring sees them all.
    for (let k = 1; k < ROWS; k++) {
      fs.writeFileSync(go, String(k));
      await expect.poll(() => rowsOf(page, 'waterfall'), { timeout: 10_000 }).toBe(String(k + 1));
    }
    expect(await rowsOf(page, 'overlay')).toBe('3');
    expect(await canvas(page).evaluate((element) => [(element as unknown as Canvas).width, (element as unknown as Canvas).height])).toEqual(
      [50, ROWS],
    );
    // Newest at the top: row 6 starts at 600, the highest value (yellow); row 0 at 0, the lowest (dark purple).
    const [top, bottom] = [await pixel(page, 0), await pixel(page, ROWS - 1)];
    expect(bottom).toEqual([68, 1, 84, 255]);
    expect(top[0]).toBeGreaterThan(150);
    expect(top[3]).toBe(255);
    expect(await page.locator('.chart[data-view="waterfall"] .low').textContent()).toBe('0');
    expect(await page.locator('.chart[data-view="waterfall"] .high').textContent()).toBe('649');

    // n chosen on the page, kept in the URL; the charts come back the same after a reload.
    const shown = page.locator('.chart-cell').nth(1).getByLabel('traces shown');
    await shown.fill('5');
    await shown.press('Enter');
    await expect.poll(() => rowsOf(page, 'overlay')).toBe('5');
    expect(new URL(page.url()).hash).toBe('#/live?charts=stage:signal;x=position,scope:trace,scope:trace;view=waterfall');
    await screenshot(page, 'web-charts');
    await page.reload();
    // (Each chart's kind is known once /status has said which channels are traces.)
    await expect.poll(() => views(page), { timeout: 10_000 }).toEqual(['xy', 'overlay', 'waterfall']);

    // Names holding `:`, `,`, `;`, `=`, `%`, `&`, `#`, spaces and non-ASCII: charted from the
    // table, against each other, kept in the hash, and the same after a reload.
    await page.locator(`[data-device="${ODD.device}"] tr[data-channel="${ODD.y}"] button`).click();
    await page.locator('.chart-cell').nth(3).getByLabel('x axis').selectOption(ODD.x);
    expect(new URL(page.url()).hash).toBe(
      '#/live?charts=stage:signal;x=position,scope:trace,scope:trace;view=waterfall,odd%20%3D%20100%25%20%C3%BC:a%3Ab%2Cc%3Bd;x=x%26y%20%232',
    );
    await page.reload();
    const odd = page.locator(`.chart[data-chart="${ODD.device} / ${ODD.y} vs ${ODD.x}"] [data-points]`);
    // (A chart the hash lost is not there: each try gives up after 1 s, not the default 30.)
    await expect
      .poll(async () => JSON.parse((await odd.getAttribute('data-points', { timeout: 1000 })) ?? '[]'), { timeout: 10_000 })
      .toEqual(ODD.pairs);
    await expect.poll(() => views(page)).toEqual(['xy', 'overlay', 'waterfall', 'xy']);

    // rex's log, the script's lines among them, shown while the run goes (the last line: its wait).
    await expect.poll(() => scriptLogLines(page), { timeout: 10_000 }).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => `web_charts: row ${k}`));
    expect(await page.locator('#run [data-field="phase"]').textContent()).toBe('running');
    expect(problems).toEqual([]);

    // Zoom on a trace longer than /datastream/full's 10,000 points: the range dragged comes at full
    // resolution, every point as sent; a double-click goes back to the whole row.
    await page.goto(`${url}/ui/#/live?charts=wide:row`);
    const wide = page.locator('.chart[data-chart="wide / row"] .plot');
    await expect.poll(() => wide.getAttribute('data-rows'), { timeout: 10_000 }).toBe('1');
    const asked = page.waitForResponse((r) => new URL(r.url()).searchParams.get('device') === 'wide');
    await dragAcross(page, wide, 0.4, 0.45);
    const answer = await asked;
    const query = new URL(answer.url()).searchParams;
    const [from, to] = [Number(query.get('from')), Number(query.get('to'))];
    expect(query.get('channel')).toBe('row');
    expect(to - from).toBeGreaterThan(1000);
    expect(to - from).toBeLessThan(2500);
    expect((await answer.json()).wide.measurements.row).toEqual(WIDE.slice(from, to));
    await expect.poll(() => wide.getAttribute('data-points')).toBe(String(to - from));
    expect([await wide.getAttribute('data-from'), await wide.getAttribute('data-to')]).toEqual([String(from), String(to)]);
    expect(await page.locator('.zoom-note').textContent()).toContain(
      `points ${from}–${to - 1} of the latest row: ${to - from}, full resolution`,
    );
    await screenshot(page, 'web-zoom');
    await wide.locator('.u-over').dblclick();
    await expect.poll(() => wide.getAttribute('data-points')).toBeNull();
    expect(await page.locator('.zoom-note').count()).toBe(0);
    expect(problems).toEqual([]);

    fs.writeFileSync(go, 'stop');
    expect((await rex.done).code).toBe(0);
    await context.close();
  }, 60_000);
});
