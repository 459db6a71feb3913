/**
 * `rex serve --fleet`, the fleet's HTTP control point (docs/fleet.md), against a real hub
 * (nats-server) and a real `rex serve` station: the stations are listed, a run is started on the
 * station through the control point and writes its file, and status, datastream, pause, continue
 * and kill through it answer what the station's own API answers. Unknown stations are 404, silent
 * ones 504, and `--fleet` without `[fleet]` is a usage error. In a real Chromium, the page's
 * station picker shows the station's live run (needs `npm run build`: dist/web). Past runs' files
 * and answers larger than the hub's max_payload (1 MB) come in parts, identical to the
 * station's own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPage, screenshot, useBrowser } from '../helpers/browser.js';
import { readToml, runRex } from '../helpers/rex-cli.js';
import { NatsServer, type NatsUser, stationUser } from '../helpers/nats-server.js';
import { readEvents, startServe, type ServeProcess } from '../serve/serve-process.js';

const ENV = { REX_FLEET_TTL_MS: '3000' };
// The station's user has docs/fleet.md's permissions: the parts of large answers need no other.
const STATION = stationUser('lab1');
const CONTROL: NatsUser = { user: 'control', password: 'control-secret' };
const TOKEN = 'fleet-token';
/** nats-server's default max_payload, the hub's. */
const MAX_PAYLOAD = 1024 * 1024;

/** A GET's status, headers and body as bytes. */
async function bytesOf(serve: ServeProcess, route: string, token?: string) {
  const response = await fetch(`${serve.url}${route}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('rex serve --fleet: the HTTP API over the stations of a fleet', () => {
  const browser = useBrowser();
  let hub: NatsServer;
  let station: ServeProcess;
  let control: ServeProcess;

  beforeAll(async () => {
    hub = await NatsServer.start({ users: [STATION, CONTROL] });
    [station, control] = await Promise.all([
      // The station's runs inherit its environment: the fixture sends a session and a line.
      // big_series.py writes two channels of REXT_POINTS timestamped values (about 3 MB of TOML).
      startServe({
        serveConfig: hub.fleetSection('lab1', STATION).split('\n'),
        env: { ...ENV, REXT_SEND: '1', REXT_TRACE: '1', REXT_POINTS: '40000' },
      }),
      startServe({ serveConfig: hub.fleetSection('control', CONTROL).split('\n'), token: TOKEN, args: ['--fleet'] }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([station?.dispose(), control?.dispose()]);
    await hub?.dispose();
  });

  it('lists the stations; an unknown station is 404, a silent one 504; the token is required', async () => {
    const stations = await vi.waitFor(
      async () => {
        const answer = await control.http('GET', '/stations');
        if (answer.status !== 200 || answer.json().length !== 1)
          throw new Error(`not yet: ${answer.status} ${answer.text}\n${control.output()}`);
        return answer.json() as Array<{ node: string; kind: string; run: { phase: string } }>;
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(stations[0]).toMatchObject({ node: 'lab1', kind: 'serve', run: { phase: 'idle' } });
    expect((await control.http('GET', '/stations', { token: null })).status).toBe(401);
    expect(Object.keys((await control.http('GET', '/openapi.json')).json().paths)).toContain('/stations/{node}/status');
    const unknown = await control.http('GET', '/stations/nope/status');
    expect(unknown.status).toBe(404);
    expect(unknown.json().message).toBe('no station nope in the fleet (GET /stations lists them)');
    expect((await control.http('GET', '/stations/lab1.x/status')).status).toBe(404);

    // Registered, but nothing answers on its subjects.
    const nc = await connect({ servers: hub.url, user: CONTROL.user, pass: CONTROL.password });
    const kv = await new Kvm(nc).open('rex_stations');
    await kv.put('ghost', JSON.stringify({ ...stations[0], node: 'ghost' }));
    await nc.close();
    const silent = await control.http('GET', '/stations/ghost/status');
    expect(silent.status).toBe(504);
    expect(silent.text).toMatch(/station ghost does not answer status/);
  });

  it('starts a run on the station; status, datastream, events, pause, continue and kill answer as the station does', async () => {
    const started = await control.http('POST', '/stations/lab1/run', { body: { path: 'fixtures/python/listener_wait.py' } });
    expect(started.status, started.text).toBe(200);
    const { id } = started.json() as { id: string };
    await station.waitForOutput(/state: Running/);

    // The station's own answers and the control point's, side by side.
    const both = async (method: string, route: string) => {
      const [own, fleet] = await Promise.all([station.http(method, route), control.http(method, `/stations/lab1${route}`)]);
      expect(fleet.status, fleet.text).toBe(own.status);
      return { own, fleet };
    };
    const status = await both('GET', '/status');
    expect(status.fleet.json()).toEqual(status.own.json());
    const datastream = await both('GET', '/datastream');
    expect(Object.keys(datastream.fleet.json())).toEqual(Object.keys(datastream.own.json()));
    expect(datastream.fleet.text).toContain('dmm');
    // The run's whole state, as the station's own GET /run: its port, start time, log file.
    const run = await both('GET', '/run');
    expect(run.fleet.json()).toMatchObject({ id, phase: 'running', port: expect.any(Number), started_at: expect.any(String) });
    expect(run.fleet.json()).toEqual(run.own.json());
    // A trace range: exactly the points the script sent, as the station's own API cuts them.
    const range = await both('GET', '/datastream/full?device=scope&channel=wave&from=100&to=120');
    expect(range.fleet.json().scope.measurements.wave).toEqual(Array.from({ length: 20 }, (_, k) => (100 + k) / 2));
    expect(range.fleet.json()).toEqual(range.own.json());
    // The run's log, line by line: what the script printed comes as a `log` event.
    const logged = await readEvents(
      { ...control, url: `${control.url}/stations/lab1` },
      (event) => event.event === 'log' && event.data.includes('state: Running'),
      { token: TOKEN, timeoutMs: 10_000 },
    );
    expect(JSON.parse(logged.at(-1)!.data)).toMatchObject({
      id,
      lines: expect.arrayContaining([expect.stringContaining('state: Running')]),
    });

    const events = await readEvents(
      { ...control, url: `${control.url}/stations/lab1` },
      (event) => event.event === 'datastream' && event.data.includes('voltage'),
      { token: TOKEN, timeoutMs: 10_000 },
    );
    expect(JSON.parse(events[0]!.data)).toMatchObject({ id, phase: 'running' });

    // The page: log in, choose the station, see its run's device and value.
    const { page, context, problems } = await openPage(browser());
    try {
      await page.goto(`${control.url}/ui/`);
      await page.getByLabel('Token').fill(TOKEN);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByLabel('Station').selectOption('lab1');
      expect(new URL(page.url()).hash).toBe('#/live?station=lab1');
      await page.locator('#run [data-field="phase"]', { hasText: 'running' }).waitFor({ timeout: 10_000 });
      const voltage = page.locator('[data-device="dmm"] tr[data-channel="voltage"] [data-field="latest"]');
      await expect.poll(() => voltage.textContent(), { timeout: 10_000 }).toBe('1.5');

      const paused = await control.http('POST', '/stations/lab1/pause');
      expect(paused.status).toBe(200);
      expect(paused.text).toBe('Setting internal server state to paused...');
      await station.waitForOutput(/state: Paused/);
      await page.locator('[data-field="paused"]', { hasText: 'Paused' }).waitFor({ timeout: 10_000 });
      await screenshot(page, 'web-fleet-station');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
    expect((await control.http('POST', '/stations/lab1/continue')).text).toBe('Setting internal server state to start...');
    const ended = await station.waitForRun((r) => r.phase === 'ended');
    expect(ended).toMatchObject({ id, exit_code: 0 });
    expect(readToml(ended.output_files[0]).session).toBeDefined();

    // No run: the same 502 and text from both.
    const noRun = await both('POST', '/kill');
    expect(noRun.fleet.status).toBe(502);
    expect(noRun.fleet.text).toBe(noRun.own.text);
    await vi.waitFor(async () => expect((await control.http('GET', '/stations/lab1/run')).json()).toMatchObject({ id, phase: 'ended' }), {
      timeout: 5_000,
    });
  });

  it("the station's past runs, its scripts and the Start form, through the control point", async () => {
    const same = async (route: string) => {
      const [own, fleet] = await Promise.all([station.http('GET', route), control.http('GET', `/stations/lab1${route}`)]);
      expect(fleet.status, fleet.text).toBe(200);
      expect(fleet.json()).toEqual(own.json());
      return fleet.json();
    };
    const { runs } = await same('/runs');
    expect(runs).toHaveLength(1);
    const runId = encodeURIComponent(runs[0].id);
    expect((await same(`/runs/${runId}`)).devices.map((d: { name: string }) => d.name)).toEqual(['dmm', 'scope']);
    expect((await same(`/runs/${runId}/channel?device=dmm&channel=voltage`)).y).toEqual([1.5]);
    expect((await same(`/runs/${runId}/channel?device=scope&channel=wave&from=10&to=14`)).y).toEqual([5, 5.5, 6, 6.5]);
    // A small file: one part.
    const [own, fleet] = await Promise.all([
      bytesOf(station, `/runs/${runId}/file`),
      bytesOf(control, `/stations/lab1/runs/${runId}/file`, TOKEN),
    ]);
    expect(fleet.status).toBe(200);
    expect(fleet.bytes.equals(own.bytes)).toBe(true);
    expect((await same('/allowed_scripts')).files).toContainEqual(expect.stringMatching(/fixtures\/python\/listener_wait\.py$/));
    expect((await same('/allowed_output_dirs')).dirs).toEqual([station.outputDir]);

    // The page: the station's past runs, and its Start form: the run starts there.
    const mark = station.output().length;
    const { page, context, problems } = await openPage(browser());
    try {
      await page.goto(`${control.url}/ui/#/start?station=lab1`);
      await page.getByLabel('Token').fill(TOKEN);
      await page.getByRole('button', { name: 'Log in' }).click();
      // The Past runs tab: the station's run, opened (the station kept in the link).
      await page.goto(`${control.url}/ui/#/runs?station=lab1`);
      await page.getByRole('link', { name: 'Listener wait' }).click();
      await page.locator('#past-devices [data-device="scope"]').waitFor();
      expect(new URL(page.url()).hash).toBe(`#/runs/${runId}?station=lab1`);
      await page.goto(`${control.url}/ui/#/start?station=lab1`);
      await page.locator('select[name="path"]').selectOption({ label: 'fixtures/python/listener_wait.py' });
      await page.getByRole('button', { name: 'Start' }).click();
      const started = await station.waitForRun((r) => r.phase === 'running' && r.id !== runs[0].uuid, 20_000);
      expect(started.script).toMatch(/listener_wait\.py$/);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
    // Its script ends once it has seen a pause and a resume.
    await station.waitForOutput(/state: Running/, 10_000, mark);
    expect((await control.http('POST', '/stations/lab1/pause')).status).toBe(200);
    await station.waitForOutput(/state: Paused/, 10_000, mark);
    expect((await control.http('POST', '/stations/lab1/continue')).status).toBe(200);
    await station.waitForRun((r) => r.phase === 'ended');
  });

  /** The id of big_series.py's run (about 3 MB), for the two tests below. */
  let bigRunId = '';

  it("a past run's file of several MB comes through the hub byte for byte, with the station's headers; a bad id is its 404", async () => {
    const started = await control.http('POST', '/stations/lab1/run', { body: { path: 'fixtures/python/big_series.py' } });
    expect(started.status, started.text).toBe(200);
    const ended = await station.waitForRun((r) => r.phase === 'ended' && r.id === started.json().id, 20_000);
    expect(ended.exit_code, station.output()).toBe(0);
    const { runs } = (await station.http('GET', '/runs')).json();
    bigRunId = encodeURIComponent(runs.find((r: { file: string }) => r.file === ended.output_files[0]).id);

    // Several parts of at most 512 KiB each, pulled one after another.
    const route = `/runs/${bigRunId}/file`;
    const [own, fleet] = await Promise.all([bytesOf(station, route), bytesOf(control, `/stations/lab1${route}`, TOKEN)]);
    expect(own.status).toBe(200);
    expect(own.bytes.length).toBeGreaterThan(2 * MAX_PAYLOAD);
    expect(fleet.status).toBe(200);
    expect(fleet.bytes.length).toBe(own.bytes.length);
    expect(fleet.bytes.equals(own.bytes)).toBe(true);
    expect(fleet.bytes.equals(fs.readFileSync(ended.output_files[0]))).toBe(true);
    for (const header of ['content-type', 'content-disposition', 'content-length', 'x-content-type-options'])
      expect(fleet.headers.get(header), header).toBe(own.headers.get(header));

    // An id the station does not list: its own 404.
    const bad = `/runs/${encodeURIComponent(Buffer.from('0/nope.toml').toString('base64url'))}/file`;
    const [ownBad, fleetBad] = await Promise.all([station.http('GET', bad), control.http('GET', `/stations/lab1${bad}`)]);
    expect(ownBad.status).toBe(404);
    expect(fleetBad.status).toBe(404);
    expect(fleetBad.json()).toEqual(ownBad.json());
  });

  it('a channel read larger than max_payload comes through the hub as from the station', async () => {
    // 20 000 points with their indexes and paired values: a JSON answer over 1 MB, held by the station and pulled in parts.
    const read = `/runs/${bigRunId}/channel?device=big&channel=v&x=w&points=20000`;
    const [own, fleet] = await Promise.all([station.http('GET', read), control.http('GET', `/stations/lab1${read}`)]);
    expect(own.status).toBe(200);
    expect(own.text.length).toBeGreaterThan(MAX_PAYLOAD);
    expect(fleet.status, fleet.text.slice(0, 300)).toBe(200);
    expect(fleet.json()).toEqual(own.json());
  });

  it('a bad run request is refused as the station refuses it', async () => {
    const bad = await control.http('POST', '/stations/lab1/run', { body: { path: '../package.json' } });
    expect(bad.status).toBe(403);
    expect(bad.json().message).toMatch(/path: "\.\.\/package\.json" is outside the scripts directory/);
  });

  it('--fleet without [fleet] is a usage error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-serve-fleet-'));
    try {
      fs.writeFileSync(path.join(dir, 'none.toml'), '[general]\n');
      const ws = { dir, outputDir: dir, configHome: dir, cacheHome: dir, writeConfig: () => undefined };
      const result = await runRex(ws, ['serve', '--fleet', '--config-file', path.join(dir, 'none.toml')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--fleet: the config has no \[fleet\] section/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Last: the hub stays down.
  it('with the hub down, the control point answers 502', async () => {
    await hub.stop('SIGKILL');
    const down = await control.http('GET', '/stations/lab1/status');
    expect(down.status).toBe(502);
    expect(down.text).toMatch(/the fleet hub: /);
  });
});
