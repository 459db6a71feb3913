// System tests of run control (SPEC §1–3, §6): Ctrl-C / SIGTERM / KILL end an iteration without
// losing anything acknowledged and without orphans; PAUSE/RESUME; loops cancelled by Ctrl-C; exact
// replies to live queries, many concurrent connections and invalid lines — all through the real
// `rex run` with real python3 scripts and real sockets from the test process.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  PY_FIXTURES,
  outputFiles,
  readToml,
  startRex,
  workspace,
  freePort,
  type RexRun,
  type RexWorkspace,
  type TomlTable,
} from '../helpers/rex-cli.js';
import { counterLines, processGone, waitFor } from '../helpers/processes.js';
import { STREAM, type StreamRun, startStream } from '../helpers/stream-run.js';

/** Generous: these spawn rex and python, and the whole suite shares two cores. */
const SYSTEM_TEST_TIMEOUT_MS = 120_000;

const IDLE = path.join(PY_FIXTURES, 'idle.py');

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** The output file rex reported on stdout (`output file: <path>`), parsed. */
function reportedOutput(stdout: string): TomlTable {
  const match = stdout.match(/output file: (.+)/);
  if (!match) throw new Error(`no output file reported:\n${stdout}`);
  return readToml(match[1]!.trim());
}

function counterValues(doc: TomlTable): number[] {
  const channel = doc.device?.stream?.data?.n;
  if (!channel) throw new Error(`no device.stream.data.n in the output: ${JSON.stringify(Object.keys(doc))}`);
  expect(channel.unit).toBe('count');
  const values = channel.data as number[];
  expect((doc.device.stream.timestamps.n as string[]).length).toBe(values.length);
  return values;
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Asserts the run stored exactly the acknowledged messages, each once, in order. */
function expectExactlyAcknowledged(doc: TomlTable, run: StreamRun): number {
  const acked = counterLines(run.ackFile);
  // The fixture records the reply of its message in flight before it obeys SIGTERM, so sent == acked.
  expect(counterLines(run.sentFile)).toBe(acked);
  expect(counterValues(doc)).toEqual(range(acked));
  return acked;
}

/** A script killed mid-message: its message in flight may be stored without its reply having arrived. */
function expectAcknowledgedWithin(doc: TomlTable, run: StreamRun): void {
  const acked = counterLines(run.ackFile);
  const values = counterValues(doc);
  expect(values.length).toBeGreaterThanOrEqual(acked);
  expect(values.length).toBeLessThanOrEqual(counterLines(run.sentFile));
  expect(values).toEqual(range(values.length));
}

/** The time of the first log line matching `pattern` (lines start with an ISO timestamp). */
function logTime(output: string, pattern: RegExp): number {
  const line = output.split('\n').find((l) => pattern.test(l));
  if (!line) throw new Error(`no log line matching ${pattern} in:\n${output}`);
  return Date.parse(line.split(' ')[0]!);
}

async function expectProcessesGone(run: StreamRun): Promise<void> {
  const { script, child } = run.pids();
  await waitFor(`script pid ${script} to be gone`, () => processGone(script), 5000);
  await waitFor(`its child (sleep 300, pid ${child}) to be gone`, () => processGone(child), 5000);
}

/** A client socket that reads newline-terminated replies and counts the reads each one took. */
class LineClient {
  private buffer = Buffer.alloc(0);
  private dataEvents = 0;
  /** The data event in which the first byte of the pending (unfinished) reply arrived. */
  private lineStartEvent: number | undefined;
  private readonly lines: Array<{ text: string; reads: number }> = [];
  private waiting: (() => void) | null = null;
  ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.dataEvents++;
      if (this.buffer.length === 0) this.lineStartEvent = this.dataEvents;
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (let newline = this.buffer.indexOf(0x0a); newline !== -1; newline = this.buffer.indexOf(0x0a)) {
        this.lines.push({ text: this.buffer.subarray(0, newline + 1).toString('utf8'), reads: this.dataEvents - this.lineStartEvent! + 1 });
        this.buffer = this.buffer.subarray(newline + 1);
        this.lineStartEvent = this.dataEvents;
      }
      this.waiting?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.waiting?.();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static connect(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** The next reply line (with its `\n`) and how many reads it took. */
  async readLine(timeoutMs = 30_000): Promise<{ text: string; reads: number }> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.ended) throw new Error(`connection ended before a reply (pending bytes: ${JSON.stringify(this.buffer.toString())})`);
      if (Date.now() > deadline) throw new Error('timed out waiting for a reply');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 100);
      });
      this.waiting = null;
    }
    return this.lines.shift()!;
  }

  async request(line: string | Buffer): Promise<{ text: string; reads: number }> {
    this.send(typeof line === 'string' ? `${line}\n` : line);
    return this.readLine();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `rex run idle.py` (the test is the only client); resolves once the iteration has begun. */
async function startIdle(extraArgs: string[] = []): Promise<{ rex: RexRun; ws: RexWorkspace; port: number }> {
  const ws = workspace();
  const rex = startRex(ws, ['run', IDLE, '-P', String(await freePort()), '-o', ws.outputDir, ...extraArgs], { env: { REXT_IDLE: '60' } });
  const [, port] = await rex.waitForOutput(/listening on [^\s]+:(\d+)/, 60_000);
  await rex.waitForOutput(/idle: ready/, 60_000);
  return { rex, ws, port: Number(port) };
}

async function connect(port: number): Promise<LineClient> {
  const client = await LineClient.connect(port);
  onTestFinished(() => client.close());
  return client;
}

const SESSION = {
  info: {
    name: 'Test Runner',
    email: 'test@example.org',
    session_name: 'Control test',
    session_description: 'from the test process',
    meta: { sample: 'S-7', nested: { a: 1 } },
  },
};

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('ending a run: signals and KILL', { timeout: SYSTEM_TEST_TIMEOUT_MS }, () => {
  it('SIGINT mid-run: exit 130, script and its child gone, every acknowledged message stored once', async () => {
    const run = await startStream();
    await waitFor('10 acknowledged messages', () => counterLines(run.ackFile) >= 10);
    run.rex.child.kill('SIGINT');
    const { code, stdout } = await run.rex.done;
    expect(code, run.rex.output()).toBe(130);
    await expectProcessesGone(run);
    expectExactlyAcknowledged(reportedOutput(stdout), run);
    expect(outputFiles(run.ws.outputDir)).toHaveLength(1);
  });

  it('SIGTERM mid-run: exit 143, script and its child gone, every acknowledged message stored once', async () => {
    const run = await startStream();
    await waitFor('10 acknowledged messages', () => counterLines(run.ackFile) >= 10);
    run.rex.child.kill('SIGTERM');
    const { code, stdout } = await run.rex.done;
    expect(code, run.rex.output()).toBe(143);
    await expectProcessesGone(run);
    expectExactlyAcknowledged(reportedOutput(stdout), run);
  });

  it('SIGINT right after start (before the script runs) still ends the run', async () => {
    const ws = workspace();
    const rex = startRex(ws, ['run', STREAM, '-P', String(await freePort()), '-o', ws.outputDir], {
      env: { REXT_PID_FILE: path.join(ws.dir, 'pids.json') },
    });
    onTestFinished(() => {
      const pidFile = path.join(ws.dir, 'pids.json');
      if (!fs.existsSync(pidFile)) return;
      const { script, child } = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as { script: number; child: number };
      for (const pid of [-script, script, child]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    });
    // Logged once the signal handlers are in place and before the controller (which runs the
    // script) has started: the Ctrl-C comes while rex is still starting up.
    await rex.waitForOutput(/listening on/, 60_000);
    rex.child.kill('SIGINT');
    const exited = await Promise.race([rex.done, new Promise<null>((resolve) => setTimeout(() => resolve(null), 60_000))]);
    expect(exited, `rex still running 60 s after SIGINT:\n${rex.output()}`).not.toBeNull();
    expect(exited!.code, `exit code (signal ${exited!.signal}):\n${rex.output()}`).toBe(130);
    // If the script got started after all, it was stopped with everything it spawned.
    const pidFile = path.join(ws.dir, 'pids.json');
    if (fs.existsSync(pidFile)) {
      const { script, child } = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as { script: number; child: number };
      await waitFor('the script and its child to be gone', () => processGone(script) && processGone(child), 5000);
    }
  });

  it('Ctrl-C during --delay: no loop runs, exit 130, no file', async () => {
    const ws = workspace();
    const rex = startRex(ws, ['run', IDLE, '-P', String(await freePort()), '-o', ws.outputDir, '--delay', '1']);
    await rex.waitForOutput(/waiting 1 minute/, 60_000);
    rex.child.kill('SIGINT');
    const { code } = await rex.done;
    expect(code, rex.output()).toBe(130);
    expect(rex.output()).not.toMatch(/idle: ready/);
    expect(outputFiles(ws.outputDir)).toEqual([]);
  });

  it('KILL over TCP from another socket: exact reply, connection closed, exit 0, file complete', async () => {
    const run = await startStream();
    const [, port] = await run.rex.waitForOutput(/listening on [^\s]+:(\d+)/, 60_000);
    await waitFor('10 acknowledged messages', () => counterLines(run.ackFile) >= 10);
    const client = await connect(Number(port));
    const reply = await client.request('KILL');
    expect(reply.text).toBe('Shutting down server...\n');
    expect(reply.reads).toBe(1);
    await client.closed;
    expect(client.ended).toBe(true);
    const { code, stdout } = await run.rex.done;
    expect(code, run.rex.output()).toBe(0);
    expect(stdout).toMatch(/script ended \(kill-command/);
    await expectProcessesGone(run);
    expectExactlyAcknowledged(reportedOutput(stdout), run);
  });

  it('a script that ignores SIGTERM is killed, with its child, after the grace period (exit 130, data kept)', async () => {
    const run = await startStream({ env: { REXT_IGNORE_SIGTERM: '1' } });
    await waitFor('10 acknowledged messages', () => counterLines(run.ackFile) >= 10);
    const interruptedAt = Date.now();
    run.rex.child.kill('SIGINT');
    const { code, stdout } = await run.rex.done;
    expect(code, run.rex.output()).toBe(130);
    expect(Date.now() - interruptedAt).toBeGreaterThanOrEqual(2900);
    expect(stdout).toMatch(/script ended \(interrupted, signal SIGKILL\)/);
    await expectProcessesGone(run);
    expectAcknowledgedWithin(reportedOutput(stdout), run);
  });

  it('a second Ctrl-C does not wait for the grace period (script killed at once, data kept)', async () => {
    const run = await startStream({ env: { REXT_IGNORE_SIGTERM: '1' } });
    await waitFor('10 acknowledged messages', () => counterLines(run.ackFile) >= 10);
    run.rex.child.kill('SIGINT');
    await run.rex.waitForOutput(/interrupted: stopping the script/, 60_000);
    run.rex.child.kill('SIGINT');
    const { code, stdout } = await run.rex.done;
    expect(code, run.rex.output()).toBe(130);
    expect(stdout).toMatch(/script ended \(interrupted, signal SIGKILL\)/);
    // rex's own log times: the kill came before the 3 s grace period of the first stop was over.
    const stopAt = logTime(run.rex.output(), /interrupted: stopping the script/);
    const killAt = logTime(run.rex.output(), /interrupted again: killing the script now/);
    expect(killAt - stopAt, run.rex.output()).toBeLessThan(3000);
    await expectProcessesGone(run);
    expectAcknowledgedWithin(reportedOutput(stdout), run);
  });

  it('KILL sent by the script itself ends its iteration at once, data kept; the later loops still run', async () => {
    const ws = workspace();
    const started = Date.now();
    const rex = startRex(
      ws,
      ['run', path.join(PY_FIXTURES, 'kill_self.py'), '-P', String(await freePort()), '-o', ws.outputDir, '--loops', '2'],
      {
        env: { REXT_STEPS: '3', REXT_LINGER: '60' },
      },
    );
    const { code, stdout } = await rex.done;
    expect(code, rex.output()).toBe(0);
    // After its KILL the script lingers 60 s (then exits 4) unless rex stops it.
    expect(Date.now() - started).toBeLessThan(55_000);
    expect(stdout.match(/script ended \(kill-command/g)).toHaveLength(2);
    const files = outputFiles(ws.outputDir);
    expect(files).toHaveLength(2);
    for (const file of files) {
      const doc = readToml(file);
      expect(doc.device.daq.data.counts.data).toEqual([0, 1, 2]);
      expect(doc.session.info.session_name).toBe('Kill test');
    }
  });

  it('a script that exits by itself does not leave its children running', async () => {
    const run = await startStream({ env: { REXT_MAX_STEPS: '5', REXT_SLEEP: '0' } });
    const { code, stdout } = await run.rex.done;
    expect(code, run.rex.output()).toBe(0);
    expect(stdout).toMatch(/script ended \(script-exit, exit code 0\)/);
    await expectProcessesGone(run);
    expectExactlyAcknowledged(reportedOutput(stdout), run);
    expect(counterLines(run.ackFile)).toBe(5);
  });

  it('--loops 3 with Ctrl-C during loop 1: the remaining loops are cancelled (one file)', async () => {
    const run = await startStream({ args: ['--loops', '3'] });
    await waitFor('5 acknowledged messages', () => counterLines(run.ackFile) >= 5);
    run.rex.child.kill('SIGINT');
    const { code, stdout } = await run.rex.done;
    expect(code, run.rex.output()).toBe(130);
    expect(outputFiles(run.ws.outputDir)).toHaveLength(1);
    expect(stdout.match(/script ended \(interrupted/g)).toHaveLength(1);
    expect(stdout.match(/output file: /g)).toHaveLength(1);
    expect(run.rex.output()).toMatch(/loop 1 of 3/);
    expect(run.rex.output()).not.toMatch(/loop 2 of 3/);
    await expectProcessesGone(run);
    expectExactlyAcknowledged(reportedOutput(stdout), run);
  });
});

describe('PAUSE_STATE / RESUME_STATE from another client', { timeout: SYSTEM_TEST_TIMEOUT_MS }, () => {
  it('the script polling its Listener sees Paused, then Running, and finishes', async () => {
    const ws = workspace();
    const rex = startRex(ws, ['run', path.join(PY_FIXTURES, 'listener_wait.py'), '-P', String(await freePort()), '-o', ws.outputDir], {
      env: { REXT_POLL: '0.05', REXT_TIMEOUT: '25' },
    });
    const [, port] = await rex.waitForOutput(/listening on [^\s]+:(\d+)/, 60_000);
    await rex.waitForOutput(/state: Running/, 60_000);
    const pauser = await connect(Number(port));
    expect(await pauser.request('PAUSE_STATE')).toEqual({ text: 'Setting internal server state to paused...\n', reads: 1 });
    await rex.waitForOutput(/state: Paused/, 60_000);
    // Paused is advisory: the script keeps polling and must hear Paused until resumed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rex.output()).not.toMatch(/state: Paused[\s\S]*state: Running/);
    const resumer = await connect(Number(port));
    expect(await resumer.request('RESUME_STATE')).toEqual({ text: 'Setting internal server state to start...\n', reads: 1 });
    const { code } = await rex.done;
    expect(code, rex.output()).toBe(0);
    expect(rex.output()).toMatch(/state: Running[\s\S]*state: Paused[\s\S]*state: Running/);
  });
});

describe('live queries and many clients from the test process', { timeout: SYSTEM_TEST_TIMEOUT_MS }, () => {
  it('STATE and GET_DATASTREAM: exact replies before and after the session, one line in one write each', async () => {
    const { rex, port, ws } = await startIdle();
    const client = await connect(port);
    expect(await client.request('STATE')).toEqual({ text: '{"entities":null}\n', reads: 1 });
    expect(await client.request('GET_DATASTREAM')).toEqual({ text: '{}\n', reads: 1 });

    expect((await client.request(JSON.stringify(SESSION))).text).toBe('Session configuration processed\n');
    // "x": 150 single values with client timestamps 1 s apart; "trace": two rows of 250 points;
    // "odd": NaN and Infinity, which JSON replies carry as null.
    const base = Date.UTC(2026, 0, 1);
    const stamp = (ms: number): string => new Date(base + ms).toISOString();
    // Parts of differing lengths: equal lengths > 1 would turn the channel into rows (SPEC §4).
    for (const [start, count] of [
      [0, 40],
      [40, 60],
      [100, 50],
    ] as const) {
      const values = range(count, start);
      const line = JSON.stringify({
        device_name: 'q',
        device_config: { mode: 'query', gain: 2.5 },
        measurements: { x: { data: values, unit: 'V' } },
        timestamps: { x: values.map((v) => stamp(v * 1000)) },
      });
      expect((await client.request(line)).text).toBe('Device measurements recorded\n');
    }
    const rows = [range(250).map((j) => Math.sin(j / 10)), range(250).map((j) => j * j)];
    for (const [index, row] of rows.entries()) {
      const line = JSON.stringify({
        device_name: 'q',
        device_config: { ignored: true },
        measurements: { trace: { data: [row], unit: 'mV' } },
        timestamps: { trace: [stamp(index * 2500)] },
      });
      expect((await client.request(line)).text).toBe('Device measurements recorded\n');
    }
    const odd =
      '{"device_name":"q","device_config":{},"measurements":{"odd":{"data":[1.5,NaN,Infinity],"unit":"V"}},"timestamps":{"odd":["2026-01-01T00:00:00Z"]}}';
    expect((await client.request(odd)).text).toBe('Device measurements recorded\n');

    const stateReply = await client.request('STATE');
    expect(stateReply.reads).toBe(1);
    expect(stateReply.text.indexOf('\n')).toBe(stateReply.text.length - 1);
    const state = JSON.parse(stateReply.text);
    expect(state.entities).toEqual({
      start_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      end_time: null,
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      info: SESSION.info,
    });
    expect(state.devices).toEqual({ q: { mode: 'query', gain: 2.5 } });
    expect(state.run_file).toBe(IDLE);
    // rex-daq's extension: exact counts per channel (the odd line's three values among them).
    expect(state.run).toMatchObject({ loop: 1, loops: 1, paused: false });
    expect(state.run.counts.q.odd).toBe(3);

    const streamReply = await client.request('GET_DATASTREAM');
    expect(streamReply.reads).toBe(1);
    expect(streamReply.text.indexOf('\n')).toBe(streamReply.text.length - 1);
    const stream = JSON.parse(streamReply.text);
    expect(Object.keys(stream)).toEqual(['q']);
    expect(stream.q.device_name).toBe('q');
    const m = stream.q.measurements;
    expect(Object.keys(m).sort()).toEqual(
      [
        'x',
        'trace',
        'odd',
        'Time since first x measurement (s)',
        'Time since first trace measurement (s)',
        'Time since first odd measurement (s)',
      ].sort(),
    );
    // Single: the last 100 values; their times relative to the channel's first timestamp.
    expect(m.x).toEqual(range(100, 50));
    expect(m['Time since first x measurement (s)']).toEqual(range(100, 50));
    // Multi: the last row only, reduced to ≤ 100 of its points (in order, ends kept).
    const lastRow = rows[1]!;
    expect(m.trace.length).toBeLessThanOrEqual(100);
    expect(m.trace.length).toBeGreaterThan(1);
    expect(m.trace[0]).toBe(lastRow[0]);
    expect(m.trace.at(-1)).toBe(lastRow.at(-1));
    let cursor = 0;
    for (const value of m.trace as number[]) {
      const found = lastRow.indexOf(value, cursor);
      expect(found, `${value} is not a later point of the last row`).toBeGreaterThanOrEqual(cursor);
      cursor = found + 1;
    }
    expect(m['Time since first trace measurement (s)']).toEqual([0, 2.5]);
    expect(m.odd).toEqual([1.5, null, null]);
    expect(m['Time since first odd measurement (s)']).toEqual([0, 0, 0]);
    // rex-daq's extension: where in the row each reduced trace value sits (for the TUI's x axis).
    const index = stream.q.sample_index.trace as number[];
    expect(index.map((i) => lastRow[i])).toEqual(m.trace);
    expect([index[0], index.at(-1)]).toEqual([0, 249]);
    // GET_DATASTREAM_FULL (the TUI's `f`): the same reply with the trace whole (≤ 10,000 points).
    const full = JSON.parse((await client.request('GET_DATASTREAM_FULL')).text);
    expect(full.q.measurements.trace).toEqual(lastRow);
    expect(full.q.measurements.x).toEqual(m.x);
    expect(full.q.sample_index).toBeUndefined();

    expect((await client.request('KILL')).text).toBe('Shutting down server...\n');
    expect((await rex.done).code, rex.output()).toBe(0);
    // STATE described this very run.
    const doc = readToml(outputFiles(ws.outputDir)[0]!);
    expect(state.entities.uuid).toBe(doc.session.UUID);
    expect(state.entities.start_time).toBe(doc.session.start_time);
  });

  it('20 concurrent connections sending interleaved device lines: every line answered, all data stored', async () => {
    const { rex, port, ws } = await startIdle();
    const CLIENTS = 20;
    const STEPS = 25;
    const clients = await Promise.all(range(CLIENTS).map(() => connect(port)));
    expect((await clients[0]!.request(JSON.stringify(SESSION))).text).toBe('Session configuration processed\n');
    const line = (k: number, i: number): string =>
      JSON.stringify({ device_name: `dev${k}`, device_config: { index: k }, measurements: { v: { data: [k * 1000 + i], unit: 'V' } } }) +
      '\n';
    // Even clients ask and wait line by line; odd ones pipeline all their lines in one write.
    await Promise.all(
      clients.map(async (client, k) => {
        if (k % 2 === 0) {
          for (let i = 0; i < STEPS; i++) expect((await client.request(line(k, i))).text).toBe('Device measurements recorded\n');
        } else {
          client.send(
            range(STEPS)
              .map((i) => line(k, i))
              .join(''),
          );
          for (let i = 0; i < STEPS; i++) expect((await client.readLine()).text).toBe('Device measurements recorded\n');
        }
      }),
    );
    expect((await clients[1]!.request('KILL')).text).toBe('Shutting down server...\n');
    const { code } = await rex.done;
    expect(code, rex.output()).toBe(0);
    const files = outputFiles(ws.outputDir);
    expect(files).toHaveLength(1);
    const doc = readToml(files[0]!);
    expect(Object.keys(doc.device).sort()).toEqual(
      range(CLIENTS)
        .map((k) => `dev${k}`)
        .sort(),
    );
    for (let k = 0; k < CLIENTS; k++) {
      expect(doc.device[`dev${k}`].index).toBe(k);
      expect(doc.device[`dev${k}`].data.v.data).toEqual(range(STEPS, k * 1000));
      expect(doc.device[`dev${k}`].timestamps.v).toHaveLength(STEPS);
    }
  });

  it('invalid lines get "Invalid format" and the connection stays usable', async () => {
    const { rex, port, ws } = await startIdle();
    const client = await connect(port);
    const invalid: Array<string | Buffer> = [
      'not json',
      '{"device_name": 1}',
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x80, 0x22, 0x7d, 0x0a]), // {"a":"\xff\xfe\x80"}
      Buffer.from([0xc3, 0x28, 0x0a]),
      '{"device_name":"d","device_config":{},"measurements":{"v":{"data":["1"],"unit":"V"}}}',
      '[1, 2, 3]',
    ];
    for (const line of invalid) {
      const reply = await client.request(typeof line === 'string' ? `${line}\n` : line);
      expect(reply.text, `reply to ${JSON.stringify(line.toString())}`).toBe('Invalid format\n');
      expect(reply.reads).toBe(1);
    }
    // The same connection still works for every kind of message.
    expect((await client.request(JSON.stringify(SESSION))).text).toBe('Session configuration processed\n');
    const device = JSON.stringify({ device_name: 'd', device_config: {}, measurements: { v: { data: [1.5], unit: 'V' } } });
    expect((await client.request(device)).text).toBe('Device measurements recorded\n');
    expect((await client.request('not json either')).text).toBe('Invalid format\n');
    expect((await client.request('{"name": "Session Listener", "id": "x"}')).text).toBe('Running\n');
    expect((await client.request('KILL')).text).toBe('Shutting down server...\n');
    expect((await rex.done).code, rex.output()).toBe(0);
    const doc = readToml(outputFiles(ws.outputDir)[0]!);
    expect(doc.device.d.data.v.data).toEqual([1.5]);
    expect(doc.session.info.session_name).toBe('Control test');
  });
});
