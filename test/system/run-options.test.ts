/**
 * System tests of `rex run`'s options and run lifecycle (SPEC §3, §4 `--meta-json`, §7): real
 * Python scripts through the real CLI. fixtures/python/env_probe.py writes what the script was
 * given (environment, provided config files) to a JSON file for the test to check.
 *
 * Tests run one after another: the helpers tie clean-up to vitest's current test, which tests
 * running concurrently share. Runs that several tests look at are shared (see `shared`).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_META_JSON_DEPTH } from '../../src/protocol/session-meta.js';
import {
  PY_FIXTURES,
  freePort,
  onlyOutput,
  outputFiles,
  readToml,
  runRex,
  startRex,
  workspace,
  type RexWorkspace,
  type TomlTable,
} from '../helpers/rex-cli.js';

const RUN_TIMEOUT_MS = 90_000;
const ENV_PROBE = path.join(PY_FIXTURES, 'env_probe.py');
const SCALARS = path.join(PY_FIXTURES, 'scalars.py');

interface ProbeReport {
  env: Record<
    'REX_PORT' | 'REX_UUID' | 'REX_STORE' | 'RUST_LOG_LEVEL' | 'REX_PROVIDED_CONFIG_PATH' | 'REX_PROVIDED_OVERWRITE_PATH',
    string | null
  >;
  store_is_dir: boolean;
  /** Seconds since the epoch. */
  started_at: number;
  provided_config: TomlTable | null;
  provided_overwrite: TomlTable | null;
}

/** What a finished run left behind, read into memory (the workspace goes when its test ends). */
interface FinishedRun {
  code: number | null;
  stdout: string;
  log: string;
  port: number;
  probe: ProbeReport | null;
  files: string[];
  tomls: TomlTable[];
  /** Entries of `<output>/.rex/<uuid>/` (null: no such directory), for the run's UUID. */
  journalEntries: string[] | null;
  /** The workspace directory rex ran in. */
  dir: string;
  outputDir: string;
}

/** Runs `start` on first use; later tests reuse the result. */
function shared<T>(start: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= start());
}

/** `rex [globalArgs] run <script> -P <free port> -o <ws.outputDir> [args]`, then reads what it left. */
async function finishedRun(
  ws: RexWorkspace,
  script: string,
  args: string[],
  env: Record<string, string> = {},
  globalArgs: string[] = [],
  port?: number,
): Promise<FinishedRun> {
  const probeFile = path.join(ws.dir, `probe-${randomUUID()}.json`);
  const usedPort = port ?? (await freePort());
  const result = await runRex(ws, [...globalArgs, 'run', script, '-P', String(usedPort), '-o', ws.outputDir, ...args], {
    env: { REXT_OUT: probeFile, ...env },
  });
  const files = outputFiles(ws.outputDir);
  const tomls = files.map(readToml);
  const uuid = tomls[0]?.session?.UUID as string | undefined;
  const probe = fs.existsSync(probeFile) ? (JSON.parse(fs.readFileSync(probeFile, 'utf8')) as ProbeReport) : null;
  const journalDir = path.join(ws.outputDir, '.rex', uuid ?? probe?.env.REX_UUID ?? 'no-uuid');
  return {
    code: result.code,
    stdout: result.stdout,
    log: result.stdout + result.stderr,
    port: usedPort,
    probe,
    files,
    tomls,
    journalEntries: fs.existsSync(journalDir) ? fs.readdirSync(journalDir) : null,
    dir: ws.dir,
    outputDir: ws.outputDir,
  };
}

function need<T>(value: T | null | undefined, what: string, log: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing; rex said:\n${log}`);
  return value;
}

/** env_probe.py with defaults, `--config <file>` and `validations = ["sample_id"]` (its meta has it). */
const probeRun = shared(async () => {
  const ws = workspace();
  ws.writeConfig('[general]\nvalidations = ["sample_id"]\n');
  const sessionConfig = path.join(ws.dir, 'session config.toml');
  fs.writeFileSync(
    sessionConfig,
    '[session.info]\nname = "File Person"\nemail = "f@example.org"\nsession_name = "From file"\nsession_description = "file"\n\n[device.probe]\nkind = "file"\n',
  );
  const marker = `marker-${randomUUID()}`;
  // A relative --config path (rex runs in ws.dir); the script stays 2 s, past the first validation check (1 s).
  const run = await finishedRun(ws, ENV_PROBE, ['--config', 'session config.toml'], { REXT_MARKER: marker, REXT_LINGER: '2' });
  return { ...run, marker, sessionConfig };
});

/** env_probe.py with `-v 3`, `--config '<json>'` and `--keep-journal`. */
const PROVIDED_JSON = {
  name: 'Json Person',
  email: 'j@example.org',
  session_name: 'From JSON',
  session_description: 'json',
  devices: { x: { gain: 2, mode: 'fast', nested: { a: 1.5 } } },
};
const verboseRun = shared(async () => {
  const ws = workspace();
  return finishedRun(ws, ENV_PROBE, ['--config', JSON.stringify(PROVIDED_JSON), '--keep-journal'], {}, ['-v', '3']);
});

describe('rex run: the script environment', () => {
  it("gives the script REX_PORT, REX_UUID (the file's UUID), REX_STORE (a directory) and RUST_LOG_LEVEL=INFO", {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const run = await probeRun();
    expect(run.code, run.log).toBe(0);
    const probe = need(run.probe, 'the probe report', run.log);
    expect(run.tomls).toHaveLength(1);
    expect(probe.env.REX_PORT).toBe(String(run.port));
    expect(probe.env.REX_UUID).toBe(run.tomls[0]!.session.UUID);
    expect(probe.store_is_dir).toBe(true);
    expect(probe.env.RUST_LOG_LEVEL).toBe('INFO');
  });

  it('exports RUST_LOG_LEVEL=DEBUG with -v 3', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await verboseRun();
    expect(run.code, run.log).toBe(0);
    expect(need(run.probe, 'the probe report', run.log).env.RUST_LOG_LEVEL).toBe('DEBUG');
  });

  it("shows the script's stdout in rex's log", { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await probeRun();
    expect(run.log).toContain(`env_probe says ${run.marker}`);
  });
});

describe('rex run --config', () => {
  it('exports REX_PROVIDED_CONFIG_PATH naming the file given', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await probeRun();
    const probe = need(run.probe, 'the probe report', run.log);
    const exported = need(probe.env.REX_PROVIDED_CONFIG_PATH, 'REX_PROVIDED_CONFIG_PATH', run.log);
    expect(path.resolve(run.dir, exported)).toBe(run.sessionConfig);
    expect(probe.env.REX_PROVIDED_OVERWRITE_PATH).toBeNull();
    expect(probe.provided_config).toEqual({
      session: { info: { name: 'File Person', email: 'f@example.org', session_name: 'From file', session_description: 'file' } },
      device: { probe: { kind: 'file' } },
    });
  });

  it('writes JSON as a TOML file with [session.info] and [device.x], exported as REX_PROVIDED_OVERWRITE_PATH', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const run = await verboseRun();
    const probe = need(run.probe, 'the probe report', run.log);
    expect(probe.env.REX_PROVIDED_OVERWRITE_PATH).toEqual(expect.any(String));
    expect(probe.env.REX_PROVIDED_CONFIG_PATH).toBeNull();
    const { devices, ...info } = PROVIDED_JSON;
    expect(probe.provided_overwrite).toEqual({ session: { info }, device: devices });
  });

  it('rejects invalid JSON with exit code 2 and a clear message, before starting the script', { timeout: RUN_TIMEOUT_MS }, async () => {
    const ws = workspace();
    const run = await finishedRun(ws, ENV_PROBE, ['--config', '{"name": "Jane", "devices": {']);
    expect(run.code).toBe(2);
    expect(run.log).toMatch(/--config/);
    expect(run.log).toMatch(/JSON/);
    expect(run.probe).toBeNull();
    expect(run.files).toEqual([]);
  });
});

describe('rex run --meta-json and validations', () => {
  it(`--meta-json nested deeper than ${MAX_META_JSON_DEPTH} levels is refused (exit 2), before anything starts`, async () => {
    const ws = workspace();
    for (const levels of [MAX_META_JSON_DEPTH + 1, 5000]) {
      const run = await finishedRun(ws, ENV_PROBE, ['--meta-json', `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`]);
      expect(run.code, run.log).toBe(2);
      expect(run.log).toContain(`rex: --meta-json is nested deeper than ${MAX_META_JSON_DEPTH} levels`);
      expect(run.probe).toBeNull();
    }
  });

  it('merges --meta-json into the session meta, its keys winning, and it can satisfy validations', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const ws = workspace();
    ws.writeConfig('[general]\nvalidations = ["sample_id"]\n');
    const metaJson = { operator: 'cli', sample_id: 'CLI-1', extra: { n: 1, tags: ['a', 'b'] } };
    const run = await finishedRun(ws, SCALARS, ['--meta-json', JSON.stringify(metaJson)], {
      REXT_META: JSON.stringify({ operator: 'script', note: 'kept' }),
      REXT_STEPS: '4',
      REXT_SLEEP: '0.4', // alive past the first validation check (1 s)
    });
    expect(run.code, run.log).toBe(0);
    expect(run.tomls).toHaveLength(1);
    expect(run.tomls[0]!.session.info.meta).toEqual({
      operator: 'cli',
      note: 'kept',
      sample_id: 'CLI-1',
      extra: { n: 1, tags: ['a', 'b'] },
    });
  });

  it('passes validations when the session meta has the key', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await probeRun();
    expect(run.code, run.log).toBe(0);
    const toml = run.tomls[0]!;
    expect(toml.session.info.meta).toEqual({ sample_id: 'P-1' });
    expect(toml.session.run.status).toBe('script-exit');
    expect(toml.device.probe.data.x.data).toEqual([1]);
  });

  it('fails validation when the key is missing: exit 3, the reason named, the data received kept', { timeout: 120_000 }, async () => {
    const ws = workspace();
    ws.writeConfig('[general]\nvalidations = ["sample_id"]\n');
    const ackFile = path.join(ws.dir, 'acks.txt');
    // long_running.py sends a session without meta and streams until stopped (1 s + 5 s + 5 s).
    const run = await finishedRun(ws, path.join(PY_FIXTURES, 'long_running.py'), [], { REXT_ACK_FILE: ackFile, REXT_SLEEP: '0.05' });
    expect(run.code, run.log).toBe(3);
    expect(run.log).toMatch(/sample_id/);
    expect(run.tomls).toHaveLength(1);
    const toml = run.tomls[0]!;
    const acknowledged = fs.readFileSync(ackFile, 'utf8').trim().split('\n').length;
    const values = toml.device.stream.data.n.data as number[];
    expect(acknowledged).toBeGreaterThan(10);
    // Every acknowledged message is in the file (one more may have been acknowledged as the script was stopped).
    expect(values.length).toBeGreaterThanOrEqual(acknowledged);
    expect(values).toEqual(values.map((_, i) => i));
    expect(toml.session.info.session_name).toBe('Long running test');
    expect(toml.session.end_time).not.toBe('');
    // The file says why the run was stopped.
    expect(toml.session.run.status).toBe('validation-failed');
    expect(toml.session.run.validation_error).toMatch(/sample_id/);
  });
});

describe('rex run: loops, delay, dry run', () => {
  it('--loops 3 writes three files with one UUID', { timeout: RUN_TIMEOUT_MS }, async () => {
    const ws = workspace();
    const run = await finishedRun(ws, SCALARS, ['--loops', '3'], { REXT_STEPS: '2' });
    expect(run.code, run.log).toBe(0);
    expect(run.files).toHaveLength(3);
    expect(new Set(run.tomls.map((t) => t.session.UUID)).size).toBe(1);
    expect(new Set(run.tomls.map((t) => t.session.start_time)).size).toBe(3);
    expect(new Set(run.tomls.map((t) => t.session.run.loop)).size).toBe(3);
    for (const toml of run.tomls) {
      expect(toml.device.daq.data.counts.data).toEqual([0.5, 1.5]);
      expect(toml.results.mean_counts.result_value).toBe(1);
    }
    for (const file of run.files) expect(run.stdout).toContain(file);
  });

  it('--delay 0.02 (minutes) waits 1.2 s before starting', { timeout: RUN_TIMEOUT_MS }, async () => {
    const ws = workspace();
    const run = await finishedRun(ws, ENV_PROBE, ['--delay', '0.02']);
    expect(run.code, run.log).toBe(0);
    // rex logs "listening on" once the port is open, before the delay; the iteration starts after it.
    const listening = need(run.log.match(/^(\d{4}-\S+Z)\s.*listening on/m), 'the "listening on" log line', run.log);
    const listeningMs = Date.parse(listening[1]!);
    const probe = need(run.probe, 'the probe report', run.log);
    const startMs = Date.parse(run.tomls[0]!.session.start_time.replace(/(\.\d{3})\d+Z$/, '$1Z'));
    const slackMs = 20; // two clocks (the log's, the session's), each to the millisecond
    expect(startMs - listeningMs).toBeGreaterThanOrEqual(1200 - slackMs);
    expect(probe.started_at * 1000 - listeningMs).toBeGreaterThanOrEqual(1200 - slackMs);
  });

  it('--delay beyond what a timer holds (100000 minutes, about 69 days) is waited, not started at once; Ctrl-C ends it', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const ws = workspace();
    const probeFile = path.join(ws.dir, 'probe.json');
    const run = startRex(ws, ['run', ENV_PROBE, '-P', String(await freePort()), '-o', ws.outputDir, '--delay', '100000'], {
      env: { REXT_OUT: probeFile },
    });
    await run.waitForOutput(/waiting 100000 minute\(s\) before the first loop/);
    // An overflowed timer would have started the script at once.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(fs.existsSync(probeFile), run.output()).toBe(false);
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code, run.output()).toBe(130);
    expect(fs.existsSync(probeFile)).toBe(false);
    expect(outputFiles(ws.outputDir)).toEqual([]);
  });

  it('--dry-run writes no file and leaves no journal', { timeout: RUN_TIMEOUT_MS }, async () => {
    const ws = workspace();
    const run = await finishedRun(ws, ENV_PROBE, ['--dry-run']);
    expect(run.code, run.log).toBe(0);
    const probe = need(run.probe, 'the probe report', run.log); // the script did run
    expect(run.files).toEqual([]);
    expect(fs.existsSync(path.join(ws.outputDir, '.rex'))).toBe(false);
    expect(fs.existsSync(need(probe.env.REX_STORE, 'REX_STORE', run.log))).toBe(false);
  });
});

describe('rex run: ports, failures and the journal', () => {
  it('a script that raises: exit code 1, the file complete, [session.run] exit_code 1, the traceback logged', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const ws = workspace();
    const run = await finishedRun(ws, path.join(PY_FIXTURES, 'crash.py'), [], { REXT_STEPS: '3' });
    expect(run.code, run.log).toBe(1);
    const toml = onlyOutput(ws.outputDir);
    expect(toml.session.info.session_name).toBe('Crash test');
    expect(toml.session.end_time).not.toBe('');
    expect(toml.device.daq.gate_time).toBe(1);
    expect(toml.device.daq.data.counts.data).toEqual([0, 1, 2]);
    expect(toml.device.daq.timestamps.counts).toHaveLength(3);
    expect(toml.session.run.exit_code).toBe(1);
    expect(run.log).toMatch(/ERROR.*RuntimeError: deliberate crash after 3 steps/);
  });

  it('a script that does not exist: exit code 2 before anything starts', { timeout: RUN_TIMEOUT_MS }, async () => {
    const ws = workspace();
    const missing = path.join(ws.dir, 'no such dir', 'missing_script.py');
    const run = await finishedRun(ws, missing, []);
    expect(run.code).toBe(2);
    expect(run.log).toMatch(/missing_script\.py/);
    expect(run.files).toEqual([]);
    expect(fs.existsSync(path.join(ws.outputDir, '.rex'))).toBe(false);
  });

  it('an output directory that cannot be written: exit code 2 naming it, the script not started', { timeout: RUN_TIMEOUT_MS }, async () => {
    const ws = workspace();
    const plainFile = path.join(ws.dir, 'plain-file');
    fs.writeFileSync(plainFile, 'not a directory');
    const outputDir = path.join(plainFile, 'out');
    const probeFile = path.join(ws.dir, 'probe.json');
    const result = await runRex(ws, ['run', ENV_PROBE, '-P', String(await freePort()), '-o', outputDir], { env: { REXT_OUT: probeFile } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(outputDir);
    expect(fs.existsSync(probeFile)).toBe(false);
  });

  it('removes the journal after a successful run', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await probeRun();
    expect(run.code, run.log).toBe(0);
    expect(run.tomls[0]!.session.UUID).toEqual(expect.any(String));
    expect(run.journalEntries).toBeNull();
  });

  it('keeps the journal with --keep-journal', { timeout: RUN_TIMEOUT_MS }, async () => {
    const run = await verboseRun();
    expect(run.code, run.log).toBe(0);
    expect(run.tomls).toHaveLength(1);
    const journals = need(run.journalEntries, `the journal directory .rex/${run.tomls[0]!.session.UUID}`, run.log).filter((f) =>
      f.endsWith('.rexj'),
    );
    expect(journals).toHaveLength(1);
  });
});
