// The browser view's latency (issue 16 item 8): from a line's acknowledgement (the script got the
// reply to it) to its drawing in the page, with a real `rex run --web`, the real page in headless
// Debian chromium (playwright-core, as test/helpers/browser.ts) and a real Python script
// (bench/clients/web_latency.py). Cases: (a) 10,000-point traces at 20/s, (b) scalars at 1 kHz,
// (c) four charts updating (the traces of (a) as two overlays and a waterfall, and a scalar), for
// the frame rate: every animation frame's start is recorded while the lines come.
//
// Each line carries its sequence number k in the scalar channel "seq" (beside the trace in (a)),
// which the page's channel table shows as the latest value. A script injected into the page
// (addInitScript: it runs under the page's CSP) notes when the table shows a new k (a
// MutationObserver), then the first canvas draw call after that (the chart's setData runs in an
// effect after the next frame), then the start of the next animation frame: that is "drawn".
// The page's clock is performance.timeOrigin + performance.now(), the script's time.time_ns():
// both wall clock on this machine.
//
// Usage: npm run build && node bench/web-latency.mjs [--seconds 25] [--reps 1] [--case traces|scalars|four-charts]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadAverage, machine } from './lib/machine.mjs';
import { PYTHON } from './lib/targets.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const SECONDS = Number(option('--seconds', 25));
const REPS = Number(option('--reps', 1));
const CASES = [
  {
    name: 'traces',
    label: '10,000-point traces at 20/s',
    env: { BENCH_KIND: 'trace', BENCH_RATE: 20, BENCH_POINTS: 10_000 },
    chart: 'bench:trace',
  },
  { name: 'scalars', label: 'scalars at 1 kHz', env: { BENCH_KIND: 'scalar', BENCH_RATE: 1000 }, chart: 'bench:seq' },
  {
    // Issue 16's frame rate "while four charts update": traces at 20/s shown three ways, and a scalar.
    name: 'four-charts',
    label: 'four charts: 10,000-point traces at 20/s (overlay of 5, overlay of 20, waterfall) and a scalar',
    env: { BENCH_KIND: 'trace', BENCH_RATE: 20, BENCH_POINTS: 10_000 },
    chart: 'bench:trace,bench:trace;n=20,bench:trace;view=waterfall,bench:seq',
  },
].filter((c) => option('--case', c.name) === c.name);
const WEB_LINE = /web view: (http:\/\/127\.0\.0\.1:\d+\/ui\/) {2}\(token: ([A-Za-z0-9_-]+)\)/;
const LATEST = '[data-device="bench"] tr[data-channel="seq"] [data-field="latest"]';

/** Runs in the page before its own script: records [k, shown at, canvas drawn at, frame at] (wall ms). */
function instrument(latest) {
  const records = [];
  window.__webLatency = records;
  const now = () => performance.timeOrigin + performance.now();
  // Every animation frame's start (wall ms), for the frame rate: at most ~10 min at 60/s kept.
  const frames = [];
  window.__frames = frames;
  const tick = () => {
    if (frames.length < 36_000) frames.push(now());
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  let shown = null;
  let waiting = []; // shown in the table, not yet drawn on a canvas
  let drawn = []; // drawn on a canvas, waiting for the next frame
  new MutationObserver(() => {
    const text = document.querySelector(latest)?.textContent;
    if (text === undefined || text === shown) return;
    shown = text;
    if (/^\d+$/.test(text)) waiting.push([Number(text), now()]);
  }).observe(document, { subtree: true, childList: true, characterData: true });
  const frame = () => {
    const at = now();
    for (const r of drawn) records.push([...r, at]);
    drawn = [];
  };
  const drew = () => {
    if (waiting.length === 0) return;
    if (drawn.length === 0) requestAnimationFrame(frame);
    const at = now();
    for (const r of waiting) drawn.push([...r, at]);
    waiting = [];
  };
  // uPlot strokes its lines and fills its points; the waterfall puts an image.
  for (const name of ['stroke', 'fill', 'putImageData']) {
    const original = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...a) {
      drew();
      return original.apply(this, a);
    };
  }
}

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? { n: 0 } : { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) };
};

/**
 * fresh: every line, from its ack to the first frame showing it or a newer line (what a viewer
 * waits for); own: the lines drawn themselves (the newest of each datastream event but the last line), from the ack;
 * render: those, from the table showing them to the frame.
 */
export function latencies(acksNs, records) {
  const acks = acksNs.map((ns) => ns / 1e6);
  const own = [];
  const render = [];
  const fresh = [];
  let r = 0;
  for (let k = 0; k < acks.length; k++) {
    while (r < records.length && records[r][0] < k) r++;
    if (r === records.length) break;
    fresh.push(records[r][3] - acks[k]);
  }
  for (const [k, shownAt, , frameAt] of records) {
    // The last line is in a snapshot taken up to a poll later (no line after it): not its own cost.
    if (k >= acks.length - 1) continue;
    own.push(frameAt - acks[k]);
    render.push(frameAt - shownAt);
  }
  return {
    lines: acks.length,
    drawnLines: own.length,
    notDrawn: acks.length - fresh.length,
    fresh: summary(fresh),
    own: summary(own),
    render: summary(render),
    ownEach: own.map(Math.round),
  };
}

/** Frames a second while the lines came (first to last ack), and the longest gap between two frames. */
export function frameRate(acksNs, frames) {
  const from = acksNs[0] / 1e6;
  const to = acksNs[acksNs.length - 1] / 1e6;
  const inside = frames.filter((t) => t >= from && t <= to);
  const gaps = inside.slice(1).map((t, i) => t - inside[i]);
  return { fps: (inside.length - 1) / ((to - from) / 1000), gaps: summary(gaps), longestGap: Math.max(...gaps) };
}

/** `rex run --web` of the client, the page on its URL; resolves with the client's result and the page's records. */
async function runCase(browser, c) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-bench-web-'));
  const go = path.join(dir, 'go');
  const script = path.join(REPO_ROOT, 'bench', 'clients', 'web_latency.py');
  const rexArgs = ['run', script, '--web', '-o', path.join(dir, 'out'), '-P', String(await freePort())];
  const env = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: '1',
    PATH: `${path.dirname(PYTHON)}${path.delimiter}${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    ...Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, String(v)])),
    BENCH_SECONDS: String(SECONDS),
    BENCH_GO: go,
    BENCH_RESULT: path.join(dir, 'result.json'),
  };
  const rex = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'rex.js'), ...rexArgs], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  rex.stdout.on('data', (d) => (output += d));
  const webLine = new Promise((resolve, reject) => {
    rex.stderr.on('data', (d) => {
      output += d;
      const match = WEB_LINE.exec(output);
      if (match) resolve(match);
    });
    rex.on('exit', (code) => reject(new Error(`rex exited (${code}) before its web line:\n${output.slice(-2000)}`)));
  });
  const exited = new Promise((resolve) => rex.on('close', resolve));
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const [, url, token] = await webLine;
    const problems = [];
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    await page.addInitScript((t) => sessionStorage.setItem('rex-token', t), token);
    await page.addInitScript(instrument, LATEST);
    await page.goto(`${url}#/live?charts=${c.chart}`);
    // The warm-up line is in the table and its chart drawn: go.
    await page.locator(LATEST).filter({ hasText: '-1' }).waitFor({ timeout: 30_000 });
    await page.locator('.chart canvas').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    fs.writeFileSync(go, '');
    const code = await exited;
    if (code !== 0) throw new Error(`rex exited with ${code}:\n${output.slice(-2000)}`);
    const records = await page.evaluate(() => window.__webLatency);
    const frames = await page.evaluate(() => window.__frames);
    const result = JSON.parse(fs.readFileSync(env.BENCH_RESULT, 'utf8'));
    if (problems.length > 0) throw new Error(`page errors: ${problems.join('; ')}`);
    return {
      ...latencies(result.acks_ns, records),
      frames: frameRate(result.acks_ns, frames),
      rate: result.acks_ns.length / result.seconds,
      lateMs: result.late_ms,
    };
  } finally {
    await context.close();
    if (rex.exitCode === null) rex.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const f = (x) => (x === undefined ? '—' : x.toFixed(0));
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify({ ...machine(), seconds: SECONDS, load: loadAverage() }));
  const browser = await chromium.launch({ executablePath: process.env.REX_TEST_CHROMIUM ?? '/usr/bin/chromium', headless: true });
  const rows = [];
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const c of CASES) {
        const r = await runCase(browser, c);
        console.log(JSON.stringify({ case: c.name, rep, load: loadAverage(), ...r }));
        rows.push(
          `| ${c.label} | ${r.rate.toFixed(0)}/s | ${r.lines} | ${r.drawnLines} | ${f(r.fresh.p50)} | ${f(r.fresh.p99)} | ${f(r.own.p50)} | ${f(r.own.p99)} | ${f(r.render.p50)} | ${f(r.render.p99)} | ${r.frames.fps.toFixed(1)} | ${f(r.frames.gaps.p99)} / ${f(r.frames.longestGap)} |`,
        );
      }
    }
  } finally {
    await browser.close();
  }
  console.log(
    '\n| case | rate reached | lines | drawn themselves | every line: ack → drawn (it or a newer one), p50 | p99 | lines drawn themselves: ack → drawn, p50 | p99 | table → frame, p50 | p99 | frames/s | frame gap p99 / longest |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log('(ms)');
}
