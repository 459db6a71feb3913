/**
 * System tests of what `rex run` stores (SPEC §3–5, §12): real Python scripts, the real CLI, the
 * output TOML read back with smol-toml. One rich run (fixtures/python/data_rules.py) is shared by
 * most tests; the session-alias tests run fixtures/python/aliases.py once per alias form.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { PY_FIXTURES, freePort, outputFiles, runRex, workspace, type TomlTable } from '../helpers/rex-cli.js';

const RUN_TIMEOUT_MS = 90_000;
/** rex runs in a fixed UTC+5 zone so that a file name stamped in UTC instead of local time shows. */
const REX_TZ = 'Etc/GMT-5';
const REX_TZ_OFFSET_MS = 5 * 3600_000;
/** The arrival-time format of the original: RFC 3339 UTC, nanoseconds, trailing zeros trimmed. */
const ARRIVAL_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Runs `start` on first use; later tests reuse the result. Everything they need is held in memory,
 * because the workspace is removed when the test that started the run ends. (Tests here run one
 * after another: the helpers tie clean-up to vitest's current test, which concurrent tests share.) */
function shared<T>(start: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= start());
}

interface DataRun {
  code: number | null;
  log: string;
  fileName: string;
  /** Parsed as usual (integers and floats both numbers). */
  toml: TomlTable;
  /** Parsed with integers as bigints, so `1` and `1.0` can be told apart. */
  typed: TomlTable;
  replies: [label: string, reply: string][];
  /** Python's float64 bit patterns (little-endian hex) of the values sent as `exact` / `bin_single`. */
  exactBits: string[];
  binSingleBits: string[];
  scriptSha256: string;
  startedMs: number;
  endedMs: number;
}

const DATA_RULES = path.join(PY_FIXTURES, 'data_rules.py');

const dataRun = shared(async (): Promise<DataRun> => {
  const ws = workspace();
  const replyFile = path.join(ws.dir, 'replies.json');
  const startedMs = Date.now();
  const result = await runRex(ws, ['run', DATA_RULES, '-P', String(await freePort()), '-o', ws.outputDir], {
    env: { REXT_OUT: replyFile, TZ: REX_TZ },
  });
  const endedMs = Date.now();
  const log = result.stdout + result.stderr;
  const files = outputFiles(ws.outputDir);
  if (files.length !== 1) throw new Error(`expected one output file, found ${files.length}; rex said:\n${log}`);
  const text = fs.readFileSync(files[0]!, 'utf8');
  const report = JSON.parse(fs.readFileSync(replyFile, 'utf8')) as { replies: [string, string][]; exact: string[]; bin_single: string[] };
  return {
    code: result.code,
    log,
    fileName: path.basename(files[0]!),
    toml: parseToml(text) as TomlTable,
    typed: parseToml(text, { integersAsBigInt: true }) as TomlTable,
    replies: report.replies,
    exactBits: report.exact,
    binSingleBits: report.bin_single,
    scriptSha256: createHash('sha256').update(fs.readFileSync(DATA_RULES)).digest('hex'),
    startedMs,
    endedMs,
  };
});

/** Milliseconds since the epoch of an RFC 3339 UTC stamp (fraction cut to milliseconds). */
function stampMs(stamp: string): number {
  return Date.parse(stamp.replace(/(\.\d{3})\d+Z$/, '$1Z'));
}

/** Nanoseconds since the epoch of an RFC 3339 UTC stamp, exactly. */
function stampNs(stamp: string): bigint {
  const match = stamp.match(/^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/);
  if (!match) throw new Error(`not an RFC 3339 UTC stamp: ${stamp}`);
  return BigInt(Date.parse(`${match[1]}Z`)) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

function bitsOf(value: number): string {
  const buffer = Buffer.alloc(8);
  buffer.writeDoubleLE(value);
  return buffer.toString('hex');
}

/** Every element is a TOML float (a JS number in the bigint-aware parse), recursively. */
function allFloats(values: unknown[]): boolean {
  return values.every((v) => (Array.isArray(v) ? allFloats(v) : typeof v === 'number'));
}

describe('rex run stores what a script sends (data_rules.py)', () => {
  it('acknowledges every line, and rejects a unit switch visibly with a reason', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await dataRun();
    expect(run.code).toBe(0);
    const replies = Object.fromEntries(run.replies);
    const unitSwitch = replies['unit switch'] ?? '';
    delete replies['unit switch'];
    expect(replies).toEqual({
      session: 'Session configuration processed',
      'second session': 'Session configuration processed',
      'step 1': 'Device measurements recorded',
      'step 2': 'Device measurements recorded',
      'step 3': 'Device measurements recorded',
      'step 5': 'Device measurements recorded',
      'fit 1': 'Session results processed',
      'fit 2': 'Session results processed',
      short: 'Session results processed',
      long: 'Session results processed',
      canonical: 'Session results processed',
      bare: 'Session results processed',
      only_value: 'Session results processed',
      'dev result': 'Session results processed',
    });
    expect(unitSwitch).toMatch(/^Invalid format: \S/);
    // The reason is in rex's log too (a warning), not only in the reply.
    expect(run.log).toContain(unitSwitch.slice('Invalid format: '.length));
  });

  it('keeps the first session: names, description and nested meta with arrays', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { toml } = await dataRun();
    expect(toml.session.info).toEqual({
      name: 'Test Runner',
      email: 'test@example.org',
      session_name: 'Data rules / run 1',
      session_description: 'every data rule',
      meta: { sample_id: 'S-7', operator: { name: 'Ada', shift: 2, tags: ['night', 'cold'] }, temps_K: [4.2, 77.0], flag: true },
    });
  });

  it('names the file {session_name with " " and "/" as "_"}_{local DD_MM_YYYY_HH_MM_SS_mmm}.toml', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const run = await dataRun();
    const match = run.fileName.match(/^Data_rules___run_1_(\d{2})_(\d{2})_(\d{4})_(\d{2})_(\d{2})_(\d{2})_(\d{3})\.toml$/);
    expect(match, run.fileName).not.toBeNull();
    const [day, month, year, hour, minute, second, ms] = match!.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    // The suffix is wall-clock time in rex's zone (UTC+5): convert back to an instant.
    const instant = Date.UTC(year, month - 1, day, hour, minute, second, ms) - REX_TZ_OFFSET_MS;
    expect(instant).toBeGreaterThanOrEqual(run.startedMs - 1);
    expect(instant).toBeLessThanOrEqual(run.endedMs);
    // Taken at the start of the iteration.
    expect(Math.abs(instant - stampMs(run.toml.session.start_time))).toBeLessThan(2000);
  });

  it('writes [session] with the UUID and RFC 3339 UTC start and end times', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await dataRun();
    const session = run.toml.session;
    expect(Object.keys(session).sort()).toEqual(['UUID', 'end_time', 'info', 'run', 'start_time']);
    expect(session.UUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(session.start_time).toMatch(RFC3339_UTC);
    expect(session.end_time).toMatch(RFC3339_UTC);
    const start = stampMs(session.start_time);
    const end = stampMs(session.end_time);
    expect(start).toBeGreaterThanOrEqual(run.startedMs - 1);
    expect(end).toBeGreaterThan(start);
    expect(end).toBeLessThanOrEqual(run.endedMs);
  });

  it('writes [session.run] with the script path, its SHA-256 and the exit code', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await dataRun();
    const record = run.typed.session.run;
    expect(record.script).toBe(DATA_RULES);
    expect(record.script_sha256).toBe(run.scriptSha256);
    expect(record.exit_code).toBe(0n);
  });

  it('writes the device table: name, first config (frozen, nested), a config key named `data` left out', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const run = await dataRun();
    const device = run.toml.device.dev;
    expect(Object.keys(run.toml.device)).toEqual(['dev']);
    expect(device.device_name).toBe('dev');
    expect(device.gain).toBe(2.5); // later messages said 99
    expect(device.mode).toBe('fast');
    expect(device.nested).toEqual({ a: 1, list: [1, 2, 3] });
    // `data` holds only the channel tables: the user's `data` string is not there.
    expect(Object.keys(device.data).sort()).toEqual([
      'bin_rows',
      'bin_single',
      'exact',
      'exact_rows',
      'flat_mixed',
      'flat_trace',
      'ints',
      'json_rows',
      'json_single',
      'multi',
      'single',
      'special',
      'stamped',
      'stamped_rows',
    ]);
    for (const channel of Object.values(device.data) as TomlTable[]) expect(Object.keys(channel).sort()).toEqual(['data', 'unit']);
    expect(run.log).toMatch(/device\.dev.*'data'/); // a warning says so
  });

  it('appends Single scalars in order and stores integers as floats', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { typed } = await dataRun();
    const data = typed.device.dev.data;
    // The unit-switch message ([99] in mV) is not stored; the message after it is.
    expect(data.single.data).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect(data.ints.data).toEqual([1, 2, 3, 4]);
    expect(allFloats(data.ints.data)).toBe(true);
    // Flat messages of differing lengths from the start stay Single and concatenate.
    expect(data.flat_mixed.data).toEqual([1, 2, 3, 4, 5]);
    expect(allFloats(data.flat_mixed.data)).toBe(true);
  });

  it('appends Multi rows, promotes repeated flat traces to rows and keeps a ragged row', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { typed } = await dataRun();
    const data = typed.device.dev.data;
    expect(data.multi.data).toEqual([
      [1.5, 2.5, 3.5],
      [4.5, 5.5, 6.5],
      [7.5, 8.5, 9.5],
    ]);
    expect(data.flat_trace.data).toEqual([
      [0, 0.1, 0.2, 0.3],
      [1, 1.1, 1.2, 1.3],
      [2, 2.1],
    ]);
    expect(allFloats(data.flat_trace.data)).toBe(true);
    expect(data.stamped_rows.data).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("fixes each channel's unit", { timeout: RUN_TIMEOUT_MS }, async () => {
    const { toml } = await dataRun();
    const units = Object.fromEntries(
      Object.entries(toml.device.dev.data as Record<string, TomlTable>).map(([name, ch]) => [name, ch.unit]),
    );
    expect(units).toEqual({
      single: 'V',
      ints: 'count',
      multi: 'A',
      flat_trace: 'V',
      flat_mixed: 'V',
      special: 'V',
      exact: 'V',
      exact_rows: 'V',
      stamped: 's',
      stamped_rows: 'V',
      bin_single: 'V',
      json_single: 'V',
      bin_rows: 'V',
      json_rows: 'V',
    });
  });

  it('has one timestamp per value (Single) or row (Multi); client ones verbatim, else the arrival time', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const run = await dataRun();
    const { data, timestamps } = run.toml.device.dev;
    expect(Object.keys(timestamps).sort()).toEqual(Object.keys(data).sort());
    for (const [name, channel] of Object.entries(data as Record<string, TomlTable>)) {
      expect(timestamps[name], name).toHaveLength((channel.data as unknown[]).length);
    }
    // Client timestamps: one per value, then one for a whole message (repeated), per-row ones.
    expect(timestamps.stamped).toEqual([
      '2026-01-02T03:04:05.123456789Z',
      '2026-01-02T03:04:06Z',
      '2026-01-02T03:04:07.5Z',
      '2026-01-02T03:04:08Z',
      '2026-01-02T03:04:08Z',
    ]);
    expect(timestamps.stamped_rows).toEqual(['2026-01-02T04:00:00Z', '2026-01-02T04:00:01.25Z']);
    // Arrival times: the original's format, during the run, in order; one message, one time.
    const start = stampMs(run.toml.session.start_time);
    const end = stampMs(run.toml.session.end_time);
    for (const name of ['single', 'ints', 'multi', 'flat_trace', 'flat_mixed', 'special', 'bin_rows']) {
      const stamps = timestamps[name] as string[];
      for (const stamp of stamps) {
        expect(stamp, name).toMatch(ARRIVAL_STAMP);
        expect(stampMs(stamp)).toBeGreaterThanOrEqual(start);
        expect(stampMs(stamp)).toBeLessThanOrEqual(end);
      }
      const ns = stamps.map(stampNs);
      expect(
        ns.every((t, i) => i === 0 || t >= ns[i - 1]!),
        `${name} in arrival order`,
      ).toBe(true);
    }
    expect(timestamps.ints[1]).toBe(timestamps.ints[2]); // [2, 3] came in one message
    expect(timestamps.multi[1]).toBe(timestamps.multi[2]); // two rows in one message
    expect(timestamps.ints[0]).toBe(timestamps.single[0]); // the same message, another channel
    expect(new Set(timestamps.single).size).toBe(4);
  });

  it('stores NaN and ±Infinity sent by json.dumps as nan and ±inf', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { toml } = await dataRun();
    const values = toml.device.dev.data.special.data as number[];
    expect(values).toHaveLength(4);
    expect(Number.isNaN(values[0])).toBe(true);
    expect(values.slice(1)).toEqual([Infinity, -Infinity, 1]);
  });

  it('stores floats bit-identical to what Python sent', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { typed, exactBits } = await dataRun();
    const data = typed.device.dev.data;
    expect(exactBits).toHaveLength(9);
    expect((data.exact.data as number[]).map(bitsOf)).toEqual(exactBits);
    expect((data.exact_rows.data as number[][]).map((row) => row.map(bitsOf))).toEqual([exactBits]);
  });

  it('stores a binary trace (SPEC §12) exactly like its JSON twin', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { typed, binSingleBits } = await dataRun();
    const data = typed.device.dev.data;
    // Bits compared, so -0.0, 5e-324 and the NaN position count; NaN is nan either way.
    const canonical = (v: number): string => (Number.isNaN(v) ? 'nan' : bitsOf(v));
    const expectedSingle = binSingleBits.map((hex) => canonical(Buffer.from(hex, 'hex').readDoubleLE(0)));
    expect((data.bin_single.data as number[]).map(canonical)).toEqual(expectedSingle);
    expect((data.json_single.data as number[]).map(canonical)).toEqual(expectedSingle);
    expect((data.bin_rows.data as number[][]).map((row) => row.map(canonical))).toEqual(
      (data.json_rows.data as number[][]).map((row) => row.map(canonical)),
    );
    expect(data.bin_rows.data).toEqual([
      [0.1, 0.2, 0.3],
      [-0.1, NaN, Infinity],
      [1.1, 1.2, 1.3],
      [-1.1, NaN, Infinity],
    ]);
  });

  it('inserts or replaces results by name; bound aliases; bounds and value only when given', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { typed } = await dataRun();
    expect(typed.results).toEqual({
      // Replaced whole: the first one's meta key `old` is gone.
      fit: { result_description: 'second fit', result_status: true, result_value: 2, result_lower_bound: 0, result_upper_bound: 3 },
      short: {
        result_description: 'result rules',
        result_status: true,
        result_value: 1.5,
        result_lower_bound: 1,
        result_upper_bound: 2,
        figure: 'a.png',
      },
      long: { result_description: 'result rules', result_status: true, result_lower_bound: 3, result_upper_bound: 4 },
      canonical: { result_description: 'result rules', result_status: true, result_lower_bound: 5, result_upper_bound: 6 },
      bare: { result_description: 'result rules', result_status: true },
      only_value: { result_description: 'result rules', result_status: false, result_value: 7 },
      // A result named like a device: the two kinds are kept apart.
      dev: { result_description: 'result rules', result_status: true, result_value: 8.5 },
    });
    // Bounds and values are TOML floats (the bigint-aware parse gives numbers, not bigints).
    for (const result of Object.values(typed.results as Record<string, TomlTable>)) {
      for (const key of ['result_value', 'result_lower_bound', 'result_upper_bound']) {
        if (key in result) expect(typeof result[key], key).toBe('number');
      }
    }
  });
});

describe('session aliases (aliases.py)', () => {
  it('accepts experiment_/test_/run_ name and description as session_name / session_description', { timeout: RUN_TIMEOUT_MS }, async () => {
    const forms = ['experiment', 'test', 'run'] as const;
    // Three independent runs at once: the first session of a run is the one kept, so one form per run.
    const runs = await Promise.all(
      forms.map(async (form) => {
        const ws = workspace();
        const args = ['run', path.join(PY_FIXTURES, 'aliases.py'), '-P', String(await freePort()), '-o', ws.outputDir];
        const result = await runRex(ws, args, { env: { REXT_SESSION_ALIAS: form } });
        const files = outputFiles(ws.outputDir);
        const text = files.length === 1 ? fs.readFileSync(files[0]!, 'utf8') : '';
        return { form, result, files, toml: parseToml(text, { integersAsBigInt: true }) as TomlTable };
      }),
    );
    for (const { form, result, files, toml } of runs) {
      // aliases.py checks every reply itself (conflicting aliases → Invalid format) and exits 1 if one differs.
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(files).toHaveLength(1);
      expect(path.basename(files[0]!)).toMatch(new RegExp(`^Alias_${form}_\\d{2}_\\d{2}_\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{3}\\.toml$`));
      expect(toml.session.info, form).toEqual({
        name: 'Test Runner',
        email: 'test@example.org',
        session_name: `Alias ${form}`,
        session_description: `${form} description`,
        meta: { form },
      });
      expect(toml.results, form).toEqual({
        canonical: {
          result_description: 'alias check',
          result_status: true,
          result_value: 1.5,
          result_lower_bound: 1,
          result_upper_bound: 2,
        },
        plain: { result_description: 'alias check', result_status: false, result_value: 3.5, result_lower_bound: 3, result_upper_bound: 4 },
        short: {
          result_description: 'alias check',
          result_status: true,
          result_value: 5.5,
          result_lower_bound: 5,
          result_upper_bound: 6,
          k: 'v',
        },
        no_bounds: { result_description: 'alias check', result_status: true },
        replaced: { result_description: 'alias check', result_status: true, result_value: 2 },
      });
    }
  });
});
