/**
 * rex survives hostile input (issue "Prove fail-safe"; SPEC §1–2: bad input never crashes or
 * stalls the server). Every test runs a real `rex run` of fixtures/python/steady_client.py, a
 * well-behaved client streaming one device message every 5 ms and timing each reply, while the
 * test attacks the same port with raw sockets. Pass criteria, checked after every attack:
 * - each hostile input gets its defined answer (a reply line, or a closed connection);
 * - the steady client saw every reply within 100 ms;
 * - the RSS of rex's process tree (sampled every 50 ms from /proc) stayed within a stated bound;
 * - the steady client's data is complete and in order in the output file.
 *
 * Tests run one after another: the helpers tie clean-up to vitest's current test.
 * The corpus of single lines is in hostile-corpus.ts.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import type { TomlTable } from '../helpers/rex-cli.js';
import { type SteadyOutcome, expectSteadyClientUnharmed, mb, mibInKb, sleep, startSteadyRun } from '../helpers/steady-run.js';
import {
  INVALID,
  LINE_CASES,
  RECORDED,
  RUNNING,
  SESSION_PROCESSED,
  TINY_WRITES_LINE,
  garbage,
  nonBlankLineCount,
  type ExpectedReply,
} from './hostile-corpus.js';

/** MAX_LINE_BYTES of src/protocol/limits.ts. */
const MAX_LINE_BYTES = 256 * 1024 * 1024;
const SENTINEL = '{"name":"Session Listener","id":"sentinel"}';

/** Sends `send` on a fresh connection and returns what is wrong with the replies ('' if nothing). */
async function checkCase(port: number, send: (string | Buffer)[], expected: ExpectedReply[]): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    for (const part of send) await client.write(typeof part === 'string' && !part.endsWith('\n') ? `${part}\n` : part);
    const replies: string[] = [];
    for (let i = 0; i < expected.length; i++) replies.push(await client.readLine());
    // The next reply must be the sentinel's: no extra reply was sent for what came before.
    const after = await client.request(SENTINEL);
    const wrong = expected.findIndex((want, i) => !replyMatches(replies[i]!, want));
    if (wrong !== -1) return `reply ${wrong + 1}: expected ${String(expected[wrong])}, got ${JSON.stringify(replies[wrong])}`;
    if (after !== RUNNING) return `an extra reply: ${JSON.stringify(after)}`;
    return '';
  } catch (error) {
    return (error as Error).message;
  } finally {
    client.destroy();
  }
}

function replyMatches(reply: string, expected: ExpectedReply): boolean {
  return typeof expected === 'string' ? reply === expected : expected.test(reply);
}

/** The connection still works: a Listener line is answered. */
async function expectServed(port: number): Promise<void> {
  const client = await RawClient.connect(port);
  expect(await client.request(SENTINEL)).toBe(RUNNING);
  client.destroy();
}

function devicesOf(toml: TomlTable): TomlTable {
  return toml.device as TomlTable;
}

/** Sends one big valid device line alongside the steady client; it must be recorded. */
async function attackWithOneLine(line: string): Promise<SteadyOutcome> {
  const run = await startSteadyRun();
  const client = await RawClient.connect(run.port);
  const started = Date.now();
  expect(await client.request(line, 60_000)).toBe(RECORDED);
  console.log(`[one big line] ${(line.length / 1e6).toFixed(0)} MB recorded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  client.destroy();
  // The store and the file-writer read the line too (from the journal), after the reply.
  return run.finish(60_000);
}

describe('rex under hostile input, a steady client streaming alongside', () => {
  it('answers each line of the corpus as defined; connection tricks; the accepted oddities are stored', { timeout: 120_000 }, async () => {
    const run = await startSteadyRun();
    const problems: string[] = [];
    for (const hostile of LINE_CASES) {
      const problem = await checkCase(run.port, hostile.send, hostile.expect);
      if (problem) problems.push(`${hostile.name}: ${problem}`);
    }

    // A line cut short by the end of the stream: it still counts as a line (SPEC §1, a line
    // reader at EOF), so it is answered, then rex closes its side.
    for (const [name, text, answer] of [
      ['truncated line at end of stream', '{"name":"Session Listener","id":"cut', INVALID],
      ['complete line without a newline at end of stream', SENTINEL, RUNNING],
    ] as const) {
      const client = await RawClient.connect(run.port);
      await client.write(text);
      client.end();
      const reply = await client.readLine().catch((error: Error) => error.message);
      if (reply !== answer) problems.push(`${name}: expected ${answer}, got ${JSON.stringify(reply)}`);
      await client.waitClosed().catch(() => problems.push(`${name}: rex did not close the connection after answering`));
    }

    // Reset (RST) in the middle of a line: nothing of it is stored, nothing else is disturbed.
    for (let i = 0; i < 20; i++) {
      const client = await RawClient.connect(run.port);
      await client.write('{"device_name":"rst_dev","device_config":{},"measurements":{"c":{"data":[1],');
      await sleep(5); // let the half line reach rex before the reset
      client.reset();
    }

    // Connect and close at once, 50 times.
    for (let i = 0; i < 50; i++) (await RawClient.connect(run.port)).destroy();

    // One line written one byte per write.
    {
      const client = await RawClient.connect(run.port);
      const line = Buffer.from(`${TINY_WRITES_LINE}\n`);
      for (let i = 0; i < line.length; i++) {
        await client.write(line.subarray(i, i + 1));
        if (i % 8 === 0) await sleep(1); // paced, so the bytes arrive in separate reads
      }
      const reply = await client.readLine();
      if (reply !== RECORDED) problems.push(`one byte per write: expected ${RECORDED}, got ${JSON.stringify(reply)}`);
      client.destroy();
    }

    // Binary garbage: one `Invalid format` per non-blank line, in one write and in odd pieces.
    for (const [seed, pieceBytes] of [
      [1, 64 * 1024],
      [2, 777],
    ] as const) {
      const stream = Buffer.concat([garbage(64 * 1024, seed), Buffer.from('\n')]);
      const lines = nonBlankLineCount(stream);
      const client = await RawClient.connect(run.port);
      for (let at = 0; at < stream.length; at += pieceBytes) await client.write(stream.subarray(at, at + pieceBytes));
      const replies = await client.readLines(lines).catch((error: Error) => [error.message]);
      const wrong = replies.filter((r) => r !== INVALID);
      if (replies.length !== lines || wrong.length > 0) {
        problems.push(
          `binary garbage (seed ${seed}): ${lines} lines, ${replies.length} replies, unexpected: ${JSON.stringify(wrong.slice(0, 3))}`,
        );
      }
      if ((await client.request(SENTINEL).catch((error: Error) => error.message)) !== RUNNING)
        problems.push(`binary garbage (seed ${seed}): no answer afterwards`);
      client.destroy();
    }
    await expectServed(run.port);

    const outcome = await run.finish();
    // Every answer and every stored oddity is checked (soft), then the steady client's criteria.
    expect.soft(problems, `${problems.length} of the hostile inputs got the wrong answer`).toEqual([]);
    const devices = devicesOf(outcome.toml);
    // The first session is kept; lines that were rejected left nothing behind.
    expect.soft(outcome.toml.session.info.name).toBe('Steady');
    expect.soft(devices.steady.kind).toBe('steady');
    for (const absent of ['rst_dev', 'hostile_ok', 'hostile_deep', 'hostile_sur']) expect.soft(devices, absent).not.toHaveProperty(absent);
    // Accepted oddities are stored exactly.
    expect.soft(devices.hostile_inf?.data.big.data).toEqual([Infinity, -Infinity, 0]);
    const nanData: number[] = devices.hostile_nan?.data.c.data ?? [];
    expect.soft(Number.isNaN(nanData[0])).toBe(true);
    expect.soft(nanData.slice(1)).toEqual([Infinity, -Infinity]);
    expect.soft(devices.hostile_bigint?.data.c.data).toEqual([123456789012345678901234567890]);
    expect.soft(devices.hostile_bin?.data.c.data).toEqual([0.25, -0.5, 1e300]);
    expect.soft(devices.hostile_units?.data.c).toEqual({ data: [1], unit: 'V' });
    expect.soft(devices.hostile_shape?.data.c.data).toEqual([1.5]);
    expect.soft(devices.hostile_pair?.data['\u{1F600}']?.data).toEqual([1]);
    expect.soft(devices.crlf_dev?.data.c.data).toEqual([8]);
    expect.soft(devices.tiny_writes?.data.c.data).toEqual([9.5]);
    expect.soft(devices.tiny_writes?.bytes).toBe('one at a time');
    const nulDevice = devices['nul\u0000dev'];
    expect.soft(nulDevice?.data['ch\u0000an']?.data).toEqual([7]);
    expect.soft(nulDevice?.['k\u0000ey']).toBe('v\u0000al');
    let deep: TomlTable | undefined = devices.hostile_deep64;
    for (let level = 1; level < 64; level++) deep = deep?.a;
    expect.soft(deep?.a, 'device_config nested 64 deep').toBe(1);
    // Prototype keys are plain keys: stored, and nothing else picked them up.
    expect.soft(Object.getOwnPropertyDescriptor(devices, '__proto__')?.value?.data.c.data, 'device named __proto__').toEqual([4]);
    const proto = devices.hostile_proto;
    expect.soft(proto && Object.getOwnPropertyDescriptor(proto, '__proto__')?.value).toEqual({ polluted: true });
    expect.soft(proto && Object.getOwnPropertyDescriptor(proto.data, '__proto__')?.value.data).toEqual([3]);
    expect.soft(JSON.stringify(devices.steady)).not.toContain('polluted');
    expect.soft(outcome.toml.results?.hostile_lb?.result_lower_bound).toBe(-1);
    expectSteadyClientUnharmed('line corpus', outcome, mibInKb(100));
  });

  it('1,000 idle connections: held open without harm, each still served', { timeout: 90_000 }, async () => {
    const run = await startSteadyRun();
    for (const pid of [process.pid, run.rex.child.pid!]) {
      const limit = Number(/^Max open files\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1]);
      expect(limit, `open-file limit of pid ${pid} (ulimit -n) must allow 1,000 connections`).toBeGreaterThanOrEqual(2048);
    }
    const idle: RawClient[] = [];
    for (let batch = 0; batch < 10; batch++) {
      idle.push(...(await Promise.all(Array.from({ length: 100 }, () => RawClient.connect(run.port)))));
    }
    await sleep(1000); // idle on purpose: the cost of connections that only sit there
    const rssWithIdleKb = run.sampleRss();
    // Every one of them still works (ten at a time: this is about idle connections, not a burst).
    for (let batch = 0; batch < 100; batch++) {
      const replies = await Promise.all(idle.slice(batch * 10, (batch + 1) * 10).map((client) => client.request(SENTINEL)));
      expect(replies.every((reply) => reply === RUNNING)).toBe(true);
    }
    for (const client of idle) client.destroy();
    await expectServed(run.port);
    const outcome = await run.finish();
    console.log(`[1,000 idle connections] RSS with them open: ${mb(rssWithIdleKb)} MB`);
    expectSteadyClientUnharmed('1,000 idle connections', outcome, mibInKb(100));
  });

  it('a client that never sends a newline (10 MiB of x): no reply while open, others unaffected; at its end, Invalid format', {
    timeout: 90_000,
  }, async () => {
    const run = await startSteadyRun();
    const client = await RawClient.connect(run.port);
    const mebibyte = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 10; i++) await client.write(mebibyte);
    // Still below the line limit: rex waits for the rest of the line and says nothing.
    expect((await client.drainFor(500)).length).toBe(0);
    await run.waitForAcks(run.acked() + 20);
    await expectServed(run.port);
    // The end of the stream ends the line: it is answered, then rex closes the connection.
    client.end();
    expect(await client.readLine()).toBe(INVALID);
    await client.waitClosed();
    const outcome = await run.finish();
    expectSteadyClientUnharmed('10 MiB without a newline', outcome, mibInKb(128));
  });

  it('a client that sends lines and never reads the replies: rex stops reading it, holds little, stalls no one', {
    timeout: 90_000,
  }, async () => {
    const run = await startSteadyRun();
    // Phase 1: GET_DATASTREAM as fast as the socket takes it (each answer is kilobytes), unread.
    const flooder = await RawClient.connect(run.port);
    flooder.stopReading();
    const queries = Buffer.from('GET_DATASTREAM\n'.repeat(4096));
    let written = 0;
    const floodStart = Date.now();
    while (Date.now() - floodStart < 3000) {
      if (flooder.queuedWriteBytes < 1024 * 1024) {
        flooder.writeNoWait(queries);
        written += queries.length;
      }
      await sleep(5); // the flood's pace: top up the client's buffer as the kernel takes it
    }
    const acceptedBytes = written - flooder.queuedWriteBytes;
    console.log(
      `[non-reader] wrote ${(written / 1e6).toFixed(1)} MB in 3 s; the kernel took ${(acceptedBytes / 1e6).toFixed(1)} MB; rex tree RSS ${mb(run.sampleRss())} MB`,
    );
    // rex stopped reading: what left the client is what fits in socket buffers and rex's small window.
    expect(acceptedBytes).toBeLessThan(32 * 1024 * 1024);
    expect(flooder.queuedWriteBytes).toBeGreaterThan(0);
    await expectServed(run.port);
    flooder.destroy();

    // Phase 2: a bounded batch, unread until rex has stopped; then every answer arrives, in order.
    const lagger = await RawClient.connect(run.port);
    lagger.stopReading();
    const batch = 3000;
    lagger.writeNoWait(Buffer.from(`${'GET_DATASTREAM\n'.repeat(batch)}${SENTINEL}\n`));
    await sleep(1500); // unread for a while on purpose: rex must stop reading it (no event says so)
    lagger.resumeReading();
    const replies = await lagger.readLines(batch + 1, 60_000);
    expect(replies.slice(0, batch).every((reply) => reply.startsWith('{"steady":'))).toBe(true);
    expect(replies[batch]).toBe(RUNNING);
    lagger.destroy();

    const outcome = await run.finish();
    expectSteadyClientUnharmed('non-reading client', outcome, mibInKb(100));
  });

  it(`a line over the limit (${MAX_LINE_BYTES / 1024 / 1024} MiB + 1 MiB): Invalid format with the reason, the connection stays usable`, {
    timeout: 120_000,
  }, async () => {
    const run = await startSteadyRun();
    const client = await RawClient.connect(run.port);
    const mebibyte = Buffer.alloc(1024 * 1024, 'x');
    const started = Date.now();
    const total = MAX_LINE_BYTES / mebibyte.length + 1;
    for (let i = 0; i < total; i++) await client.write(mebibyte);
    await client.write(`\n${SENTINEL}\n`);
    expect(await client.readLine(60_000)).toBe(`Invalid format: line longer than ${MAX_LINE_BYTES} bytes`);
    expect(await client.readLine()).toBe(RUNNING);
    console.log(`[line over the limit] ${total} MiB sent and answered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    client.destroy();
    const outcome = await run.finish();
    // The bytes of an unfinished line are held twice at most: by the socket front (for a
    // restarted ingest worker) and by the worker's line splitter.
    expectSteadyClientUnharmed('line over the limit', outcome, mibInKb(2 * 257 + 96));
  });

  it('large valid lines: 100,000 keys in device_config, a 10 MiB string in device_config and in meta', { timeout: 90_000 }, async () => {
    const run = await startSteadyRun();
    const client = await RawClient.connect(run.port);
    const manyKeys: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) manyKeys[`k${i}`] = i;
    const longText = 'λ'.repeat(5 * 1024 * 1024); // 10 MiB of UTF-8
    const channel = { c: { data: [1], unit: 'V' } };
    expect(
      await client.request(JSON.stringify({ device_name: 'wide_config', device_config: manyKeys, measurements: channel }), 30_000),
    ).toBe(RECORDED);
    expect(
      await client.request(
        JSON.stringify({ device_name: 'long_string', device_config: { text: longText }, measurements: channel }),
        30_000,
      ),
    ).toBe(RECORDED);
    const info = { name: 'Mallory', email: 'm@x.org', session_name: 'S', session_description: 'D', meta: { text: longText } };
    expect(await client.request(JSON.stringify({ info }), 30_000)).toBe(SESSION_PROCESSED);
    client.destroy();
    const outcome = await run.finish();
    const devices = devicesOf(outcome.toml);
    expect(Object.keys(devices.wide_config).filter((key) => key.startsWith('k'))).toHaveLength(100_000);
    expect(devices.wide_config.k99999).toBe(99999);
    expect(devices.long_string.text).toBe(longText);
    expect(outcome.toml.session.info.name).toBe('Steady');
    // Each thread that handles the 10 MiB strings (ingest, its pool, store, file-writer,
    // controller) holds copies while it works: measured 235–247 MB with tsc's modules, 274–284 MB
    // since the threads run esbuild bundles (issue 15; a few MB more per thread, no single culprit).
    expectSteadyClientUnharmed('large valid lines', outcome, mibInKb(320));
  });

  it('10,000 channels in one device message: stored, and the run still finishes normally', { timeout: 90_000 }, async () => {
    const run = await startSteadyRun();
    const client = await RawClient.connect(run.port);
    const measurements: Record<string, { data: number[]; unit: string }> = {};
    for (let i = 0; i < 10_000; i++) measurements[`ch${i}`] = { data: [i], unit: 'V' };
    expect(await client.request(JSON.stringify({ device_name: 'wide', device_config: {}, measurements }), 30_000)).toBe(RECORDED);
    client.destroy();
    const outcome = await run.finish();
    const channels = devicesOf(outcome.toml).wide.data as TomlTable;
    expect(Object.keys(channels)).toHaveLength(10_000);
    expect(channels.ch9999.data).toEqual([9999]);
    expectSteadyClientUnharmed('10,000 channels', outcome, mibInKb(256));
  });

  // Big valid lines (issue 14): each is read whole and answered while the steady client streams.
  it('a 1,000,000-point trace with a timestamp per point (~36 MB): stored whole', { timeout: 90_000 }, async () => {
    const points = 1_000_000;
    const stamp = (i: number): string => `2026-01-16T06:35:32.${String(i).padStart(6, '0')}Z`;
    const data = Array.from({ length: points }, (_, i) => i);
    const timestamps = Array.from({ length: points }, (_, i) => stamp(i));
    const line = JSON.stringify({
      device_name: 'trace',
      device_config: {},
      measurements: { v: { data, unit: 'V' } },
      timestamps: { v: timestamps },
    });
    const outcome = await attackWithOneLine(line);
    expectSteadyClientUnharmed('1M-point trace, per-point timestamps', outcome, mibInKb(1024));
    const trace = devicesOf(outcome.toml).trace;
    expect(trace.data.v.data).toHaveLength(points);
    expect(trace.data.v.data[points - 1]).toBe(points - 1);
    expect(trace.timestamps.v).toHaveLength(points);
    expect(trace.timestamps.v[points - 1]).toBe(stamp(points - 1));
  });

  it('one line of 100,000 channels: stored whole', { timeout: 90_000 }, async () => {
    const measurements: Record<string, { data: number[]; unit: string }> = {};
    for (let i = 0; i < 100_000; i++) measurements[`c${i}`] = { data: [i], unit: 'V' };
    const outcome = await attackWithOneLine(JSON.stringify({ device_name: 'wider', device_config: {}, measurements }));
    expectSteadyClientUnharmed('100,000 channels in one line', outcome, mibInKb(1024));
    const channels = devicesOf(outcome.toml).wider.data as TomlTable;
    expect(Object.keys(channels)).toHaveLength(100_000);
    expect(channels.c99999.data).toEqual([99999]);
  });

  it('5,000,000 timestamps for one value (~120 MB): recorded with the arrival time', { timeout: 90_000 }, async () => {
    const timestamps = new Array<string>(5_000_000).fill('2026-01-16T06:35:32Z');
    const outcome = await attackWithOneLine(
      JSON.stringify({
        device_name: 'stamps',
        device_config: {},
        measurements: { v: { data: [1.5], unit: 'V' } },
        timestamps: { v: timestamps },
      }),
    );
    expectSteadyClientUnharmed('5,000,000 timestamps for one value', outcome, mibInKb(1536));
    const stamps = devicesOf(outcome.toml).stamps;
    expect(stamps.data.v.data).toEqual([1.5]);
    // Not one timestamp per value: the arrival time is stored instead (SPEC §4).
    expect(stamps.timestamps.v).toHaveLength(1);
    expect(stamps.timestamps.v[0]).not.toBe('2026-01-16T06:35:32Z');
  });
});
