/**
 * `rex serve` as a client sees it: a real server process, real HTTP and WebSocket, real Python
 * runs started with POST /run (system test; run `npm run build` first).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, outputFiles, readToml } from '../helpers/rex-cli.js';
import { startServe, TEST_DIR, webSocketExchange, type ServeProcess } from './serve-process.js';

const TOKEN = 's3cret-token';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('rex serve: runs started and controlled over HTTP', () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await startServe({ token: TOKEN });
  }, 90_000);
  afterAll(async () => serve?.dispose());

  it('GET / needs no token; other endpoints refuse a missing or wrong one (HTTP and WebSocket)', async () => {
    const up = await serve.http('GET', '/', { token: null });
    expect(up.status).toBe(200);
    expect(up.text).toBe('Server is up!');
    for (const [method, route] of [
      ['GET', '/status'],
      ['POST', '/kill'],
      ['POST', '/run'],
    ]) {
      expect((await serve.http(method!, route!, { token: null })).status).toBe(401);
      expect((await serve.http(method!, route!, { token: 'guess' })).json().message).toBe('wrong token');
    }
    const ws = `ws://127.0.0.1:${serve.port}/ws`;
    expect(await webSocketExchange(ws, ['STATE'])).toMatchObject({ error: 'connection failed' });
    expect(await webSocketExchange(`${ws}?token=guess`, ['STATE'])).toMatchObject({ error: 'connection failed' });
  });

  it('before any run: /status and /datastream answer 502 at once, /status_check 204', async () => {
    for (const route of ['/status', '/datastream']) {
      const reply = await serve.http('GET', route);
      expect(reply.status).toBe(502);
      expect(reply.text).toBe('Error communicating with TCP server: no run in progress');
    }
    expect((await serve.http('GET', '/status_check')).status).toBe(204);
    expect((await serve.http('GET', '/run')).json()).toMatchObject({ phase: 'idle', id: null });
  });

  it('refuses bad /run requests with the reason, and starts nothing', async () => {
    const malformed = await serve.http('POST', '/run', { rawBody: '{"path": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json().message).toMatch(/^body: not valid JSON/);
    const oversized = await serve.http('POST', '/run', {
      body: { path: 'fixtures/python/idle.py', meta_json: { blob: 'x'.repeat(100_000) } },
    });
    expect(oversized.status).toBe(413);
    expect(oversized.json().message).toMatch(/^body: too large; the limit is \d+ bytes$/);
    const badPort = await serve.http('POST', '/run', { body: { path: 'fixtures/python/idle.py', port: 'seventy' } });
    expect(badPort.status).toBe(400);
    expect(badPort.json()).toMatchObject({
      fields: ['port'],
      message: 'port: expected a port number 1-65535 (number or digit string), got "seventy"',
    });
    const outsideScripts = await serve.http('POST', '/run', { body: { path: '../package.json' } });
    expect(outsideScripts.status).toBe(403);
    expect(outsideScripts.json().message).toMatch(/^path: "\.\.\/package\.json" is outside the scripts directory/);
    const outsideOutput = await serve.http('POST', '/run', { body: { path: 'fixtures/python/idle.py', output: serve.dir } });
    expect(outsideOutput.status).toBe(403);
    expect(outsideOutput.json().message).toMatch(/^output: .* is not inside an allowed output directory/);
    expect((await serve.http('GET', '/run')).json().phase).toBe('idle');
  });

  it('lists the scripts and output directories it accepts', async () => {
    const scripts = (await serve.http('GET', '/allowed_scripts')).json();
    expect(scripts.base_dir).toBe(TEST_DIR);
    expect(scripts.files).toContain(path.join(TEST_DIR, 'fixtures/python/listener_wait.py'));
    expect((await serve.http('GET', '/allowed_output_dirs')).json()).toEqual({ dirs: [serve.outputDir] });
  });

  it('starts a real run: /status answers before the session exists, pause and continue reach the Listener, a second /run is ignored', async () => {
    const started = await serve.http('POST', '/run', {
      body: {
        path: 'fixtures/python/listener_wait.py',
        output: serve.outputDir,
        port: String(await freePort()),
        email: null,
        interactive: false,
      },
    });
    expect(started.status).toBe(200);
    const { id, message } = started.json();
    expect(id).toMatch(UUID);
    expect(message).toBe('session started');

    // listener_wait.py never sends a session: STATE still answers.
    const status = await serve.http('GET', '/status');
    expect(status.status).toBe(200);
    expect(status.json()).toEqual({ entities: null });
    expect((await serve.http('GET', '/status_check')).status).toBe(200);
    const second = await serve.http('POST', '/run', { body: { path: 'fixtures/python/idle.py' } });
    expect(second.json()).toEqual({ id: 'None', message: 'Session is already running, ignoring request' });

    const ws = await webSocketExchange(`ws://127.0.0.1:${serve.port}/ws?token=${TOKEN}`, ['STATE', 'FOO', 'RUN_STATUS']);
    expect(ws.replies![0]).toBe('{"entities":null}');
    expect(ws.replies![1]).toBe('ERROR: Unknown command: FOO');
    expect(JSON.parse(ws.replies![2]!)).toMatchObject({ phase: 'running', id });
    expect(ws.closed).toBe(1000);

    await serve.waitForOutput(/\[script\] state: Running/);
    const beforePause = serve.output().length;
    const paused = await serve.http('POST', '/pause');
    expect(paused.status).toBe(200);
    expect(paused.text).toBe('Setting internal server state to paused...');
    await serve.waitForOutput(/\[script\] state: Paused/, 30_000, beforePause);
    const resumed = await serve.http('POST', '/continue');
    expect(resumed.text).toBe('Setting internal server state to start...');
    await serve.waitForOutput(/state: Paused[\s\S]*\[script\] state: Running/, 30_000, beforePause);

    // The script exits 0 once it has seen Paused then Running.
    const ended = await serve.waitForRun((run) => run.phase === 'ended');
    expect(ended).toMatchObject({ id, exit_code: 0, exit_status: 'exit code 0 (ok)' });
    expect(ended.output_files).toHaveLength(1);
    expect(readToml(ended.output_files[0]).session.UUID).toBe(id);
    expect((await serve.http('GET', '/status_check')).status).toBe(204);
    expect((await serve.http('GET', '/status')).text).toMatch(
      new RegExp(`^Error communicating with TCP server: no run in progress; the last run, ${id}, ended at .* with exit code 0 \\(ok\\)$`),
    );
  }, 120_000);

  it('a run whose script crashes ends with its exit status reported; the server keeps serving', async () => {
    const started = await serve.http('POST', '/run', { body: { path: 'fixtures/python/crash.py', port: await freePort() } });
    expect(started.status).toBe(200);
    const { id } = started.json();
    const ended = await serve.waitForRun((run) => run.id === id && run.phase === 'ended');
    expect(ended).toMatchObject({ exit_code: 1, exit_status: 'exit code 1 (the script failed)' });
    expect(ended.log_tail.join('\n')).toMatch(/deliberate crash after 3 steps/);
    // What it sent before crashing is saved.
    expect(readToml(ended.output_files[0]).device.daq.data.counts.data).toEqual([0, 1, 2]);

    expect((await serve.http('GET', '/', { token: null })).text).toBe('Server is up!');
    expect((await serve.http('GET', '/status')).text).toMatch(/ended at .* with exit code 1 \(the script failed\)$/);
    const ws = await webSocketExchange(`ws://127.0.0.1:${serve.port}/ws?token=${TOKEN}`, ['RUN_STATUS', 'STATE']);
    expect(JSON.parse(ws.replies![0]!)).toMatchObject({ phase: 'ended', id, exit_code: 1 });
    expect(ws.replies![1]).toMatch(/^ERROR: no run in progress; the last run/);
    expect(outputFiles(serve.outputDir)).toHaveLength(2);
  }, 90_000);

  it('a delay beyond what a timer holds (1e9 minutes) is waited, not started at once; POST /kill ends the wait and the run', async () => {
    const started = await serve.http('POST', '/run', { body: { path: 'fixtures/python/idle.py', port: await freePort(), delay: 1e9 } });
    expect(started.status).toBe(200);
    const { id } = started.json();
    const running = await serve.waitForRun((run) => run.id === id && run.phase === 'running');
    const log = () => fs.readFileSync(running.log_file, 'utf8');
    await vi.waitFor(() => expect(log()).toMatch(/waiting 1000000000 minute\(s\) before the first loop/));
    // An overflowed timer would have started the script at once.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(log()).not.toMatch(/\[controller\] started /);
    expect((await serve.http('POST', '/kill')).text).toBe('Shutting down server...');
    const ended = await serve.waitForRun((run) => run.id === id && run.phase === 'ended');
    expect(ended, log()).toMatchObject({ exit_code: 0, output_files: [] });
    expect(log()).toMatch(/KILL during the delay: the run ends before its first loop/);
    expect(log()).not.toMatch(/\[controller\] started /);
  }, 90_000);
});
