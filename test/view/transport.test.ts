// The two ways the TUI reaches a run, against real servers: a run's TCP port and rex serve's HTTP API.
import { afterEach, describe, expect, it } from 'vitest';
import { parseHttpUrl, parseTcpAddress, connectHostFor } from '../../src/view/transport/address.js';
import { HttpTransport } from '../../src/view/transport/http-transport.js';
import { TcpTransport } from '../../src/view/transport/tcp-transport.js';
import { TransportError } from '../../src/view/transport/transport.js';
import { closedPort, startFakeRun, startFakeServe } from './protocol-servers.js';

const DATASTREAM = '{"scope":{"device_name":"scope","measurements":{"counts":[1,2]}}}';
const STATE = '{"entities":null}';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('addresses', () => {
  it('accepts host:port, a bare port, [v6]:port and tcp://', () => {
    expect(parseTcpAddress('10.0.0.2:7000', 7676)).toEqual({ host: '10.0.0.2', port: 7000 });
    expect(parseTcpAddress('7001', 7676)).toEqual({ host: '127.0.0.1', port: 7001 });
    expect(parseTcpAddress('[::1]:7002', 7676)).toEqual({ host: '::1', port: 7002 });
    expect(parseTcpAddress('tcp://lab-pc', 7676)).toEqual({ host: 'lab-pc', port: 7676 });
    expect(() => parseTcpAddress('host:99999', 7676)).toThrow(/1-65535/);
    expect(parseHttpUrl('127.0.0.1:9000').href).toBe('http://127.0.0.1:9000/');
    expect(() => parseHttpUrl('ftp://x')).toThrow(/http/);
    expect(connectHostFor('0.0.0.0')).toBe('127.0.0.1');
  });
});

describe('TcpTransport', () => {
  it('polls with GET_DATASTREAM, STATE and a Listener message, and reads the pause flag', async () => {
    const run = await startFakeRun(DATASTREAM, STATE);
    const transport = new TcpTransport({ host: '127.0.0.1', port: run.port });
    cleanups.push(
      () => transport.close(),
      () => run.close(),
    );
    expect(await transport.poll()).toEqual({ datastream: DATASTREAM, state: STATE, paused: false });
    expect(await transport.command('PAUSE_STATE')).toBe('Setting internal server state to paused...');
    expect((await transport.poll()).paused).toBe(true);
    expect(run.lines.slice(0, 3).map((l) => (l.startsWith('{') ? JSON.parse(l) : l))).toEqual([
      'GET_DATASTREAM',
      'STATE',
      { name: 'rex view', id: expect.any(String) },
    ]);
  });

  it('full: GET_DATASTREAM_FULL; a run that answers it "Invalid format" (the original) gives no datastream', async () => {
    const run = await startFakeRun(DATASTREAM, STATE);
    const transport = new TcpTransport({ host: '127.0.0.1', port: run.port });
    cleanups.push(
      () => transport.close(),
      () => run.close(),
    );
    expect((await transport.poll({ full: true })).datastream).toBeUndefined();
    run.fullDatastream = '{"full":{}}';
    expect(await transport.poll({ full: true })).toEqual({ datastream: '{"full":{}}', state: STATE, paused: false });
    expect(run.lines.filter((l) => l.startsWith('GET_'))).toEqual(['GET_DATASTREAM_FULL', 'GET_DATASTREAM_FULL']);
  });

  it('sends KILL on a connection of its own and keeps polling on the long-lived one', async () => {
    const run = await startFakeRun(DATASTREAM, STATE);
    const transport = new TcpTransport({ host: '127.0.0.1', port: run.port });
    cleanups.push(
      () => transport.close(),
      () => run.close(),
    );
    await transport.poll();
    expect(await transport.command('KILL')).toBe('Shutting down server...');
    expect((await transport.poll()).datastream).toBe(DATASTREAM);
    expect(run.lines.filter((l) => l === 'KILL')).toHaveLength(1);
  });

  it('says clearly when nothing is listening, and reconnects once something is', async () => {
    const port = await closedPort();
    const transport = new TcpTransport({ host: '127.0.0.1', port });
    cleanups.push(() => transport.close());
    const failure = await transport.poll().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransportError);
    expect(failure).toMatchObject({ kind: 'no-listener', message: expect.stringContaining(`nothing is listening on 127.0.0.1:${port}`) });
    const run = await startFakeRun(DATASTREAM, STATE, port);
    cleanups.push(() => run.close());
    expect((await transport.poll()).datastream).toBe(DATASTREAM);
    await run.close();
    await expect(transport.poll()).rejects.toMatchObject({ kind: expect.stringMatching(/no-listener|lost/) });
    const again = await startFakeRun(DATASTREAM, STATE, port);
    cleanups.push(() => again.close());
    expect((await transport.poll()).state).toBe(STATE);
  });

  it('gives up on a server that stops answering, and recovers on the next poll', async () => {
    const run = await startFakeRun(DATASTREAM, STATE);
    const transport = new TcpTransport({ host: '127.0.0.1', port: run.port }, { timeoutMs: 300 });
    cleanups.push(
      () => transport.close(),
      () => run.close(),
    );
    run.silent = true;
    await expect(transport.poll()).rejects.toMatchObject({ kind: 'lost', message: expect.stringContaining('no reply') });
    run.silent = false;
    // The stalled connection was dropped: the next poll starts a fresh one, so no reply is mismatched.
    expect(await transport.poll()).toEqual({ datastream: DATASTREAM, state: STATE, paused: false });
  });
});

describe('HttpTransport (rex serve, SPEC §8)', () => {
  it('polls GET /datastream and GET /status, controls with POST, and sends the bearer token', async () => {
    const serve = await startFakeServe(DATASTREAM, STATE, 'secret');
    cleanups.push(() => serve.close());
    const transport = new HttpTransport(parseHttpUrl(serve.url), { token: 'secret' });
    expect(await transport.poll()).toEqual({ datastream: DATASTREAM, state: STATE, paused: undefined });
    expect(await transport.command('PAUSE_STATE')).toBe('Setting internal server state to paused...');
    expect(await transport.command('RESUME_STATE')).toBe('Setting internal server state to start...');
    expect(await transport.command('KILL')).toBe('Shutting down server...');
    expect(serve.requests).toEqual(
      expect.arrayContaining([
        'GET /datastream Bearer secret',
        'GET /status Bearer secret',
        'POST /pause Bearer secret',
        'POST /continue Bearer secret',
        'POST /kill Bearer secret',
      ]),
    );
    const noToken = new HttpTransport(parseHttpUrl(serve.url));
    await expect(noToken.command('KILL')).rejects.toMatchObject({ kind: 'lost', message: expect.stringContaining('HTTP 401') });
  });

  it('full: GET /datastream/full; a serve without it (404) gives no datastream', async () => {
    const serve = await startFakeServe(DATASTREAM, STATE);
    cleanups.push(() => serve.close());
    const transport = new HttpTransport(parseHttpUrl(serve.url));
    expect(await transport.poll({ full: true })).toEqual({ datastream: undefined, state: STATE, paused: undefined });
    serve.fullDatastream = '{"full":{}}';
    expect((await transport.poll({ full: true })).datastream).toBe('{"full":{}}');
    expect(serve.requests.filter((r) => r.startsWith('GET /data'))).toEqual(['GET /datastream/full -', 'GET /datastream/full -']);
  });

  it('tells "no run" (502) from "nothing listening"', async () => {
    const serve = await startFakeServe(DATASTREAM, STATE);
    cleanups.push(() => serve.close());
    serve.running = false;
    await expect(new HttpTransport(parseHttpUrl(serve.url)).poll()).rejects.toMatchObject({ kind: 'no-run' });
    const port = await closedPort();
    await expect(new HttpTransport(parseHttpUrl(`127.0.0.1:${port}`)).poll()).rejects.toMatchObject({ kind: 'no-listener' });
  });
});
