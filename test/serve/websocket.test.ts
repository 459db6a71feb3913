/**
 * `GET /ws` against a real gateway listening on a real port, with a real WebSocket client (`ws`,
 * the library @fastify/websocket is built on) and a fake run answering its TCP command words:
 * who may connect, the command words answered in order, the limits, and that a client which
 * floods or never reads cannot hold the server (nor, through it, flood the run: pipelined HTTP too).
 */
import net from 'node:net';
import os from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import {
  buildGatewayApp,
  MAX_ACTIVE_RUN_ASKS,
  MAX_LIVE_CONNECTIONS,
  MAX_WAITING_RUN_ASKS,
  type GatewayApp,
} from '../../src/actors/http-gateway/app.js';
import type { ServeRunState } from '../../src/actors/http-gateway/messages.js';
import { MAX_BUFFERED_REPLY_BYTES, MAX_MESSAGE_BYTES, MAX_QUEUED_COMMANDS } from '../../src/actors/http-gateway/websocket-session.js';
import { idleRunState } from '../../src/actors/http-gateway/index.js';

const TOKEN = 's3cret';
const STATE_REPLY = '{"entities":null}';
let run: net.Server;
/** Connections the run has accepted: one per command word asked. */
let runConnections = 0;
/** Open at once, now and at most. */
let runOpen = 0;
let runOpenMax = 0;
let runState: ServeRunState;
let gateway: GatewayApp;
let base: string;
const logged: string[] = [];

beforeAll(async () => {
  // The run's TCP server: one command word per connection, one line back.
  run = net.createServer((socket) => {
    runConnections++;
    runOpenMax = Math.max(runOpenMax, ++runOpen);
    socket.on('close', () => runOpen--);
    socket.once('data', (word) => socket.end(word.toString().trim() === 'STATE' ? `${STATE_REPLY}\n` : '{"values":[1,2,3]}\n'));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => run.listen(0, '127.0.0.1', resolve));
});
afterAll(() => run.close());

async function start(): Promise<void> {
  runState = { ...idleRunState(), phase: 'running', id: 'r1', port: (run.address() as net.AddressInfo).port };
  gateway = buildGatewayApp({
    data: {
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      scriptsDir: os.tmpdir(),
      allowedOutputDirs: [os.tmpdir()],
      corsOrigins: [],
      cwd: os.tmpdir(),
      version: '0.0.0-test',
    },
    runState: () => runState,
    launch: () => Promise.reject(new Error('not in these tests')),
    log: (_level, message) => void logged.push(message),
    version: '0.0.0-test',
  });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  base = `ws://127.0.0.1:${(gateway.app.server.address() as net.AddressInfo).port}`;
}
afterEach(async () => {
  logged.length = 0;
  await gateway.close();
});

type Opened = { client: WebSocket; refused?: undefined } | { client?: undefined; refused: { status: number; body: string } };

function connect(path: string, headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(`${base}${path}`, { headers });
    client.on('open', () => resolve({ client }));
    client.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ refused: { status: response.statusCode!, body } }));
    });
    client.on('error', reject);
  });
}

async function open(path = `/ws?token=${TOKEN}`): Promise<WebSocket> {
  const opened = await connect(path);
  if (!opened.client) throw new Error(`refused: ${JSON.stringify(opened.refused)}`);
  return opened.client;
}

/** The next `count` replies. */
function replies(client: WebSocket, count: number): Promise<string[]> {
  return new Promise((resolve) => {
    const received: string[] = [];
    const onMessage = (data: Buffer) => {
      received.push(data.toString());
      if (received.length === count) resolve(received);
    };
    client.on('message', onMessage);
  });
}

const closed = (client: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) =>
    client.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );

describe('who may connect', () => {
  it('accepts the token in the query or the header; refuses none, a wrong one, another site, another path', async () => {
    await start();
    (await open()).close();
    (await connect('/ws', { authorization: `Bearer ${TOKEN}` })).client!.close();

    const missing = await connect('/ws');
    expect(missing.refused).toMatchObject({ status: 401 });
    expect(JSON.parse(missing.refused!.body).message).toMatch(/requires a token/);
    expect((await connect('/ws?token=guess')).refused).toMatchObject({ status: 401 });

    const foreign = await connect(`/ws?token=${TOKEN}`, { origin: 'https://evil.example' });
    expect(foreign.refused?.status).toBe(403);
    expect(JSON.parse(foreign.refused!.body).message).toMatch(/not allowed \(config serve\.cors_origins\)/);
    const rebound = await connect(`/ws?token=${TOKEN}`, { host: 'attacker.example' });
    expect(rebound.refused?.status).toBe(403);

    const elsewhere = await connect(`/status?token=${TOKEN}`, { authorization: `Bearer ${TOKEN}` });
    expect(elsewhere.refused?.status).toBe(404);
    expect(JSON.parse(elsewhere.refused!.body).message).toBe('no WebSocket endpoint at /status; use /ws');
  });
});

describe('command words', () => {
  it('answers each message once, in the order asked, from the run or about it', async () => {
    await start();
    const client = await open();
    const answered = replies(client, 5);
    for (const word of ['STATE', 'FOO', 'RUN_STATUS', 'GET_DATASTREAM', 'STATE']) client.send(word);
    const [state, unknown, status, datastream, again] = await answered;
    expect(state).toBe(STATE_REPLY);
    expect(unknown).toBe('ERROR: Unknown command: FOO');
    expect(JSON.parse(status!)).toMatchObject({ phase: 'running', id: 'r1' });
    expect(datastream).toBe('{"values":[1,2,3]}');
    expect(again).toBe(STATE_REPLY);

    runState = { ...idleRunState(), phase: 'ended', id: 'r1', endedAt: '2026-01-01T00:00:00.000Z', exitCode: 0 };
    const afterEnd = replies(client, 1);
    client.send('STATE');
    expect((await afterEnd)[0]).toMatch(/^ERROR: no run in progress; the last run, r1, ended/);
    const end = closed(client);
    client.close(1000);
    expect((await end).code).toBe(1000);
  });

  it('closes on a binary message (1003) and on a message over the limit (1009)', async () => {
    await start();
    const binary = await open();
    const binaryEnd = closed(binary);
    binary.send(Buffer.from([1, 2, 3]));
    expect(await binaryEnd).toMatchObject({ code: 1003, reason: expect.stringMatching(/binary messages are not accepted/) });

    const large = await open();
    const largeEnd = closed(large);
    large.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expect((await largeEnd).code).toBe(1009);
  });

  it('closes every connection with 1001 when the server stops', async () => {
    await start();
    const client = await open();
    const end = closed(client);
    await gateway.close();
    expect((await end).code).toBe(1001);
  });
});

describe('clients that would hold the server', () => {
  it('a client that sends thousands of words at once gets every reply, in order', async () => {
    await start();
    const client = await open();
    const words = Array.from({ length: 2000 }, (_, i) => (i % 50 === 0 ? 'STATE' : 'RUN_STATUS'));
    const answered = replies(client, words.length);
    for (const word of words) client.send(word);
    const received = await answered;
    expect(
      received.filter((reply, i) => (words[i] === 'STATE' ? reply === STATE_REPLY : reply.startsWith('{"phase":"running"'))),
    ).toHaveLength(words.length);
  });

  it('a client that never reads its replies is dropped, and others are served meanwhile', async () => {
    await start();
    const reader = await open();
    const stalled = await open();
    stalled.pause();
    const end = closed(stalled);
    let ended = false;
    void end.then(() => (ended = true));
    // Words until the server gives up on it: its replies pile up unread.
    for (let sent = 0; !logged.some((m) => m.includes('does not read its replies')); sent += 500) {
      expect(sent, 'the server never dropped the client').toBeLessThan(400_000);
      for (let i = 0; i < 500; i++) stalled.send('RUN_STATUS');
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(logged.find((m) => m.includes('does not read its replies'))).toMatch(/\((\d+) bytes waiting\)/);
    expect(Number(/\((\d+) bytes/.exec(logged.find((m) => m.includes('bytes waiting'))!)![1])).toBeGreaterThan(MAX_BUFFERED_REPLY_BYTES);
    const answered = replies(reader, 1);
    reader.send('STATE');
    expect(await answered).toEqual([STATE_REPLY]);
    stalled.resume();
    await end;
    expect(ended).toBe(true);
    reader.close();
  });

  it(`a flood read at once is closed (1008) past ${MAX_QUEUED_COMMANDS} waiting words, not queued; the run is asked nothing more`, async () => {
    await start();
    const client = await open();
    client.pause();
    const end = closed(client);
    // One write of masked one-letter frames: a read of the socket (64 KiB) then holds more words than the bound.
    const frame = Buffer.from([0x81, 0x81, 1, 2, 3, 4, 'X'.charCodeAt(0) ^ 1]);
    (client as unknown as { _socket: net.Socket })._socket.write(
      Buffer.concat(Array.from({ length: 3 * MAX_QUEUED_COMMANDS }, () => frame)),
    );
    await vi.waitFor(() => expect(logged.join('\n')).toMatch(/WebSocket client closed \(1008\): more than \d+ commands waiting/), {
      timeout: 10_000,
    });
    client.resume();
    expect(await end).toMatchObject({ code: 1008, reason: 'too many commands waiting; wait for the replies' });
    const asked = runConnections;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(runConnections).toBe(asked);
  });

  it('a client that leaves takes its waiting words with it: the run is not asked them', async () => {
    await start();
    const client = await open();
    client.pause();
    const words = 4000;
    const before = runConnections;
    for (let i = 0; i < words; i++) client.send('STATE');
    await vi.waitFor(() => expect(runConnections - before).toBeGreaterThan(10));
    client.terminate();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const asked = runConnections;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(runConnections).toBe(asked);
    expect(asked - before).toBeLessThan(words);
  });

  it(`pipelined HTTP requests cannot flood the run: ${MAX_ACTIVE_RUN_ASKS} asked at once, ${MAX_WAITING_RUN_ASKS} in line, the rest refused (503)`, async () => {
    await start();
    const before = runConnections;
    runOpenMax = 0;
    const requests = 20_000;
    const client = net.connect(Number(new URL(base).port), '127.0.0.1');
    client.on('error', () => undefined);
    let answers = '';
    client.on('data', (chunk: Buffer) => (answers += chunk.toString()));
    client.write(`GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`.repeat(requests));
    await vi.waitFor(() => expect(answers).toContain('HTTP/1.1 503'), { timeout: 20_000 });
    expect(answers).toMatch(/commands are waiting for the run; try again/);
    client.destroy();
    expect(runOpenMax).toBeLessThanOrEqual(MAX_ACTIVE_RUN_ASKS);
    // What was in line when the client went is asked no further.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const asked = runConnections;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(runConnections).toBe(asked);
    expect(asked - before).toBeLessThan(requests / 2);
  });

  it(`at most ${MAX_LIVE_CONNECTIONS} at once; a slot is free again once a client leaves`, async () => {
    await start();
    const clients = await Promise.all(Array.from({ length: MAX_LIVE_CONNECTIONS }, () => open()));
    const refused = await connect(`/ws?token=${TOKEN}`);
    expect(refused.refused?.status).toBe(503);
    expect(JSON.parse(refused.refused!.body).message).toBe('too many live connections; try again later');
    const leaving = closed(clients[0]!);
    clients[0]!.close(1000);
    await leaving;
    // The server frees the slot when it sees the socket close, which may come just after the client's close event.
    let next: Opened = await connect(`/ws?token=${TOKEN}`);
    for (let attempt = 1; next.refused && attempt < 100; attempt++) next = await connect(`/ws?token=${TOKEN}`);
    expect(next.client).toBeDefined();
    for (const client of clients.slice(1)) client.close();
    next.client!.close();
  });
});
