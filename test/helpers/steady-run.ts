/**
 * A real `rex run` of a well-behaved client (fixtures/python/steady_client.py) for tests that
 * attack the same port: it streams one device message every few milliseconds and times each
 * reply, while the test samples the memory of rex's process tree. `finish()` stops the client,
 * waits for rex to write its file and returns what the pass criteria need.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, onTestFinished, vi } from 'vitest';
import { PY_FIXTURES, freePort, onlyOutput, startRex, workspace, type RexRun, type RexWorkspace, type TomlTable } from './rex-cli.js';

/**
 * The aim: the steady client sees every reply within this. It is a timing, so it is measured and
 * printed here and recorded in bench/README.md ("Latency under hostile input"), not asserted: on
 * a shared 2-core machine running test files in parallel, a timing says as much about the
 * neighbours as about rex.
 */
export const TARGET_REPLY_LATENCY_MS = 100;

/** `mib` MiB in kB (the unit of VmRSS). */
export const mibInKb = (mib: number): number => mib * 1024;

export interface LatencyFigures {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface SteadyOutcome {
  code: number | null;
  log: string;
  acked: number;
  latency: LatencyFigures;
  /** The slowest replies: latency and when the message was sent, in ms after the attack began (negative: before). */
  slowest: Array<{ ms: number; atMs: number }>;
  /** RSS of rex and its children (kB): before the attack, and the highest sample during it. */
  rssBaselineKb: number;
  rssPeakKb: number;
  toml: TomlTable;
}

export interface SteadyRun {
  ws: RexWorkspace;
  rex: RexRun;
  port: number;
  /** Replies the steady client has received so far. */
  acked(): number;
  waitForAcks(count: number, timeoutMs?: number): Promise<void>;
  /** Current RSS of rex's process tree (kB); also recorded as a sample. */
  sampleRss(): number;
  /** Stops the steady client, waits (up to `timeoutMs`) for rex to end the run, reads the report and the output file. */
  finish(timeoutMs?: number): Promise<SteadyOutcome>;
}

/** Starts rex on the steady client and resolves once the client is streaming (some replies in). */
export async function startSteadyRun(extraEnv: Record<string, string> = {}): Promise<SteadyRun> {
  const ws = workspace();
  const port = await freePort();
  const stopFile = path.join(ws.dir, 'stop');
  const progressFile = path.join(ws.dir, 'progress');
  const reportFile = path.join(ws.dir, 'report.json');
  const rex = startRex(ws, ['run', path.join(PY_FIXTURES, 'steady_client.py'), '-o', ws.outputDir, '-P', String(port)], {
    env: { REXT_STOP_FILE: stopFile, REXT_PROGRESS_FILE: progressFile, REXT_REPORT_FILE: reportFile, ...extraEnv },
  });
  const acked = (): number => {
    if (!fs.existsSync(progressFile)) return 0;
    const lines = fs.readFileSync(progressFile, 'utf8').trim().split('\n');
    return Number(lines[lines.length - 1] ?? 0) || 0;
  };
  const waitForAcks = async (count: number, timeoutMs = 20_000): Promise<void> => {
    // The steady client's progress is a file: polled. rex exiting first fails at once.
    const exitedEarly = await vi.waitFor(
      () => {
        if (acked() >= count) return false;
        if (rex.child.exitCode !== null) return true;
        throw new Error(`steady client has ${acked()} of ${count} replies; rex said:\n${rex.output()}`);
      },
      { timeout: timeoutMs, interval: 20 },
    );
    if (exitedEarly) throw new Error(`rex exited early; it said:\n${rex.output()}`);
  };
  await waitForAcks(20);

  const rssSamples: number[] = [];
  const sampleRss = (): number => {
    const kb = treeRssKb(rex.child.pid!);
    rssSamples.push(kb);
    return kb;
  };
  const rssBaselineKb = sampleRss();
  const attackStartedMs = Date.now();
  rssSamples.length = 0;
  // Sampled all along: an attack's peak may fall between the test's own samples.
  const sampler = setInterval(sampleRss, 50);
  onTestFinished(() => clearInterval(sampler));

  return {
    ws,
    rex,
    port,
    acked,
    waitForAcks,
    sampleRss,
    async finish(timeoutMs = 30_000) {
      // The attack is over only once the client has made progress after it.
      await waitForAcks(acked() + 10);
      sampleRss();
      clearInterval(sampler);
      fs.writeFileSync(stopFile, '');
      // The steady client's figures are told even when rex does not finish (they are its own).
      const figures = (): string => {
        if (!fs.existsSync(reportFile)) return 'no report from the steady client';
        const { latencies_ms: latencies } = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as { latencies_ms: number[] };
        const { p50, p99, max } = latencyFigures(latencies);
        return `steady client: ${latencies.length} replies, p50 ${p50.toFixed(1)} / p99 ${p99.toFixed(1)} / max ${max.toFixed(1)} ms`;
      };
      const done = await withTimeout(rex.done, timeoutMs, () => `rex did not finish (${figures()}); it said:\n${rex.output()}`);
      const log = done.stdout + done.stderr;
      if (!fs.existsSync(reportFile)) throw new Error(`the steady client wrote no report; rex said:\n${log}`);
      const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as { acked: number; latencies_ms: number[]; sent_at: number[] };
      const slowest = report.latencies_ms
        .map((ms, i) => ({ ms, atMs: Math.round(report.sent_at[i]! * 1000 - attackStartedMs) }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3);
      return {
        code: done.code,
        log,
        acked: report.acked,
        latency: latencyFigures(report.latencies_ms),
        slowest,
        rssBaselineKb,
        rssPeakKb: Math.max(rssBaselineKb, ...rssSamples),
        toml: onlyOutput(ws.outputDir),
      };
    },
  };
}

/**
 * The pass criteria shared by every attack: the run ended normally, the steady client got every
 * reply and its data is complete and in order, and the RSS of rex's process tree grew by at most
 * `maxRssGrowthKb` over its level before the attack. Prints the latency figures against
 * TARGET_REPLY_LATENCY_MS (see bench/README.md).
 */
export function expectSteadyClientUnharmed(label: string, outcome: SteadyOutcome, maxRssGrowthKb: number): void {
  const { latency } = outcome;
  const growthKb = outcome.rssPeakKb - outcome.rssBaselineKb;
  console.log(
    `[${label}] steady client: ${outcome.acked} replies, latency p50 ${latency.p50.toFixed(1)} ms, ` +
      `p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms (target ${TARGET_REPLY_LATENCY_MS} ms); rex tree RSS ` +
      `${mb(outcome.rssBaselineKb)} MB before, peak ${mb(outcome.rssPeakKb)} MB (+${mb(growthKb)} MB, bound +${mb(maxRssGrowthKb)} MB); ` +
      `slowest: ${outcome.slowest.map((s) => `${s.ms.toFixed(0)} ms at ${(s.atMs / 1000).toFixed(2)} s`).join(', ')}`,
  );
  expect(outcome.code, outcome.log).toBe(0);
  const steady = outcome.toml.device?.steady;
  expect(steady, 'device "steady" in the output file').toBeDefined();
  const n: number[] = steady.data.n.data;
  expect(n.length, 'every acknowledged steady message is in the file').toBe(outcome.acked);
  expect(n).toEqual(Array.from({ length: outcome.acked }, (_, i) => i));
  expect(steady.timestamps.n).toHaveLength(outcome.acked);
  expect(steady.data.n.unit).toBe('count');
  expect(growthKb, 'RSS growth of rex and its children (kB)').toBeLessThanOrEqual(maxRssGrowthKb);
}

export function latencyFigures(latenciesMs: number[]): LatencyFigures {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

/** VmRSS (kB) of `pid` and all its descendants, from /proc. */
export function treeRssKb(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) total += vmRssKb(member);
  return total;
}

function processTree(root: number): number[] {
  const tree: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    tree.push(pid);
    pending.push(...childrenOf(pid));
  }
  return tree;
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const tid of tasks) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) children.push(...text.split(/\s+/).map(Number));
    } catch {
      // The task ended meanwhile.
    }
  }
  return children;
}

function vmRssKb(pid: number): number {
  try {
    const match = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export function mb(kb: number): string {
  return (kb / 1024).toFixed(0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
