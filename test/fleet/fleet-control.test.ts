/**
 * A fleet with a real hub (nats-server), a `rex serve` station and a lone `rex run` station, both
 * with the station permissions of docs/fleet.md, controlled with the real `rex fleet` CLI: they
 * register, `ls` shows them, a run is started, paused, resumed and watched on the serve station, a
 * lone run is refused a `run` and killed, a station killed drops out after the TTL, and the hub
 * refuses wrong credentials and a station's control of another station.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import {
  type RexWorkspace,
  freePort,
  outputFiles,
  PY_FIXTURES,
  readToml,
  REX_BIN,
  runRex,
  startRex,
  watchOutput,
} from '../helpers/rex-cli.js';
import { NatsServer, type NatsUser, stationUser } from '../helpers/nats-server.js';
import { startServe, type ServeProcess } from '../serve/serve-process.js';

/** Short, so a killed station drops out within the test (docs/fleet.md: REX_FLEET_TTL_MS); not shorter: a station starved of CPU for a TTL on a loaded machine drops out too. */
const TTL_MS = 3000;
const ENV = { REX_FLEET_TTL_MS: String(TTL_MS) };

/** `rex ARGS` for the whole file (startRex kills its child at the end of one test). */
function spawnRex(ws: RexWorkspace, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [REX_BIN, ...args], {
    cwd: ws.dir,
    env: { ...process.env, XDG_CONFIG_HOME: ws.configHome, ...ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watchOutput(child, 'rex output so far', 20_000);
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr: watched.stderr() })),
  );
  return { child, done, output: watched.output };
}
type LoneRun = ReturnType<typeof spawnRex>;

const CONTROL: NatsUser = { user: 'control', password: 'control-secret' };

describe('rex fleet: stations register and are controlled over NATS', () => {
  let hub: NatsServer;
  let serve: ServeProcess;
  let lone: LoneRun;
  let ws: RexWorkspace;
  /** A lone run whose hub is not there, started with the others (its script takes a few seconds). */
  let cutOff: { dir: string; run: LoneRun };
  /** `rex fleet ARGS` with the control user's config (or `config`). */
  const fleet = (args: string[], config = 'control.toml') =>
    runRex(ws, ['fleet', ...args, '--config-file', path.join(ws.dir, config)], { env: ENV });
  const lsJson = async () =>
    JSON.parse((await fleet(['ls', '--json'])).stdout) as Array<{ node: string; kind: string; run: { id: string; phase: string } }>;

  beforeAll(async () => {
    hub = await NatsServer.start({ users: [stationUser('lab1'), stationUser('lab2'), CONTROL] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-fleet-'));
    ws = {
      dir,
      outputDir: path.join(dir, 'out'),
      configHome: path.join(dir, 'config'),
      cacheHome: path.join(dir, 'cache'),
      writeConfig: () => undefined,
    };
    fs.mkdirSync(path.join(ws.configHome, 'rex'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'control.toml'), hub.fleetSection('control', CONTROL));
    fs.writeFileSync(path.join(dir, 'wrong.toml'), hub.fleetSection('control', { user: 'control', password: 'guess' }));
    fs.writeFileSync(path.join(dir, 'none.toml'), '[general]\n');
    fs.writeFileSync(path.join(ws.configHome, 'rex', 'config.toml'), hub.fleetSection('lab2', stationUser('lab2')));
    const cutOffDir = path.join(dir, 'cut-off');
    fs.mkdirSync(cutOffDir);
    const cutOffConfig = path.join(cutOffDir, 'config.toml');
    fs.writeFileSync(cutOffConfig, `[fleet]\nurl = "nats://127.0.0.1:${await freePort()}"\nnode = "cut-off"\ntoken = "t"\n`);
    const script = path.join(PY_FIXTURES, 'scalars.py');
    const cutOffArgs = ['run', script, '-o', path.join(cutOffDir, 'out'), '-P', String(await freePort()), '--config-file', cutOffConfig];
    cutOff = { dir: cutOffDir, run: spawnRex(ws, cutOffArgs, { REXT_SLEEP: '0.6' }) };
    // The serve station's runs inherit its environment: the fixture sends a session and a line.
    [serve, lone] = await Promise.all([
      startServe({ serveConfig: hub.fleetSection('lab1', stationUser('lab1')).split('\n'), env: { ...ENV, REXT_SEND: '1' } }),
      freePort().then((port) =>
        spawnRex(ws, ['run', path.join(PY_FIXTURES, 'listener_wait.py'), '-o', ws.outputDir, '-P', String(port)], { REXT_SEND: '1' }),
      ),
    ]);
  }, 60_000);
  afterAll(async () => {
    lone?.child.kill('SIGKILL');
    cutOff?.run.child.kill('SIGKILL');
    await serve?.dispose();
    await hub?.dispose();
    if (ws) fs.rmSync(ws.dir, { recursive: true, force: true });
  });

  it('both stations register; ls shows each with its kind, run and phase', async () => {
    const stations = await vi.waitFor(
      async () => {
        const listed = await lsJson();
        const lab2 = listed.find((s) => s.node === 'lab2');
        if (listed.length !== 2 || lab2?.run.phase !== 'running')
          throw new Error(`not yet: ${JSON.stringify(listed)}\n${lone.output()}\n${serve.output()}`);
        return listed;
      },
      { timeout: 20_000, interval: 300 },
    );
    expect(stations.map((s) => [s.node, s.kind])).toEqual([
      ['lab1', 'serve'],
      ['lab2', 'run'],
    ]);
    expect(stations[0]!.run.phase).toBe('idle');
    expect(stations[1]!.run.id).toMatch(/^[0-9a-f-]{36}$/);
    const text = (await fleet(['ls'])).stdout;
    expect(text).toMatch(/^NODE\s+HOST\s+KIND\s+RUN\s+PHASE\s+HEARTBEAT$/m);
    expect(text).toMatch(new RegExp(`^lab2\\s+\\S+\\s+run\\s+${stations[1]!.run.id}\\s+running\\s+\\d+s ago$`, 'm'));
  });

  it('a run started with rex fleet run is paused and resumed through the fleet, watched to its end, and writes its file', async () => {
    const watch = startRex(ws, ['fleet', 'watch', 'lab1', '--config-file', path.join(ws.dir, 'control.toml')], { env: ENV });
    await watch.waitForOutput(/lab1: no run idle/);
    const started = await fleet(['run', 'lab1', 'fixtures/python/listener_wait.py']);
    expect(started.code, started.stderr).toBe(0);
    const { id } = JSON.parse(started.stdout) as { id: string };
    await serve.waitForOutput(/state: Running/);
    const [status, paused] = await Promise.all([fleet(['status', 'lab1']), fleet(['pause', 'lab1'])]);
    expect(JSON.parse(status.stdout).entities).toBeDefined();
    expect(paused.stdout.trim()).toBe('Setting internal server state to paused...');
    await serve.waitForOutput(/state: Paused/);
    expect((await fleet(['continue', 'lab1'])).stdout.trim()).toBe('Setting internal server state to start...');
    const run = await serve.waitForRun((r) => r.phase === 'ended');
    expect(run).toMatchObject({ id, exit_code: 0 });
    expect(readToml(run.output_files[0]).session).toBeDefined();
    // The run is no station of its own (it would take lab1's record, and delete it at its end).
    expect(serve.output().match(/registered as station lab1/g)).toHaveLength(1);
    const watched = await watch.done;
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(new RegExp(`lab1: run ${id} running[\\s\\S]*lab1: run ${id} ended \\(exit code 0\\)`));
  });

  it('refuses what the HTTP API refuses: a bad run request, a run on a lone rex run', async () => {
    const [bad, noRun, lone] = await Promise.all([
      fleet(['run', 'lab1', '../package.json']),
      fleet(['status', 'lab1']),
      fleet(['run', 'lab2', 'x.py']),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/station lab1 answered 403: path: "\.\.\/package\.json" is outside the scripts directory/);
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toMatch(/station lab1 answered 502: Error communicating with TCP server: no run in progress; the last run/);
    expect(lone.code).toBe(1);
    expect(lone.stderr).toMatch(/answered 409: this station is a lone `rex run`: it starts no runs/);
  });

  it("a station's user cannot control another station: the hub denies the request", async () => {
    const nc = await connect({ servers: hub.url, user: 'lab2', pass: stationUser('lab2').password });
    try {
      await expect(nc.request('rex.station.lab1.kill', '', { timeout: 3000 })).rejects.toThrow(/permission/i);
    } finally {
      await nc.close();
    }
  });

  it('a lone rex run answers the server ops as `rex run --web` would: its state, its log, its runs, no scripts', async () => {
    const nc = await connect({ servers: hub.url, user: CONTROL.user, pass: CONTROL.password });
    try {
      const ask = async (op: string, data?: unknown) => {
        const reply = await nc.request(`rex.station.lab2.${op}`, data === undefined ? '' : JSON.stringify(data), { timeout: 5000 });
        return JSON.parse(new TextDecoder().decode(reply.data)) as { status: number; body: any };
      };
      expect(await ask('state')).toMatchObject({
        status: 200,
        body: { phase: 'running', port: expect.any(Number), startedAt: expect.any(String) },
      });
      const log = await ask('log', { id: null, after: 0 });
      expect(log.body.lines).toContainEqual(expect.stringContaining('state: Running'));
      expect(await ask('allowed_scripts')).toMatchObject({ status: 200, body: { files: [] } });
      expect(await ask('allowed_output_dirs')).toEqual({ status: 200, body: { dirs: [ws.outputDir] } });
      expect((await ask('runs')).status).toBe(200);
      expect((await ask('run_index', { id: 'bm9wZQ' })).status).toBe(404);
    } finally {
      await nc.close();
    }
  });

  it('kill ends the lone run; it leaves the registry on its clean exit', async () => {
    expect((await fleet(['kill', 'lab2'])).stdout.trim()).toBe('Shutting down server...');
    const ended = await lone.done;
    expect(ended.code, ended.stderr).toBe(0);
    expect(outputFiles(ws.outputDir)).toHaveLength(1);
    expect((await lsJson()).map((s) => s.node)).toEqual(['lab1']);
  });

  it('a station killed with SIGKILL drops out of ls after the TTL; unknown and silent stations are told apart', async () => {
    // A registered station that answers nothing: its record, but no process.
    const nc = await connect({ servers: hub.url, user: CONTROL.user, pass: CONTROL.password });
    const kv = await new Kvm(nc).open('rex_stations');
    const ghost = JSON.parse((await kv.get('lab1'))!.string());
    await kv.put('ghost', JSON.stringify({ ...ghost, node: 'ghost' }));
    await nc.close();
    const silent = fleet(['status', 'ghost']);
    serve.child.kill('SIGKILL');
    await serve.exited;
    expect((await silent).code).toBe(7);
    expect((await silent).stderr).toMatch(/station ghost does not answer status/);
    await vi.waitFor(
      async () => {
        const nodes = (await lsJson()).map((s) => s.node);
        if (nodes.length > 0) throw new Error(`still listed: ${nodes.join(', ')}`);
      },
      { timeout: 10_000, interval: 500 },
    );
    const unknown = await fleet(['pause', 'lab1']);
    expect(unknown.code).toBe(6);
    expect(unknown.stderr).toMatch(/no station lab1 in the fleet/);
  });

  it('wrong credentials and no [fleet] are refused with a clear message', async () => {
    const [wrong, none] = await Promise.all([fleet(['ls'], 'wrong.toml'), fleet(['ls'], 'none.toml')]);
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/the fleet hub \(nats:\/\/127\.0\.0\.1:\d+\) refused the credentials of \[fleet\] \(user "control"\)/);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no \[fleet\] section/);
  });

  it("with the hub down, a station's run goes on and ends normally; the outage is logged once", async () => {
    const run = await cutOff.run.done;
    expect(run.code, run.stderr).toBe(0);
    expect(outputFiles(path.join(cutOff.dir, 'out'))).toHaveLength(1);
    expect(run.stderr.match(/cannot reach the fleet hub/g)).toHaveLength(1);
  });
});
