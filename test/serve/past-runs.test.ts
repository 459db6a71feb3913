/**
 * Past runs over the API (`GET /runs`, `/runs/:id`, `/runs/:id/file`, `/runs/:id/channel`):
 * a real `rex run` of export_mix.py's output file and the original rex's reference file in an allowed output
 * directory, served by the gateway app built in-process; answers compared with the files (parsed
 * by smol-toml) and with `rex ls`'s listing. Ids name only run files directly in an allowed
 * directory: no link out of it, no other TOML, nothing without the token.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'smol-toml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayApp, type GatewayApp } from '../../src/actors/http-gateway/app.js';
import type { GatewayData } from '../../src/actors/http-gateway/messages.js';
import { runId } from '../../src/runtime/run-file/past-runs.js';
import { timestampNanos } from '../../src/protocol/run-file/timestamps.js';
import { idleRunState } from '../../src/actors/http-gateway/index.js';
import { listRuns } from '../../src/runtime/run-file/list-runs.js';
import { openRunFile } from '../../src/runtime/run-file/open-run-file.js';
import { RunIndexCache } from '../../src/runtime/run-file/run-index-cache.js';
import { REFERENCE_OUTPUT } from '../helpers/export-run.js';
import { outputFiles, PY_FIXTURES, REX_BIN } from '../helpers/rex-cli.js';

let root: string;
let out: string;
let exportMix = '';
let data: GatewayData;
const apps: GatewayApp[] = [];

/** A run file with one long single channel `gen/wave`: a sine, with one spike up and one down. */
const LONG = 2_000_000;
const SPIKES = { up: 123_457, down: 1_345_679 };
function writeLongRun(file: string): void {
  const values = new Array<string>(LONG);
  for (let i = 0; i < LONG; i++) values[i] = i === SPIKES.up ? '1e6' : i === SPIKES.down ? '-1e6' : (Math.sin(i / 1000) / 2).toFixed(5);
  const text = `[device.gen.data.wave]\ndata = [\n${values.join(',\n')},\n]\nunit = "V"\n\n[session]\nUUID = "11111111-2222-3333-4444-555555555555"\nend_time = "2026-01-02T00:00:10Z"\nstart_time = "2026-01-02T00:00:00Z"\n`;
  fs.writeFileSync(file, text);
}

/** A value of long.toml, as written (5 decimals). */
const longValue = (i: number) => (i === SPIKES.up ? 1e6 : i === SPIKES.down ? -1e6 : Number((Math.sin(i / 1000) / 2).toFixed(5)));

/** Each timestamp's seconds since the first. */
const secondsSinceFirst = (stamps: string[]) => stamps.map((t) => Number(timestampNanos(t)! - timestampNanos(stamps[0]!)!) / 1e9);

function build(overrides: Partial<GatewayData> = {}): GatewayApp {
  const gateway = buildGatewayApp({
    data: { ...data, ...overrides },
    runState: idleRunState,
    launch: () => Promise.reject(new Error('no runs started here')),
    log: () => undefined,
    version: '0.0.0-test',
  });
  apps.push(gateway);
  return gateway;
}

async function get(gateway: GatewayApp, url: string) {
  return gateway.app.inject({ method: 'GET', url });
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-past-runs-'));
  out = path.join(root, 'out');
  // A real run (as exportMixRun, which must run inside a test: its helper cleans up after the test).
  fs.mkdirSync(path.join(root, 'config'));
  await promisify(execFile)(process.execPath, [REX_BIN, 'run', path.join(PY_FIXTURES, 'export_mix.py'), '-o', out], {
    env: { ...process.env, XDG_CONFIG_HOME: path.join(root, 'config') },
  });
  exportMix = outputFiles(out)[0]!;
  fs.copyFileSync(REFERENCE_OUTPUT, path.join(out, 'reference.toml'));
  writeLongRun(path.join(out, 'long.toml'));
  // Not run output files: a config, a TOML file in a subdirectory, a link out of the directory.
  fs.writeFileSync(path.join(out, 'config.toml'), '[general]\nport = 7676\n');
  fs.mkdirSync(path.join(out, 'sub'));
  fs.copyFileSync(REFERENCE_OUTPUT, path.join(out, 'sub', 'nested.toml'));
  fs.mkdirSync(path.join(root, 'private'));
  fs.copyFileSync(REFERENCE_OUTPUT, path.join(root, 'private', 'secret.toml'));
  fs.symlinkSync(path.join(root, 'private', 'secret.toml'), path.join(out, 'link.toml'));
  fs.symlinkSync(path.join(root, 'private'), path.join(out, 'linkdir.toml'));
  // A FIFO: opening it would wait for a writer, holding one of the few threads that do file I/O.
  await promisify(execFile)('mkfifo', [path.join(out, 'fifo.toml')]);
  data = {
    host: '127.0.0.1',
    port: 9000,
    scriptsDir: root,
    allowedOutputDirs: [out, path.join(root, 'missing')],
    corsOrigins: [],
    cwd: root,
    version: '0.0.0-test',
  };
}, 60_000);
afterEach(async () => {
  await Promise.all(apps.splice(0).map((gateway) => gateway.close()));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const idOf = (name: string) => runId(0, name);

describe('GET /runs', () => {
  it('lists the run files directly in the allowed directories as rex ls does, newest first, each with an id; nothing else', async () => {
    const reply = await get(build(), '/runs');
    expect(reply.statusCode).toBe(200);
    const body = reply.json();
    // rex ls follows links; the server does not.
    const listed = (await listRuns([out])).runs.filter((run) => !run.file.endsWith('link.toml'));
    expect(body.runs).toEqual(listed.map((run) => ({ id: idOf(path.basename(run.file)), ...run })));
    expect(body.runs.map((r: { file: string }) => path.basename(r.file))).toEqual([
      path.basename(exportMix),
      'reference.toml',
      'long.toml',
    ]);
    expect(body.runs[0]).toMatchObject({ session: 'Export mix', status: 'script-exit', exitCode: 0, running: false });
    expect(body.problems).toEqual([`${path.join(root, 'missing')}: no such directory`]);
  });
});

describe('GET /runs/:id', () => {
  it("answers the file's index: session, devices and channels with their sizes, results", async () => {
    const reply = await get(build(), `/runs/${idOf(path.basename(exportMix))}`);
    expect(reply.statusCode).toBe(200);
    const body = reply.json();
    const doc = parse(fs.readFileSync(exportMix, 'utf8')) as Record<string, any>;
    expect(body.run.file).toBe(exportMix);
    expect(body.session).toMatchObject({ uuid: doc.session.UUID, info: { session_name: 'Export mix', meta: { sample: 'S-42' } } });
    const scope = body.devices.find((d: { name: string }) => d.name === 'scope');
    expect(scope.config).toMatchObject({ gate_time: 1000, averages: 16, mode: 'fast' });
    expect(scope.channels).toContainEqual({
      name: 'trace (V)',
      unit: 'V',
      shape: 'trace',
      count: 3,
      points: 15,
      rowLength: 5,
      timestamps: 3,
    });
    const odd = body.devices.find((d: { name: string }) => d.name === 'odd/name.dev');
    expect(odd.channels).toContainEqual({ name: 'ragged', unit: 'A', shape: 'trace', count: 3, points: 8, rowLength: null, timestamps: 3 });
    expect(body.results.map((r: { name: string; pass: boolean }) => [r.name, r.pass]).sort()).toEqual([
      ['check', false],
      ['fit', true],
    ]);
    expect(body.results.find((r: { name: string }) => r.name === 'fit').fields).toEqual(doc.results.fit);
  });
});

describe('GET /runs/:id/file', () => {
  it('answers the file itself, as an attachment', async () => {
    const reply = await get(build(), `/runs/${idOf('reference.toml')}/file`);
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('application/toml');
    expect(reply.headers['content-disposition']).toBe(`attachment; filename="reference.toml"; filename*=UTF-8''reference.toml`);
    expect(reply.rawPayload.equals(fs.readFileSync(REFERENCE_OUTPUT))).toBe(true);
  });
});

describe('a file with a long name', () => {
  it('is listed, opened and downloaded by its id (up to 255 bytes of name)', async () => {
    const dir = path.join(root, 'long-names');
    fs.mkdirSync(dir, { recursive: true });
    const name = `Kalibrierung Kryostat «Müller» ${'x'.repeat(200)}.toml`;
    expect(Buffer.byteLength(name)).toBeGreaterThan(230);
    fs.copyFileSync(REFERENCE_OUTPUT, path.join(dir, name));
    const gateway = build({ allowedOutputDirs: [dir] });
    const [run] = (await get(gateway, '/runs')).json().runs;
    expect(run.file).toBe(path.join(dir, name));
    expect(run.id).toBe(runId(0, name));
    expect((await get(gateway, `/runs/${run.id}`)).json().run.file).toBe(path.join(dir, name));
    const file = await get(gateway, `/runs/${run.id}/file`);
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename="Kalibrierung Kryostat _M_ller_ ${'x'.repeat(200)}.toml"; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
    expect(file.rawPayload.equals(fs.readFileSync(REFERENCE_OUTPUT))).toBe(true);
  });
});

describe('GET /runs/:id/channel', () => {
  /** As JSON carries the values: NaN and ±infinity as null, -0 as 0. */
  const asJson = (values: number[]) => values.map((v) => (Number.isFinite(v) ? v + 0 : null));

  it("a short channel's values and a trace's rows, whole, as the file holds them", async () => {
    const gateway = build();
    const doc = parse(fs.readFileSync(exportMix, 'utf8')) as Record<string, any>;
    const id = idOf(path.basename(exportMix));
    const counts = (await get(gateway, `/runs/${id}/channel?device=scope&channel=counts`)).json();
    expect(counts).toEqual({
      device: 'scope',
      channel: 'counts',
      unit: 'dimensionless',
      shape: 'single',
      count: 3,
      row: null,
      length: 3,
      from: 0,
      to: 3,
      downsampled: false,
      x: [0, 1, 2],
      time: secondsSinceFirst(doc.device.scope.timestamps.counts),
      y: asJson(doc.device.scope.data.counts.data),
      paired: null,
    });
    expect(counts.time[0]).toBe(0);
    const rows: number[][] = doc.device.scope.data['trace (V)'].data;
    const last = (await get(gateway, `/runs/${id}/channel?device=scope&channel=${encodeURIComponent('trace (V)')}`)).json();
    expect(last).toMatchObject({ shape: 'trace', count: 3, row: 2, length: 5, x: [0, 1, 2, 3, 4], y: asJson(rows[2]!) });
    const first = (await get(gateway, `/runs/${id}/channel?device=scope&channel=${encodeURIComponent('trace (V)')}&row=0`)).json();
    expect(first).toMatchObject({ row: 0, y: asJson(rows[0]!), time: null });
    // A range of a row: those points, at their place in the row.
    const cut = (
      await get(gateway, `/runs/${id}/channel?device=scope&channel=${encodeURIComponent('trace (V)')}&row=1&from=1&to=4`)
    ).json();
    expect(cut).toMatchObject({ row: 1, length: 5, from: 1, to: 4, downsampled: false, x: [1, 2, 3], y: asJson(rows[1]!.slice(1, 4)) });
  });

  it('a range of a channel (a zoomed chart): every value in it, with its time since the channel’s first timestamp', async () => {
    const gateway = build();
    const doc = parse(fs.readFileSync(REFERENCE_OUTPUT, 'utf8')) as Record<string, any>;
    const counts = (await get(gateway, `/runs/${idOf('reference.toml')}/channel?device=test_daq&channel=counts&from=2&to=5`)).json();
    const stamps: string[] = doc.device.test_daq.timestamps.counts;
    expect(counts).toMatchObject({ length: 6, from: 2, to: 5, downsampled: false, x: [2, 3, 4] });
    expect(counts.y).toEqual(doc.device.test_daq.data.counts.data.slice(2, 5));
    expect(counts.time).toEqual(secondsSinceFirst(stamps).slice(2, 5));
    expect(counts.time[0]).toBeCloseTo(10.016648, 9);

    // 1,000 of 2,000,000 values: all of them, as written; past the end: to the end.
    const long = `/runs/${idOf('long.toml')}/channel?device=gen&channel=wave`;
    const piece = (await get(gateway, `${long}&from=123000&to=124000`)).json();
    expect(piece).toMatchObject({ length: LONG, from: 123_000, to: 124_000, downsampled: false, time: null });
    expect(piece.x).toEqual(Array.from({ length: 1000 }, (_, k) => 123_000 + k));
    expect(piece.y).toEqual(piece.x.map(longValue));
    expect((await get(gateway, `${long}&from=${LONG - 3}&to=${LONG + 10}`)).json()).toMatchObject({
      to: LONG,
      x: [LONG - 3, LONG - 2, LONG - 1],
    });
    // A longer range is downsampled within it, its spike kept.
    const wide = (await get(gateway, `${long}&from=100000&to=1000000&points=1000`)).json();
    expect(wide).toMatchObject({ from: 100_000, to: 1_000_000, downsampled: true });
    expect(wide.x[0]).toBeGreaterThanOrEqual(100_000);
    expect(wide.x.at(-1)).toBeLessThan(1_000_000);
    expect(wide.y[wide.x.indexOf(SPIKES.up)]).toBe(1e6);
  });

  it('a long channel is downsampled to at most `points` points, keeping its spikes', async () => {
    const gateway = build();
    const reply = await get(gateway, `/runs/${idOf('long.toml')}/channel?device=gen&channel=wave&points=1000`);
    expect(reply.statusCode).toBe(200);
    const body = reply.json();
    expect(body).toMatchObject({ count: LONG, length: LONG, downsampled: true });
    expect(body.x.length).toBeLessThanOrEqual(1000);
    expect(body.x.length).toBeGreaterThan(900);
    expect(body.x).toContain(SPIKES.up);
    expect(Math.max(...body.y)).toBe(1e6);
    expect(Math.min(...body.y)).toBe(-1e6);
    expect(body.y[body.x.indexOf(SPIKES.down)]).toBe(-1e6);
  });

  it('while a long channel is read, the server goes on answering other requests', async () => {
    const gateway = build();
    let started = false;
    gateway.app.addHook('onRequest', async (request) => {
      if (request.url.includes('/channel')) started = true;
    });
    const base = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    let done = false;
    const channel = fetch(`${base}/runs/${idOf('long.toml')}/channel?device=gen&channel=wave`).then(async (r) => {
      const body = (await r.json()) as { length: number };
      done = true;
      return body;
    });
    while (!started) await new Promise((resolve) => setImmediate(resolve));
    let answeredMeanwhile = 0;
    while (!done) {
      const text = await (await fetch(`${base}/`)).text();
      expect(text).toBe('Server is up!');
      if (!done) answeredMeanwhile++;
    }
    expect((await channel).length).toBe(LONG);
    expect(answeredMeanwhile).toBeGreaterThan(0);
  });

  it('with x: another channel paired value by value from the newest ends, as the file holds them, downsampled at the same indexes', async () => {
    const gateway = build();
    const mix = parse(fs.readFileSync(exportMix, 'utf8')) as Record<string, any>;
    const odd = `/runs/${idOf(path.basename(exportMix))}/channel?device=${encodeURIComponent('odd/name.dev')}`;
    const only = mix.device['odd/name.dev'].data.only_two.data as number[];
    const ab = mix.device['odd/name.dev'].data['a.b'].data as number[];
    expect([only.length, ab.length]).toEqual([2, 1]);
    // a.b's one value goes with only_two's last; only_two's first value has no partner: left out.
    expect((await get(gateway, `${odd}&channel=a.b&x=only_two`)).json()).toMatchObject({
      x: [0],
      y: ab,
      paired: { channel: 'only_two', unit: 's', values: [only[1]] },
    });
    expect((await get(gateway, `${odd}&channel=only_two&x=a.b`)).json()).toMatchObject({
      from: 1,
      x: [1],
      y: [only[1]],
      paired: { channel: 'a.b', unit: 'V', values: ab },
    });
    // Downsampled: the x channel's values at the indexes kept.
    const ref = parse(fs.readFileSync(REFERENCE_OUTPUT, 'utf8')) as Record<string, any>;
    const current = ref.device.test_daq.data['current (mA)'].data as number[];
    const few = (
      await get(
        gateway,
        `/runs/${idOf('reference.toml')}/channel?device=test_daq&channel=counts&x=${encodeURIComponent('current (mA)')}&points=4`,
      )
    ).json();
    expect(few.downsampled).toBe(true);
    expect(few.y).toEqual(few.x.map((i: number) => ref.device.test_daq.data.counts.data[i]));
    expect(few.paired.values).toEqual(few.x.map((i: number) => current[i]));
  });

  it('a wrong query value is 400, naming the field', async () => {
    const gateway = build();
    const id = idOf(path.basename(exportMix));
    const trace = encodeURIComponent('trace (V)');
    for (const [query, field, message] of [
      ['channel=counts', 'device', /device: expected a device name/],
      ['device=scope&channel=counts&points=1', 'points', /points: expected a whole number from 2 to 20000, got 1/],
      ['device=scope&channel=counts&points=20001', 'points', /points: expected a whole number/],
      ['device=scope&channel=counts&points=ten', 'points', /points: expected a whole number/],
      [`device=scope&channel=${trace}&row=-1`, 'row', /row: expected a row number/],
      [`device=scope&channel=${trace}&row=3`, 'row', /row: the channel has 3 rows/],
      ['device=scope&channel=counts&row=0', 'row', /row: a single channel has no rows/],
      ['device=nope&channel=counts', 'device', /device: no device "nope"/],
      ['device=scope&channel=nope', 'channel', /channel: no channel "nope" in device "scope"/],
      ['device=scope&channel=counts&from=x', 'from', /^from: expected an index, a whole number ≥ 0, got "x"$/],
      ['device=scope&channel=counts&to=-2', 'to', /^to: expected an index/],
      ['device=scope&channel=counts&from=2&to=2', 'to', /^to: expected an index greater than from \(2\), got 2$/],
      ['device=scope&channel=counts&x=', 'x', /^x: expected a channel name/],
      ['device=scope&channel=counts&x=nope', 'x', /^x: no channel "nope" in device "scope"$/],
      [`device=scope&channel=counts&x=${trace}`, 'x', /^x: "trace \(V\)" is a trace; an x axis is a single channel$/],
      [`device=scope&channel=${trace}&x=counts`, 'x', /^x: a trace has no x channel/],
    ] as const) {
      const reply = await get(gateway, `/runs/${id}/channel?${query}`);
      expect(reply.statusCode, query).toBe(400);
      expect(reply.json().fields, query).toEqual([field]);
      expect(reply.json().message, query).toMatch(message);
    }
  });
});

describe('who may read past runs', () => {
  it('an id that names no listed run file is 404 on every endpoint: unknown, a link out, a FIFO, a config, a subdirectory, a made-up path', async () => {
    const gateway = build();
    const ids = [
      'bm9uZQ',
      idOf('nowhere.toml'),
      idOf('link.toml'),
      idOf('linkdir.toml'),
      idOf('fifo.toml'),
      idOf('config.toml'),
      runId(0, '..'),
      Buffer.from('0/sub/nested.toml').toString('base64url'),
      Buffer.from(`0/../private/secret.toml`).toString('base64url'),
      Buffer.from(path.join(root, 'private', 'secret.toml')).toString('base64url'),
      runId(1, 'reference.toml'),
      runId(2, 'reference.toml'),
      `${idOf('reference.toml')}=`,
    ];
    for (const id of ids) {
      for (const suffix of ['', '/file', '/channel?device=test_daq&channel=counts']) {
        const reply = await get(gateway, `/runs/${encodeURIComponent(id)}${suffix}`);
        expect(reply.statusCode, `${id}${suffix}`).toBe(404);
        expect(reply.body).not.toMatch(/John Doe|1027\.11/);
      }
    }
    expect((await get(gateway, `/runs/${idOf('reference.toml')}`)).statusCode).toBe(200);
  });

  it('with a token, nothing about past runs without it; the Host check applies', async () => {
    const gateway = build({ token: 's3cret' });
    const id = idOf('reference.toml');
    for (const url of ['/runs', `/runs/${id}`, `/runs/${id}/file`, `/runs/${id}/channel?device=test_daq&channel=counts`]) {
      const reply = await get(gateway, url);
      expect(reply.statusCode, url).toBe(401);
      expect(reply.body).not.toMatch(/Test|test_daq/);
    }
    const ok = await gateway.app.inject({ method: 'GET', url: '/runs', headers: { authorization: 'Bearer s3cret' } });
    expect(ok.statusCode).toBe(200);
    const rebound = await gateway.app.inject({
      method: 'GET',
      url: '/runs',
      headers: { authorization: 'Bearer s3cret', host: 'evil.example' },
    });
    expect(rebound.statusCode).toBe(403);
  });

  it('the endpoints and their query parameters are in the API description', async () => {
    const doc = (await get(build(), '/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/runs', '/runs/{id}', '/runs/{id}/file', '/runs/{id}/channel']));
    const names = doc.paths['/runs/{id}/channel'].get.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['id', 'device', 'channel', 'points', 'row', 'from', 'to']));
  });
});

describe('the index cache', () => {
  it('GET /runs does not read an unchanged file again (same size and modification time), and reads a changed one', async () => {
    const dir = path.join(root, 'cached');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'run.toml');
    const text = fs.readFileSync(REFERENCE_OUTPUT, 'utf8');
    // Whole seconds, which every file system keeps exactly.
    const when = 1_700_000_000;
    fs.writeFileSync(file, text);
    fs.utimesSync(file, when, when);
    const gateway = build({ allowedOutputDirs: [dir] });
    const session = async () => (await get(gateway, '/runs')).json().runs[0].session;
    expect(await session()).toBe('Test');
    // Rewritten in place with the same size and times: the listing does not notice, as it does not read the file.
    fs.writeFileSync(file, text.replace('session_name = "Test"', 'session_name = "Tset"'));
    fs.utimesSync(file, when, when);
    expect(await session()).toBe('Test');
    fs.utimesSync(file, when, when + 1);
    expect(await session()).toBe('Tset');
  });

  it('keeps an index while the file is unchanged, reads it again once it changes, and holds a bounded number', async () => {
    const cache = new RunIndexCache(2);
    const copy = path.join(root, 'cached.toml');
    fs.copyFileSync(REFERENCE_OUTPUT, copy);
    const devices = async (file: string) => {
      const run = await openRunFile(file, { indexCache: cache });
      await run.close();
      return run.devices;
    };
    const first = await devices(copy);
    expect(await devices(copy)).toBe(first);
    fs.appendFileSync(copy, '\n');
    const changed = await devices(copy);
    expect(changed).not.toBe(first);
    expect(changed).toEqual(first);
    await devices(exportMix);
    await devices(REFERENCE_OUTPUT);
    expect(cache.size).toBe(2);
    expect(await devices(copy)).not.toBe(changed);
  });
});
