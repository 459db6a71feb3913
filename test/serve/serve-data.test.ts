/**
 * The data side of `rex serve`: /datastream and the live push show the run's data; /kill, a
 * crash of the http-gateway actor, and Ctrl-C of the server all leave every acknowledged message
 * in the output file (system test with real Python runs; run `npm run build` first).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, outputFiles, readToml, type TomlTable } from '../helpers/rex-cli.js';
import { readEvents, startServe, type ServeProcess } from './serve-process.js';

const TOKEN = 'token-from-the-environment';

/** long_running.py appends "k" after its k-th acknowledged message; k restarts at 1 for each run. */
function acknowledged(ackFile: string): number {
  if (!fs.existsSync(ackFile)) return 0;
  const lines = fs.readFileSync(ackFile, 'utf8').split('\n').filter(Boolean);
  return Number(lines.at(-1) ?? 0);
}

/** The script's acknowledgements are a file it appends to: polled, there is no event to wait for. */
const ACKS_POLL = { timeout: 60_000, interval: 100 };

function outputOf(dir: string, runId: string): TomlTable {
  const match = outputFiles(dir)
    .map(readToml)
    .find((toml) => toml.session?.UUID === runId);
  if (!match) throw new Error(`no output file of run ${runId} in ${dir}`);
  return match;
}

/** Every value 0..n-1 of long_running's counter, each once, and at least `acked` of them. */
function expectEverythingAcknowledged(toml: TomlTable, acked: number): void {
  const n: number[] = toml.device.stream.data.n.data;
  expect(n.length).toBeGreaterThanOrEqual(acked);
  expect(n).toEqual(Array.from({ length: n.length }, (_, i) => i));
}

describe('rex serve: data, kill, gateway crash and Ctrl-C', () => {
  let serve: ServeProcess;
  // The serve process's environment reaches every run's script.
  const ackFile = path.join(os.tmpdir(), `rex-serve-acks-${process.pid}-${Date.now()}`);
  beforeAll(async () => {
    serve = await startServe({
      envToken: TOKEN,
      env: {
        REX_FAULT_INJECTION: '1',
        REX_SERVE_FAULT_MODES: 'exit,throw-async',
        REXT_SLEEP: '0.01',
        REXT_STEPS: '12',
        REXT_ACK_FILE: ackFile,
      },
    });
  }, 90_000);
  afterAll(async () => {
    await serve?.dispose();
    fs.rmSync(ackFile, { force: true });
  });

  it('GET /datastream and the live push (/events) deliver the same data; /datastream/full cuts a trace to a range; /kill ends the run and saves it (token from REX_SERVE_TOKEN)', async () => {
    const started = await serve.http('POST', '/run', { body: { path: 'serve/fixtures/send_then_wait.py', port: await freePort() } });
    expect(started.status).toBe(200);
    const { id } = started.json();
    // The id answered is the script's REX_UUID; the server's token is not passed on to the script.
    await serve.waitForOutput(new RegExp(`send_then_wait: REX_UUID=${id} token_seen=False`));
    await serve.waitForOutput(/send_then_wait: sent 12/);
    expect((await serve.http('GET', '/datastream', { token: null })).status).toBe(401);

    const datastream = await serve.http('GET', '/datastream');
    expect(datastream.status).toBe(200);
    const shown = datastream.json();
    expect(shown.probe.measurements.x).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(shown.probe.measurements.trace).toEqual([11, 11.5, 12]);

    const events = await readEvents(serve, (e) => e.event === 'datastream', { token: TOKEN });
    expect(events[0]!.event).toBe('run');
    expect(JSON.parse(events[0]!.data)).toMatchObject({ phase: 'running', id });
    expect(JSON.parse(events.at(-1)!.data)).toEqual(shown);

    // A zoomed chart's range of a trace's newest row: every point of it, as sent, with its place in the row.
    const wide = Array.from({ length: 25_000 }, (_, j) => (j * 7919) % 1000);
    const whole = (await serve.http('GET', '/datastream/full')).json();
    expect(whole.wide.measurements.row).toHaveLength(10_000);
    const range = async (query: string) => (await serve.http('GET', `/datastream/full?device=wide&channel=row&${query}`)).json();
    const cut = await range('from=12000&to=19500');
    expect(Object.keys(cut)).toEqual(['wide']);
    expect(cut.wide.measurements.row).toEqual(wide.slice(12_000, 19_500));
    expect(cut.wide.sample_index.row).toEqual(Array.from({ length: 7_500 }, (_, k) => 12_000 + k));
    expect(cut.wide.measurements['Time since first row measurement (s)']).toEqual([0]);
    // Past the row's end: to its end. Still longer than 10,000 points: reduced, each point where it was.
    expect((await range('from=24990&to=99999')).wide.measurements.row).toEqual(wide.slice(24_990));
    const reduced = (await range('from=1000')).wide;
    expect(reduced.measurements.row).toHaveLength(10_000);
    expect(reduced.sample_index.row.map((j: number) => wide[j])).toEqual(reduced.measurements.row);
    expect(reduced.sample_index.row[0]).toBe(1000);
    // No such channel: nothing. A single channel: its recent values.
    expect((await serve.http('GET', '/datastream/full?device=wide&channel=nope')).json()).toEqual({});
    expect((await serve.http('GET', '/datastream/full?device=probe&channel=x&from=3')).json().probe.measurements.x).toEqual(
      shown.probe.measurements.x,
    );

    const killed = await serve.http('POST', '/kill');
    expect(killed.status).toBe(200);
    expect(killed.text).toBe('Shutting down server...');
    const ended = await serve.waitForRun((run) => run.id === id && run.phase === 'ended');
    expect(ended.exit_code).toBe(0);
    const toml = outputOf(serve.outputDir, id);
    expect(toml.device.probe.data.x.data).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(toml.device.probe.data.trace.data).toHaveLength(12);
  }, 120_000);

  it('a crash of the http-gateway mid-run loses nothing: it comes back serving; then Ctrl-C stops the server and the run, which saves everything acknowledged', async () => {
    fs.writeFileSync(ackFile, '');
    const started = await serve.http('POST', '/run', { body: { path: 'fixtures/python/long_running.py', port: await freePort() } });
    const { id } = started.json();
    await vi.waitFor(() => expect(acknowledged(ackFile), 'messages acknowledged').toBeGreaterThanOrEqual(30), ACKS_POLL);

    for (const [mode, restart] of [
      ['exit', 1],
      ['throw-async', 2],
    ] as const) {
      const before = serve.output().length;
      serve.child.kill('SIGUSR2');
      await serve.waitForOutput(new RegExp(`injecting ${mode} into http-gateway`), 30_000, before);
      await serve.waitForOutput(new RegExp(`Rex Server listening on \\S+ \\(restarted, ${restart}\\)`), 60_000, before);
      const during = acknowledged(ackFile);
      const datastream = await serve.http('GET', '/datastream');
      expect(datastream.status).toBe(200);
      expect(datastream.json().stream.measurements.n.length).toBeGreaterThan(0);
      // The run never noticed: its script is still being acknowledged.
      await vi.waitFor(
        () => expect(acknowledged(ackFile), 'messages acknowledged after the restart').toBeGreaterThan(during + 10),
        ACKS_POLL,
      );
    }
    expect((await serve.http('GET', '/run')).json()).toMatchObject({ phase: 'running', id });

    serve.child.kill('SIGINT');
    const { code } = await serve.exited;
    expect(code).toBe(0);
    expect(serve.output()).toMatch(/SIGINT: stopping the server and ending the run after saving its data/);
    expect(serve.output()).toMatch(new RegExp(`run ${id} ended: exit code 130 \\(interrupted\\)`));
    expectEverythingAcknowledged(outputOf(serve.outputDir, id), acknowledged(ackFile));
  }, 180_000);
});
