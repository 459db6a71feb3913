/**
 * The clickhouse-writer's journal → ClickHouse path (feeder, rows, Native blocks, dedup tokens,
 * progress files) against a real ClickHouse engine in its own process, reached over HTTP.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RexClickHouse } from '../../src/actors/clickhouse-writer/clickhouse-client.js';
import { initDatabase } from '../../src/actors/clickhouse-writer/db-init.js';
import { ClickHouseFeeder, listJournals, type FeederOptions } from '../../src/actors/clickhouse-writer/feeder.js';
import { tableNames } from '../../src/actors/clickhouse-writer/schema.js';
import { DEFAULT_CLICKHOUSE, type ClickHouseConfig } from '../../src/protocol/config.js';
import { formatRexTimestamp } from '../../src/protocol/timestamps.js';
import { ChdbServer } from '../helpers/clickhouse-server.js';
import { T0_NS, TestJournal, chTime } from './journal-builder.js';

let server: ChdbServer;
let config: ClickHouseConfig;
const dirs: string[] = [];

beforeAll(async () => {
  server = await ChdbServer.start();
  config = { ...DEFAULT_CLICKHOUSE, port: server.port, username: server.user, password: server.password };
  const report = await initDatabase(config);
  expect(report.failed).toBe(false);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-chw-'));
  dirs.push(dir);
  return dir;
}

function feeder(journalDir: string, overrides: Partial<FeederOptions> = {}, clientConfig: ClickHouseConfig = config) {
  const client = new RexClickHouse(clientConfig, { requestTimeoutMs: 10_000 });
  const logs: string[] = [];
  const instance = new ClickHouseFeeder({
    client,
    tables: tableNames(clientConfig),
    journals: () => listJournals(journalDir),
    log: (level, message) => logs.push(`${level}: ${message}`),
    retry: { initialMs: 100, maxMs: 500 },
    flushMs: 50,
    ...overrides,
  });
  return { instance, client, logs };
}

/** Runs a feeder over the finished run in `journalDir` until every row is stored. */
async function storeAll(journalDir: string, overrides: Partial<FeederOptions> = {}): Promise<string[]> {
  const { instance, client, logs } = feeder(journalDir, overrides);
  instance.finalize();
  await instance.run(true);
  await client.close();
  return logs;
}

/** The feeder's status has no change event: it is polled. */
const STATUS_POLL = { timeout: 20_000, interval: 20 };

async function count(table: string, uuid: string): Promise<number> {
  const [row] = await server.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE session_id = '${uuid}'`);
  return Number(row?.n);
}

/** A run of `lines` device messages, each one Multi row of `points` values: value = line * 1e4 + point. */
function bigRun(dir: string, uuid: string, lines: number, points: number): void {
  const journal = new TestJournal(path.join(dir, 'loop-1.rexj'), { uuid });
  journal.line({ info: { name: 'N', email: 'e', session_name: 'big', session_description: 'd' } });
  const messages = Array.from({ length: lines }, (_, i) => ({
    device_name: 'scope',
    device_config: {},
    measurements: { trace: { data: [Array.from({ length: points }, (_, j) => i * 1e4 + j)], unit: 'V' } },
  }));
  journal.lines(messages);
  journal.end();
  journal.close();
}

/** Rows of the big run are there exactly once each, with the right values. */
async function expectBigRunStored(uuid: string, lines: number, points: number): Promise<void> {
  const [stats] = await server.query<{ n: string; distinct_cells: string; bad_values: string }>(
    `SELECT count() AS n, uniqExact(channel_index, sample_index) AS distinct_cells,
            countIf(value != channel_index * 1e4 + sample_index) AS bad_values
     FROM measurement_data WHERE session_id = '${uuid}'`,
  );
  expect(Number(stats!.n)).toBe(lines * points);
  expect(Number(stats!.distinct_cells)).toBe(lines * points);
  expect(Number(stats!.bad_values)).toBe(0);
}

describe('clickhouse-writer rows (SPEC §9)', () => {
  it('stores Single and Multi rows, device configs, the session and the final results exactly', async () => {
    const dir = tempDir();
    const uuid = randomUUID();
    const journal = new TestJournal(path.join(dir, 'loop-1.rexj'), { uuid, metaJson: { operator: 'ann' } });
    journal.line({
      info: {
        name: 'Jane',
        email: 'j@lab.org',
        session_name: 'Run 7',
        session_description: 'cool-down',
        meta: { sample: 'S1', nested: { a: 1, gone: null } },
      },
    });
    const t1 = journal.line(
      '{"device_name":"daq","device_config":{"gate_time":1000,"nested":{"mode":"fast"},"nothing":null},' +
        '"measurements":{"counts":{"data":[1.5],"unit":"dimensionless"},"trace":{"data":[[0.1,0.2,0.3]],"unit":"V"},' +
        '"flat":{"data":[1,2,3],"unit":"V"},"weird":{"data":[NaN,Infinity,-Infinity],"unit":"au"}},' +
        '"timestamps":{"flat":["2026-01-16T06:35:40.1Z","2026-01-16T06:35:40.2Z","2026-01-16T06:35:40.3Z"]}}',
    );
    const t2 = journal.line({
      device_name: 'daq',
      device_config: { gate_time: 1 },
      measurements: {
        counts: { data: [2.5, 3.5], unit: 'dimensionless' },
        trace: {
          data: [
            [0.4, 0.5, 0.6],
            [0.7, 0.8, 0.9],
          ],
          unit: 'V',
        },
        flat: { data: [4, 5, 6], unit: 'V' },
      },
    });
    journal.line({
      device_name: 'probe',
      device_config: { port: 'COM3' },
      measurements: { temp: { data: [20.5], unit: 'K' } },
      timestamps: { temp: ['2026-01-16T08:35:32.123456789+02:00'] },
    });
    const t4 = journal.line({ device_name: 'probe', device_config: {}, measurements: { temp: { data: [21.5], unit: 'K' } } });
    journal.line({
      result_name: 'fit',
      result_description: 'gaussian fit',
      result_status: true,
      lower_bound: 0,
      upper_bound: 10,
      result_value: 5.5,
      result_meta: { figure: 'fit.png' },
    });
    journal.line({ result_name: 'bare', result_description: 'no numbers', result_status: true });
    journal.line({ result_name: 'fit', result_description: 'refit', result_status: false, result_value: 6.5, ub: 7 });
    journal.line('{"result_name":"odd","result_description":"not a number","result_status":true,"result_value":NaN}');
    const tEnd = journal.end();
    journal.close();

    const logs = await storeAll(dir);
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);

    const rows = await server.query<{
      device_name: string;
      channel_name: string;
      channel_unit: string;
      sample_index: number;
      channel_index: number;
      value: string;
      ts: string;
    }>(
      `SELECT device_name, channel_name, channel_unit, sample_index, channel_index, toString(value) AS value, toString(timestamp) AS ts
       FROM measurement_data WHERE session_id = '${uuid}' ORDER BY device_name, channel_name, channel_index, sample_index`,
    );
    const row = (device: string, channel: string, unit: string, sample: number, index: number, value: string, ts: string) => ({
      device_name: device,
      channel_name: channel,
      channel_unit: unit,
      sample_index: sample,
      channel_index: index,
      value,
      ts,
    });
    expect(rows).toEqual([
      // Single: sample_index counts values across messages, channel_index 0
      row('daq', 'counts', 'dimensionless', 0, 0, '1.5', chTime(t1)),
      row('daq', 'counts', 'dimensionless', 1, 0, '2.5', chTime(t2)),
      row('daq', 'counts', 'dimensionless', 2, 0, '3.5', chTime(t2)),
      // flat arrays of equal length became Multi: the first message is row 0, stamped once
      row('daq', 'flat', 'V', 0, 0, '1', '2026-01-16 06:35:40.100000'),
      row('daq', 'flat', 'V', 1, 0, '2', '2026-01-16 06:35:40.100000'),
      row('daq', 'flat', 'V', 2, 0, '3', '2026-01-16 06:35:40.100000'),
      row('daq', 'flat', 'V', 0, 1, '4', chTime(t2)),
      row('daq', 'flat', 'V', 1, 1, '5', chTime(t2)),
      row('daq', 'flat', 'V', 2, 1, '6', chTime(t2)),
      // Multi: row i element j → sample_index j, channel_index i, the row's timestamp
      ...[0.1, 0.2, 0.3].map((v, j) => row('daq', 'trace', 'V', j, 0, String(v), chTime(t1))),
      ...[0.4, 0.5, 0.6].map((v, j) => row('daq', 'trace', 'V', j, 1, String(v), chTime(t2))),
      ...[0.7, 0.8, 0.9].map((v, j) => row('daq', 'trace', 'V', j, 2, String(v), chTime(t2))),
      // one message of 3 values that never repeated: Single after all; NaN and ±Inf kept
      row('daq', 'weird', 'au', 0, 0, 'nan', chTime(t1)),
      row('daq', 'weird', 'au', 1, 0, 'inf', chTime(t1)),
      row('daq', 'weird', 'au', 2, 0, '-inf', chTime(t1)),
      // a client timestamp with an offset, in UTC, cut to microseconds
      row('probe', 'temp', 'K', 0, 0, '20.5', '2026-01-16 06:35:32.123456'),
      row('probe', 'temp', 'K', 1, 0, '21.5', chTime(t4)),
    ]);

    const devices = await server.query<{ device_name: string; config: string }>(
      `SELECT device_name, toString(device_config) AS config FROM device_info WHERE session_id = '${uuid}' ORDER BY device_name`,
    );
    // The config frozen at the first message; the JSON type does not keep null-valued keys.
    expect(devices.map((d) => ({ device_name: d.device_name, config: JSON.parse(d.config) as unknown }))).toEqual([
      { device_name: 'daq', config: { gate_time: 1000, nested: { mode: 'fast' } } },
      { device_name: 'probe', config: { port: 'COM3' } },
    ]);

    const sessions = await server.query<Record<string, string>>(
      `SELECT * EXCEPT session_meta, toString(session_meta) AS meta FROM session_info WHERE session_id = '${uuid}'`,
    );
    expect(sessions).toHaveLength(1);
    expect({ ...sessions[0], meta: JSON.parse(sessions[0]!.meta!) as unknown }).toEqual({
      session_id: uuid,
      start_time: formatRexTimestamp(T0_NS),
      end_time: formatRexTimestamp(tEnd),
      name: 'Jane',
      email: 'j@lab.org',
      session_name: 'Run 7',
      session_description: 'cool-down',
      // --meta-json merged in, as in the output file
      meta: { sample: 'S1', nested: { a: 1 }, operator: 'ann' },
    });

    const results = await server.query<Record<string, unknown>>(
      `SELECT result_type, result_info, result_status, toString(measured_value) AS value, upper_bound, lower_bound, toString(result_meta) AS meta
       FROM results_store WHERE session_id = '${uuid}' ORDER BY result_type`,
    );
    expect(results).toEqual([
      { result_type: 'bare', result_info: 'no numbers', result_status: true, value: '0', upper_bound: 0, lower_bound: 0, meta: '{}' },
      // replaced by name: only the last one, missing bounds → 0
      { result_type: 'fit', result_info: 'refit', result_status: false, value: '6.5', upper_bound: 7, lower_bound: 0, meta: '{}' },
      { result_type: 'odd', result_info: 'not a number', result_status: true, value: 'nan', upper_bound: 0, lower_bound: 0, meta: '{}' },
    ]);
  });

  it('a run of several loops: one session row each under the run UUID; a journal without a run-end record is closed at the end', async () => {
    const dir = tempDir();
    const uuid = randomUUID();
    const first = new TestJournal(path.join(dir, 'loop-1.rexj'), { uuid, loop: 0, loops: 2 });
    first.line({ info: { name: 'A', email: 'a', session_name: 'loop one', session_description: '' } });
    first.line({ device_name: 'd', device_config: {}, measurements: { x: { data: [1, 2], unit: 'u' } } });
    first.close(); // rex died before writing its run-end record
    const second = new TestJournal(path.join(dir, 'loop-2.rexj'), { uuid, loop: 1, loops: 2, startNs: T0_NS + 10_000_000_000n });
    second.line({ device_name: 'd', device_config: {}, measurements: { x: { data: [3], unit: 'u' } } });
    second.end();
    second.close();

    await storeAll(dir);
    const sessions = await server.query<{ session_name: string; start_time: string; end_time: string }>(
      `SELECT session_name, start_time, end_time FROM session_info WHERE session_id = '${uuid}' ORDER BY start_time`,
    );
    expect(sessions).toEqual([
      { session_name: 'loop one', start_time: formatRexTimestamp(T0_NS), end_time: '' },
      {
        session_name: '',
        start_time: formatRexTimestamp(T0_NS + 10_000_000_000n),
        end_time: expect.stringMatching(/^2026-01-16T06:35:42/),
      },
    ]);
    // loop 1's held message [1, 2] (undecided: it might have become a row) is released as Single at the end
    const values = await server.query<{ value: number; sample_index: number }>(
      `SELECT value, sample_index FROM measurement_data WHERE session_id = '${uuid}' ORDER BY value`,
    );
    expect(values).toEqual([
      { value: 1, sample_index: 0 },
      { value: 2, sample_index: 1 },
      { value: 3, sample_index: 0 },
    ]);
    expect(await count('device_info', uuid)).toBe(2);
  });
});

describe('clickhouse-writer and existing tables', () => {
  it("the newest original's session_info (DateTime64 times) takes the same rows, also one without an end time", async () => {
    await server.command(
      "CREATE TABLE session_info_newest (session_id UUID, start_time DateTime64(6, 'UTC'), end_time DateTime64(6, 'UTC'), name String, email String, session_name String, session_description String, session_meta JSON) ENGINE = MergeTree ORDER BY session_id SETTINGS non_replicated_deduplication_window = 100",
    );
    const dir = tempDir();
    const uuid = randomUUID();
    const ended = new TestJournal(path.join(dir, 'loop-1.rexj'), { uuid, loop: 0, loops: 2 });
    ended.line({ info: { name: 'A', email: 'a', session_name: 'ended', session_description: '' } });
    const tEnd = ended.end();
    ended.close();
    new TestJournal(path.join(dir, 'loop-2.rexj'), { uuid, loop: 1, loops: 2, startNs: T0_NS + 5_000_000_000n }).close();

    const newest = { ...config, session_meta_table: 'session_info_newest' };
    const { instance, client, logs } = feeder(dir, {}, newest);
    instance.finalize();
    await instance.run(true);
    await client.close();
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
    const rows = await server.query<{ start: string; end: string }>(
      `SELECT toString(start_time) AS start, toString(end_time) AS end FROM session_info_newest WHERE session_id = '${uuid}' ORDER BY start_time`,
    );
    expect(rows).toEqual([
      { start: chTime(T0_NS), end: chTime(tEnd) },
      { start: chTime(T0_NS + 5_000_000_000n), end: '1970-01-01 00:00:00.000000' },
    ]);
  });
});

describe('clickhouse-writer failures', () => {
  it('a reply lost after the server stored a batch: the retry carries the same token and is not stored twice', async () => {
    const dir = tempDir();
    const uuid = randomUUID();
    bigRun(dir, uuid, 40, 100);
    await server.loseReplies(2);
    const logs = await storeAll(dir, { limits: { batchRows: 1000 } });
    expect(logs.some((l) => l.startsWith('error') && /lost the connection|socket hang up/i.test(l))).toBe(true);
    await expectBigRunStored(uuid, 40, 100);
    const tokens = (await server.inserts()).map((i) => i.token).filter((t) => t?.startsWith(`rex:${uuid}:0:m:`));
    // Every batch once, and the two whose replies were lost twice each, under the same token.
    expect(tokens).toHaveLength(4000 / 1000 + 2);
    expect(new Set(tokens).size).toBe(4000 / 1000);
  });

  it('the server killed mid-run and started again: every row stored exactly once', async () => {
    const dir = tempDir();
    const uuid = randomUUID();
    bigRun(dir, uuid, 200, 500);
    const { instance, client, logs } = feeder(dir, { limits: { batchRows: 5000 } });
    instance.finalize();
    const running = instance.run(true);
    await vi.waitFor(() => expect(instance.status().measurementRows).toBeGreaterThanOrEqual(10_000), STATUS_POLL);
    await server.kill();
    await vi.waitFor(() => expect(instance.status().lastError).not.toBeNull(), STATUS_POLL);
    // The server stays down a while on purpose: the feeder keeps retrying meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await server.restart();
    await running;
    await client.close();
    expect(logs.some((l) => /cannot reach ClickHouse|lost the connection/.test(l))).toBe(true);
    expect(logs.some((l) => /storing rows again/.test(l))).toBe(true);
    await expectBigRunStored(uuid, 200, 500);
    expect(await count('session_info', uuid)).toBe(1);
  }, 90_000);

  it('a writer stopped mid-batch: the next one resends exactly that batch first (deduplicated), then the rest', async () => {
    const dir = tempDir();
    const uuid = randomUUID();
    bigRun(dir, uuid, 50, 100);
    await server.loseReplies(1);
    // First writer: its first batch reaches the server, the reply is lost, and it stops while waiting to retry.
    const first = feeder(dir, { limits: { batchRows: 1000 }, retry: { initialMs: 60_000, maxMs: 60_000 } });
    first.instance.finalize();
    const running = first.instance.run(true);
    await vi.waitFor(() => expect(first.instance.status().lastError).not.toBeNull(), STATUS_POLL);
    first.instance.stop();
    await running;
    await first.client.close();
    const progress = JSON.parse(fs.readFileSync(path.join(dir, 'loop-1.clickhouse.json'), 'utf8')) as { pending: unknown };
    expect(progress.pending).toEqual({ m: [0, 1000], d: [0, 1], end: false });

    await storeAll(dir, { limits: { batchRows: 1000 } });
    await expectBigRunStored(uuid, 50, 100);
    const tokens = (await server.inserts()).map((i) => i.token).filter((t) => t?.startsWith(`rex:${uuid}:0:`));
    expect(tokens.filter((t) => t === `rex:${uuid}:0:m:0-1000`)).toHaveLength(2);
    expect(tokens.filter((t) => t === `rex:${uuid}:0:d:0-1`)).toHaveLength(1);
    expect(await count('device_info', uuid)).toBe(1);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'loop-1.clickhouse.json'), 'utf8'))).toMatchObject({
      committed: { m: 5000, d: 1, end: true },
      pending: null,
    });
  });

  it('wrong password: said plainly, retried, nothing lost; the rows go in once the password is right', async () => {
    const dir = tempDir();
    const uuid = randomUUID();
    bigRun(dir, uuid, 5, 10);
    const wrong = feeder(dir, {}, { ...config, password: 'not-the-password' });
    wrong.instance.finalize();
    const running = wrong.instance.run(true);
    await vi.waitFor(() => expect(wrong.instance.status().lastError).not.toBeNull(), STATUS_POLL);
    wrong.instance.stop();
    await running;
    await wrong.client.close();
    expect(wrong.instance.status().lastError).toMatch(new RegExp(`refused user '${server.user}': wrong username or password`));
    expect(wrong.instance.status().needsUser).toBe(true);
    expect(wrong.logs[0]).toMatch(/AUTHENTICATION_FAILED/);
    expect(await count('measurement_data', uuid)).toBe(0);

    await storeAll(dir);
    await expectBigRunStored(uuid, 5, 10);
  });

  it('tables missing: retried while the run goes on; once it is over, the next attempt comes at once and says someone must act', async () => {
    const dir = tempDir();
    const uuid = randomUUID();
    bigRun(dir, uuid, 3, 4);
    const absent = {
      ...config,
      measurement_table: 'later_m',
      session_meta_table: 'later_s',
      device_meta_table: 'later_d',
      results_table: 'later_r',
    };
    // A backoff far longer than the wait below: only finalize() can bring the next attempt in time.
    const { instance, client } = feeder(dir, { retry: { initialMs: 120_000, maxMs: 120_000 } }, absent);
    const running = instance.run();
    await vi.waitFor(() => expect(instance.status().lastError).not.toBeNull(), STATUS_POLL);
    expect(instance.status().lastError).toMatch(
      /table\(s\) later_s, later_m, later_d, later_r do not exist: create them with `rex db init`/,
    );
    expect(instance.status().needsUser).toBe(false);
    instance.finalize();
    await vi.waitFor(() => expect(instance.status().needsUser).toBe(true), { timeout: 10_000, interval: 20 });
    instance.stop();
    await running;
    await client.close();

    expect((await initDatabase(absent)).failed).toBe(false);
    const { instance: later, client: laterClient } = feeder(dir, {}, absent);
    later.finalize();
    await later.run(true);
    await laterClient.close();
    expect(later.status()).toMatchObject({ caughtUp: true, measurementRows: 12, lastError: null, needsUser: false });
    expect(await count('later_m', uuid)).toBe(12);
  });

  it('unreachable server: "connection refused", and the journal stays the buffer', async () => {
    const dir = tempDir();
    bigRun(dir, randomUUID(), 2, 2);
    const { instance, client } = feeder(dir, {}, { ...config, port: 1 });
    instance.finalize();
    const running = instance.run(true);
    await vi.waitFor(() => expect(instance.status().lastError).not.toBeNull(), STATUS_POLL);
    instance.stop();
    await running;
    await client.close();
    expect(instance.status()).toMatchObject({ caughtUp: false, measurementRows: 0 });
    expect(instance.status().lastError).toMatch(/cannot reach ClickHouse at http:\/\/127\.0\.0\.1:1: connection refused/);
    // An outage may end by itself: the end of a run waits for it.
    expect(instance.status().needsUser).toBe(false);
  });
});
