/**
 * The HTTP API's own rules, through fastify's inject() (which works on Node 20): who may call,
 * malformed and oversized bodies, the API description; and, over real TCP sockets, that a run which
 * does not answer or answers garbage never hangs a request.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewayApp, BODY_LIMIT_BYTES, type GatewayApp } from '../../src/actors/http-gateway/app.js';
import type { GatewayData, ServeRunState } from '../../src/actors/http-gateway/messages.js';
import { idleRunState } from '../../src/host/serve/run-launcher.js';

let root: string;
let data: GatewayData;
let runState: ServeRunState;
const apps: GatewayApp[] = [];

function build(overrides: Partial<GatewayData> = {}): GatewayApp {
  const gateway = buildGatewayApp({
    data: { ...data, ...overrides },
    runState: () => runState,
    launch: () => Promise.reject(new Error('these tests never get as far as starting a run')),
    log: () => undefined,
    version: '0.0.0-test',
    tcpTimeoutMs: 300,
  });
  apps.push(gateway);
  return gateway;
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-gateway-'));
  fs.mkdirSync(path.join(root, 'scripts'));
  fs.mkdirSync(path.join(root, 'out'));
  fs.writeFileSync(path.join(root, 'scripts', 'scan.py'), '');
  data = {
    host: '127.0.0.1', port: 9000, scriptsDir: path.join(root, 'scripts'), allowedOutputDirs: [path.join(root, 'out')],
    corsOrigins: [], cwd: root, version: '0.0.0-test',
  };
});
afterEach(async () => {
  runState = idleRunState();
  await Promise.all(apps.splice(0).map((gateway) => gateway.close()));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
runState = idleRunState();

describe('who may call', () => {
  it('with a token: GET / is open, every other endpoint needs "Authorization: Bearer <token>"', async () => {
    const { app } = build({ token: 's3cret' });
    expect((await app.inject({ method: 'GET', url: '/' })).body).toBe('Server is up!');
    for (const [method, url] of [['GET', '/status'], ['GET', '/datastream'], ['POST', '/kill'], ['POST', '/run'], ['GET', '/run'], ['GET', '/docs'], ['GET', '/allowed_output_dirs']] as const) {
      const missing = await app.inject({ method, url });
      expect(missing.statusCode, `${method} ${url}`).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="rex"');
      expect(missing.json().message).toMatch(/requires a token/);
      const wrong = await app.inject({ method, url, headers: { authorization: 'Bearer guess' } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().message).toBe('wrong token');
    }
    const right = await app.inject({ method: 'GET', url: '/allowed_output_dirs', headers: { authorization: 'Bearer s3cret' } });
    expect(right.json()).toEqual({ dirs: [path.join(root, 'out')] });
    // A query token is for EventSource and WebSocket only: elsewhere it would end up in logs.
    expect((await app.inject({ method: 'GET', url: '/run?token=s3cret' })).statusCode).toBe(401);
  });

  it('on loopback, a request addressed to another host name is refused (DNS rebinding)', async () => {
    const { app } = build();
    const rebound = await app.inject({ method: 'POST', url: '/kill', headers: { host: 'attacker.example:9000' } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json().message).toMatch(/not a loopback name/);
    for (const host of ['localhost:9000', '127.0.0.1:9000', '[::1]:9000']) {
      expect((await app.inject({ method: 'GET', url: '/', headers: { host } })).statusCode, host).toBe(200);
    }
    // Listening on all interfaces, other names are expected (the token is the protection there).
    const open = build({ host: '0.0.0.0' }).app;
    expect((await open.inject({ method: 'GET', url: '/', headers: { host: 'lab-pc.local:9000' } })).statusCode).toBe(200);
  });

  it('a web page from another origin cannot use the API, unless CORS allows that origin', async () => {
    const { app } = build();
    const forged = await app.inject({ method: 'POST', url: '/kill', headers: { origin: 'https://evil.example' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().message).toMatch(/not allowed \(config serve\.cors_origins\)/);
    expect((await app.inject({ method: 'GET', url: '/', headers: { origin: 'http://localhost:80', host: 'localhost:80' } })).statusCode).toBe(200);

    const cors = build({ corsOrigins: ['https://gui.lab.org'] }).app;
    const preflight = await cors.inject({ method: 'OPTIONS', url: '/run', headers: { origin: 'https://gui.lab.org', 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://gui.lab.org');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const allowed = await cors.inject({ method: 'GET', url: '/status_check', headers: { origin: 'https://gui.lab.org' } });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://gui.lab.org');
    expect((await cors.inject({ method: 'GET', url: '/', headers: { origin: 'https://other.example' } })).statusCode).toBe(403);
  });
});

describe('bodies', () => {
  it('refuses malformed JSON, a body over the limit, and a body that is not JSON, each saying why', async () => {
    const { app } = build();
    const malformed = await app.inject({ method: 'POST', url: '/run', headers: { 'content-type': 'application/json' }, payload: '{"path": "scan.py",' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toMatch(/^body: not valid JSON: /);

    const big = JSON.stringify({ path: 'scan.py', meta_json: { blob: 'x'.repeat(BODY_LIMIT_BYTES) } });
    const oversized = await app.inject({ method: 'POST', url: '/run', headers: { 'content-type': 'application/json' }, payload: big });
    expect(oversized.statusCode).toBe(413);
    expect(oversized.json().message).toBe(`body: too large; the limit is ${BODY_LIMIT_BYTES} bytes`);

    const text = await app.inject({ method: 'POST', url: '/run', headers: { 'content-type': 'text/plain' }, payload: 'scan.py' });
    expect(text.statusCode).toBe(415);
    expect(text.json().message).toMatch(/expects a JSON object with Content-Type: application\/json/);

    const empty = await app.inject({ method: 'POST', url: '/run', headers: { 'content-type': 'application/json' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ fields: ['body'] });
  });

  it('answers field mistakes and policy refusals with the field named, before anything starts', async () => {
    const { app } = build();
    const post = (payload: unknown) => app.inject({ method: 'POST', url: '/run', payload: payload as object });
    const badLoops = await post({ path: 'scan.py', loops: 0 });
    expect(badLoops.statusCode).toBe(400);
    expect(badLoops.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'loops: expected a whole number ≥ 1, got 0', fields: ['loops'] });
    const outside = await post({ path: '/etc/passwd' });
    expect(outside.statusCode).toBe(403);
    expect(outside.json().fields).toEqual(['path']);
    const badOutput = await post({ path: 'scan.py', output: os.tmpdir() });
    expect(badOutput.statusCode).toBe(403);
    expect(badOutput.json().fields).toEqual(['output']);
  });

  it('ignores whatever body comes with POST /pause, /continue, /kill (the original did)', async () => {
    const { app } = build();
    for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'application/xml' }, {}]) {
      const reply = await app.inject({ method: 'POST', url: '/kill', headers, payload: '' });
      expect(reply.statusCode).toBe(502);
      expect(reply.body).toBe('Error communicating with TCP server: no run in progress');
    }
  });
});

describe('answers without a run, at once', () => {
  it('/status, /datastream and the controls answer 502 with the reason; /status_check 204', async () => {
    const { app } = build();
    for (const [method, url] of [['GET', '/status'], ['GET', '/datastream'], ['POST', '/pause'], ['POST', '/continue']] as const) {
      const reply = await app.inject({ method, url });
      expect(reply.statusCode).toBe(502);
      expect(reply.body).toBe('Error communicating with TCP server: no run in progress');
    }
    expect((await app.inject({ method: 'GET', url: '/status_check' })).statusCode).toBe(204);
    runState = { ...idleRunState(), phase: 'ended', id: 'r1', endedAt: '2026-01-01T00:00:00.000Z', exitCode: 1 };
    const ended = await app.inject({ method: 'GET', url: '/status' });
    expect(ended.body).toBe('Error communicating with TCP server: no run in progress; the last run, r1, ended at 2026-01-01T00:00:00.000Z with exit code 1 (the script failed)');
    expect((await app.inject({ method: 'GET', url: '/run' })).json()).toMatchObject({ phase: 'ended', id: 'r1', exit_code: 1, exit_status: 'exit code 1 (the script failed)' });
    runState = { ...idleRunState(), phase: 'starting', id: 'r2' };
    expect((await app.inject({ method: 'GET', url: '/status' })).body).toMatch(/run r2 is starting; its TCP port is not open yet/);
    expect((await app.inject({ method: 'GET', url: '/status_check' })).statusCode).toBe(200);
  });

  it('a run that never answers gets 504 after the time limit; one that answers garbage gets 502', async () => {
    const silent = net.createServer(() => undefined);
    const garbage = net.createServer((socket) => socket.end('not json\n'));
    const listen = (server: net.Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
    try {
      const { app } = build();
      runState = { ...idleRunState(), phase: 'running', id: 'r3', port: await listen(silent) };
      const slow = await app.inject({ method: 'GET', url: '/status' });
      expect(slow.statusCode).toBe(504);
      expect(slow.body).toMatch(/^Error communicating with TCP server: no reply from 127\.0\.0\.1:\d+ within 0\.3 s$/);
      runState = { ...runState, port: await listen(garbage) };
      const bad = await app.inject({ method: 'GET', url: '/datastream' });
      expect(bad.statusCode).toBe(502);
      expect(bad.body).toBe('Received malformed JSON: not json');
    } finally {
      silent.close();
      garbage.close();
    }
  });
});

describe('the API description', () => {
  it('GET /openapi.json describes every endpoint, with the /run body generated from its validation schema', async () => {
    const { app } = build();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/', '/allowed_output_dirs', '/allowed_scripts', '/continue', '/datastream', '/docs', '/events', '/kill', '/openapi.json', '/pause', '/run', '/status', '/status_check', '/ws'].sort(),
    );
    const body = doc.paths['/run'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['path']);
    expect(Object.keys(body.properties).sort()).toEqual(['config', 'delay', 'dry_run', 'email', 'interactive', 'loops', 'meta_json', 'output', 'path', 'port'].sort());
    // Number or digit string, or null (the original's client sends null for "not given").
    expect(JSON.stringify(body.properties.port)).toMatch(/"type":\["number","string"\]\}.*"type":"null"/);
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<code>POST /run</code>');
    expect(page.body).toContain('The experiment script: a path relative to the scripts directory');
  });

  it('an unknown endpoint points at the docs', async () => {
    const reply = await build().app.inject({ method: 'GET', url: '/nope' });
    expect(reply.statusCode).toBe(404);
    expect(reply.json().message).toBe('no endpoint GET /nope; the API is described at GET /docs');
  });
});
