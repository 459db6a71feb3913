/**
 * The hub and the port bus on real MessageChannels in one thread: routing by subscription,
 * the transfer rule, "publish never throws", request routing and its failure paths.
 * (Real worker threads: cross-thread.test.ts.)
 */
import { firstValueFrom, take, toArray } from 'rxjs';
import { config } from '../../src/runtime/rx.js';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { defineError, errorCode } from '../../src/errors.js';
import type { IngestBytes } from '../../src/actors/ingest/messages.js';
import { BusHub, type HubOptions } from '../../src/bus/hub.js';
import { connectPortBus } from '../../src/bus/port-bus.js';
import type { FromHub } from '../../src/bus/wire.js';
import { testTopics, type TestRequests, type TestTopics } from '../fixtures/actors/test-topics.js';
import { record, sleep, testHub, type TestHub } from './helpers.js';

function startHub(options?: Omit<HubOptions, 'schemas'>): TestHub {
  const hub = testHub(options);
  onTestFinished(() => hub.close());
  return hub;
}

/** A port bus as a worker would have it, plus a raw tap on what the hub sends it. */
function attach(hub: TestHub, name: string) {
  const link = hub.connect(name);
  const bus = connectPortBus<TestTopics, TestRequests>(link.port, name);
  const delivered: string[] = [];
  link.port.on('message', (message: FromHub) => {
    if (message.kind === 'deliver') delivered.push(message.envelope.topic);
  });
  onTestFinished(() => bus.close());
  return { link, bus, delivered };
}

/** Collect what rxjs reports as unhandled (what runActor turns into a crash). */
function captureUnhandled(): unknown[] {
  const reported: unknown[] = [];
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error) => reported.push(error);
  onTestFinished(() => {
    config.onUnhandledError = previous;
  });
  return reported;
}

const REX_TEST_BOOM = defineError('REX_TEST_BOOM', (what: string) => `boom: ${what}`);

afterEach(() => {
  config.onUnhandledError = null;
});

describe('routing', () => {
  it('forwards a topic only to threads subscribed to it, never back to its source', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const b = attach(hub, 'b');
    const atA = record(a.bus, 'test.ping');
    const atB = record(b.bus, 'test.trace');
    const atMain = record(hub.bus, 'test.ping');
    await Promise.all([a.bus.flush(), b.bus.flush()]);

    hub.bus.publish('test.ping', { n: 1, from: 'main' });
    a.bus.publish('test.ping', { n: 2, from: 'a' });
    await atMain.waitFor((p) => p.n === 2);
    await atA.waitFor((p) => p.n === 1);
    await sleep(20);

    // Its own ping locally (synchronously, so first) and once only; main's over the port.
    expect(atA.items.map((p) => p.n)).toEqual([2, 1]);
    expect(a.delivered).toEqual(['test.ping']); // only main's ping came over the port
    expect(b.delivered).toEqual([]); // b never asked for test.ping
    expect(atB.items).toEqual([]);
    expect(atMain.items.map((p) => p.n)).toEqual([1, 2]);
  });

  it('stops forwarding once the last subscriber in a thread unsubscribes', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const first = a.bus.on('test.ping').subscribe();
    const second = a.bus.on('test.ping').subscribe();
    await a.bus.flush();
    first.unsubscribe();
    await a.bus.flush();
    hub.bus.publish('test.ping', { n: 1, from: 'main' });
    second.unsubscribe();
    await a.bus.flush();
    hub.bus.publish('test.ping', { n: 2, from: 'main' });
    await sleep(20);
    expect(a.delivered).toEqual(['test.ping']);
  });

  it('keeps the publish order of one source', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const b = attach(hub, 'b');
    const atB = record(b.bus, 'test.ping');
    await b.bus.flush();
    for (let n = 1; n <= 200; n++) a.bus.publish('test.ping', { n, from: 'a' });
    await atB.waitFor((p) => p.n === 200);
    expect(atB.items.map((p) => p.n)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });
});

describe('transfers', () => {
  it('hands the buffer to the last thread and copies for the others and for main', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const b = attach(hub, 'b');
    const atA = record(a.bus, 'test.trace');
    const atB = record(b.bus, 'test.trace');
    const atMain = record(hub.bus, 'test.trace');
    await Promise.all([a.bus.flush(), b.bus.flush()]);

    const data = Float64Array.from([1.5, -2, Number.NaN, Infinity]);
    hub.bus.publish('test.trace', { data, from: 'main' }, [data.buffer]);
    expect(data.byteLength).toBe(0); // handed over

    const [gotA, gotB] = await Promise.all([atA.waitFor(() => true), atB.waitFor(() => true)]);
    for (const got of [gotA, gotB, atMain.items[0]]) {
      expect(got?.data).toBeInstanceOf(Float64Array);
      expect(Array.from(got?.data ?? [])).toEqual([1.5, -2, Number.NaN, Infinity]);
    }
    // Three receivers, three distinct buffers: nobody shares memory with anyone.
    expect(new Set([gotA.data.buffer, gotB.data.buffer, atMain.items[0]?.data.buffer]).size).toBe(3);
  });

  it('detaches the sender in a port bus, and its own subscribers get an intact copy', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const atA = record(a.bus, 'test.trace');
    const atMain = record(hub.bus, 'test.trace');
    await a.bus.flush();
    const data = new Float64Array(1000).map((_, i) => i);
    a.bus.publish('test.trace', { data, from: 'a' }, [data.buffer]);
    expect(data.byteLength).toBe(0);
    expect(atA.items[0]?.data.length).toBe(1000); // local delivery is synchronous
    const got = await atMain.waitFor(() => true);
    expect(got.data[999]).toBe(999);
  });

  it('ignores SharedArrayBuffers in the transfer list (they are shared, not moved)', async () => {
    const hub = startHub();
    const atMain = record(hub.bus, 'test.trace');
    const a = attach(hub, 'a');
    const shared = new Float64Array(new SharedArrayBuffer(16));
    shared[1] = 7;
    a.bus.publish('test.trace', { data: shared, from: 'a' }, [shared.buffer]);
    const got = await atMain.waitFor(() => true);
    expect(got.data[1]).toBe(7);
    expect(shared.byteLength).toBe(16);
  });
});

describe('publish never throws', () => {
  it('reports an uncloneable payload on a later tick instead of throwing', async () => {
    const reported = captureUnhandled();
    const hub = startHub();
    const a = attach(hub, 'a');
    const other = attach(hub, 'b');
    other.bus.on('test.ping').subscribe();
    await other.bus.flush();
    const bad = { n: 1, from: 'x', oops: () => 1 } as unknown as { n: number; from: string };
    expect(() => a.bus.publish('test.ping', bad)).not.toThrow();
    expect(() => hub.bus.publish('test.ping', bad)).not.toThrow();
    expect(reported).toEqual([]); // not synchronously
    await sleep(20);
    expect(reported.map(errorCode)).toEqual(['REX_BUS_PUBLISH_FAILED', 'REX_BUS_PUBLISH_FAILED']);
  });

  it('a throwing subscriber neither reaches the publisher nor starves the others', async () => {
    const reported = captureUnhandled();
    const hub = startHub();
    const seen: number[] = [];
    hub.bus.on('test.ping').subscribe(() => {
      throw new Error('subscriber bug');
    });
    hub.bus.on('test.ping').subscribe((p) => seen.push(p.n));
    expect(() => hub.bus.publish('test.ping', { n: 1, from: 'main' })).not.toThrow();
    hub.bus.publish('test.ping', { n: 2, from: 'main' });
    expect(seen).toEqual([1, 2]);
    await sleep(20);
    // rxjs keeps the faulty subscriber subscribed: each delivery reports again.
    expect(reported.map((e) => (e as Error).message)).toEqual(['subscriber bug', 'subscriber bug']);
  });
});

describe('requests', () => {
  it('routes main -> port, port -> main and port -> port', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const b = attach(hub, 'b');
    a.bus.serve('test.echo', (req) => ({ x: req.x * 2 }));
    hub.bus.serve('test.sleep', async (req) => ({ slept: req.ms }));
    await a.bus.flush();
    await expect(hub.bus.request('test.echo', { x: 4 })).resolves.toEqual({ x: 8 });
    await expect(b.bus.request('test.echo', { x: 5 })).resolves.toEqual({ x: 10 });
    await expect(b.bus.request('test.sleep', { ms: 3 })).resolves.toEqual({ slept: 3 });
  });

  it('rejects at once when no one serves the name', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const started = Date.now();
    await expect(hub.bus.request('test.echo', { x: 1 }, { timeoutMs: 5_000 })).rejects.toMatchObject({
      code: 'REX_BUS_NO_SERVER',
    });
    await expect(a.bus.request('test.echo', { x: 1 }, { timeoutMs: 5_000 })).rejects.toMatchObject({
      code: 'REX_BUS_NO_SERVER',
      message: expect.stringContaining('test.echo'),
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('while actors start, a request for a name nobody serves waits for its server, in order', async () => {
    const hub = startHub();
    const client = attach(hub, 'client');
    let booted!: () => void;
    hub.holdUnservedUntil(new Promise<void>((resolve) => (booted = resolve)));
    const answers: number[] = [];
    const fromPort = [1, 2, 3].map((x) => client.bus.request('test.echo', { x }, { timeoutMs: 5_000 }).then((r) => answers.push(r.x)));
    const fromMain = hub.bus.request('test.echo', { x: 4 }, { timeoutMs: 5_000 });
    await sleep(50);
    expect(answers).toEqual([]);
    const server = attach(hub, 'late');
    server.bus.serve('test.echo', (req) => ({ x: req.x * 10 }));
    await Promise.all(fromPort);
    expect(answers).toEqual([10, 20, 30]);
    await expect(fromMain).resolves.toEqual({ x: 40 });
    booted();
  });

  it('fails what is still held once every start has settled, and a held request may time out', async () => {
    const hub = startHub();
    const client = attach(hub, 'client');
    let booted!: () => void;
    let failed!: (error: Error) => void;
    hub.holdUnservedUntil(new Promise<void>((resolve) => (booted = resolve)));
    hub.holdUnservedUntil(new Promise<void>((_, reject) => (failed = reject)));
    const held = client.bus.request('test.echo', { x: 1 }, { timeoutMs: 5_000 });
    const impatient = hub.bus.request('test.echo', { x: 2 }, { timeoutMs: 30 });
    await expect(impatient).rejects.toMatchObject({ code: 'REX_BUS_REQUEST_TIMEOUT' });
    booted();
    await sleep(20);
    failed(new Error('the store could not start'));
    await expect(held).rejects.toMatchObject({ code: 'REX_BUS_NO_SERVER' });
    // Nothing holds now: no server, an answer at once.
    await expect(hub.bus.request('test.echo', { x: 3 }, { timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'REX_BUS_NO_SERVER' });
  });

  it('closing the hub fails the held requests', async () => {
    const hub = startHub();
    const client = attach(hub, 'client');
    hub.holdUnservedUntil(new Promise<void>(() => undefined));
    const held = hub.bus.request('test.echo', { x: 1 }, { timeoutMs: 5_000 });
    const heldFromPort = client.bus.request('test.echo', { x: 1 }, { timeoutMs: 5_000 });
    await sleep(20);
    hub.close();
    await expect(held).rejects.toMatchObject({ code: 'REX_BUS_CLOSED' });
    await expect(heldFromPort).rejects.toMatchObject({ code: 'REX_BUS_CLOSED' });
  });

  it("passes the handler's error back with its code", async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const b = attach(hub, 'b');
    a.bus.serve('test.echo', (req) => {
      throw REX_TEST_BOOM(`x=${req.x}`);
    });
    await a.bus.flush();
    await expect(b.bus.request('test.echo', { x: 3 })).rejects.toMatchObject({
      code: 'REX_TEST_BOOM',
      message: 'boom: x=3',
    });
    await expect(hub.bus.request('test.echo', { x: 4 })).rejects.toMatchObject({ code: 'REX_TEST_BOOM' });
  });

  it('times out, from main and from a port', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const b = attach(hub, 'b');
    a.bus.serve('test.sleep', (req) => new Promise((resolve) => setTimeout(() => resolve({ slept: req.ms }), req.ms)));
    await a.bus.flush();
    const started = Date.now();
    await Promise.all([
      expect(hub.bus.request('test.sleep', { ms: 2_000 }, { timeoutMs: 50 })).rejects.toMatchObject({
        code: 'REX_BUS_REQUEST_TIMEOUT',
      }),
      expect(b.bus.request('test.sleep', { ms: 2_000 }, { timeoutMs: 50 })).rejects.toMatchObject({
        code: 'REX_BUS_REQUEST_TIMEOUT',
        message: expect.stringContaining('50 ms'),
      }),
    ]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('rejects pending requests when the server goes away, then serves from the new one', async () => {
    const hub = startHub();
    const server = attach(hub, 'store');
    const client = attach(hub, 'client');
    server.bus.serve('test.sleep', () => new Promise(() => undefined)); // never answers
    await server.bus.flush();
    const fromMain = hub.bus.request('test.sleep', { ms: 1 }, { timeoutMs: 10_000 });
    const fromPort = client.bus.request('test.sleep', { ms: 1 }, { timeoutMs: 10_000 });
    await sleep(20);
    server.link.close(); // what the supervisor does when the thread exits
    await expect(fromMain).rejects.toMatchObject({ code: 'REX_BUS_SERVER_GONE', message: expect.stringContaining('"store"') });
    await expect(fromPort).rejects.toMatchObject({ code: 'REX_BUS_SERVER_GONE' });

    await expect(hub.bus.request('test.sleep', { ms: 1 })).rejects.toMatchObject({ code: 'REX_BUS_NO_SERVER' });
    const restarted = attach(hub, 'store');
    restarted.bus.serve('test.sleep', (req) => ({ slept: req.ms }));
    await restarted.bus.flush();
    await expect(client.bus.request('test.sleep', { ms: 9 })).resolves.toEqual({ slept: 9 });
  });

  it('stops serving after unsubscribe', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const serving = a.bus.serve('test.echo', (req) => req);
    await a.bus.flush();
    await expect(hub.bus.request('test.echo', { x: 1 })).resolves.toEqual({ x: 1 });
    serving.unsubscribe();
    await a.bus.flush();
    await expect(hub.bus.request('test.echo', { x: 1 })).rejects.toMatchObject({ code: 'REX_BUS_NO_SERVER' });
  });

  it('closing the hub settles every pending request', async () => {
    const hub = startHub();
    const a = attach(hub, 'a');
    const b = attach(hub, 'b');
    a.bus.serve('test.sleep', () => new Promise(() => undefined)); // never answers
    hub.bus.serve('test.echo', () => new Promise(() => undefined)); // never answers either
    await a.bus.flush();
    const mainToPort = hub.bus.request('test.sleep', { ms: 1 }, { timeoutMs: 10_000 });
    const portToPort = b.bus.request('test.sleep', { ms: 1 }, { timeoutMs: 10_000 });
    const portToMain = b.bus.request('test.echo', { x: 1 }, { timeoutMs: 10_000 });
    await sleep(20);
    hub.close();
    await expect(mainToPort).rejects.toMatchObject({ code: 'REX_BUS_SERVER_GONE' });
    await expect(portToPort).rejects.toMatchObject({ code: 'REX_BUS_SERVER_GONE' });
    await expect(portToMain).rejects.toMatchObject({ code: 'REX_BUS_CLOSED' });
    expect(b.bus.closed).toBe(true);
    await expect(hub.bus.request('test.echo', { x: 1 })).rejects.toMatchObject({ code: 'REX_BUS_CLOSED' });
  });
});

describe('validation and protocol', () => {
  it('with validation on, drops an invalid payload and reports it as a fault of its source', async () => {
    const hub = startHub({ validate: true });
    const a = attach(hub, 'a');
    const pings = record(hub.bus, 'test.ping');
    const faults = record(hub.bus, 'actor.fault');
    a.bus.publish('test.ping', { n: 'one', from: 'a' } as unknown as { n: number; from: string });
    a.bus.publish('test.ping', { n: 2, from: 'a' });
    const fault = await faults.waitFor(() => true);
    expect(fault).toMatchObject({ actor: 'a', code: 'REX_BUS_INVALID_PAYLOAD', fatal: false });
    expect(fault.message).toContain('n:');
    await pings.waitFor((p) => p.n === 2);
    expect(pings.items).toEqual([{ n: 2, from: 'a' }]);
  });

  it('with validation off, does not look at payloads (no zod call at all)', async () => {
    const hub = startHub({ validate: false });
    const pings = record(hub.bus, 'test.ping');
    const parse = vi.spyOn(testTopics['test.ping'], 'safeParse');
    onTestFinished(() => parse.mockRestore());
    hub.bus.publish('test.ping', { n: 'one' } as unknown as { n: number; from: string });
    expect(pings.items).toHaveLength(1);
    expect(parse).not.toHaveBeenCalled();
  });

  it("checks rex's own hot topics as they arrive from another thread: a Buffer is no ArrayBuffer", async () => {
    const hub = startHub({ validate: true });
    const front = attach(hub, 'front');
    const ingest = attach(hub, 'ingest');
    const chunks = record(ingest.bus, 'ingest.bytes');
    const faults = record(hub.bus, 'actor.fault');
    await ingest.bus.flush();
    const bytes = Buffer.from('{"a":1}\n');
    // A Buffer crosses a port as a plain Uint8Array; the socket front sends its ArrayBuffer.
    front.bus.publish('ingest.bytes', { connId: 1, offset: 0, parts: [bytes] } as unknown as IngestBytes);
    const fault = await faults.waitFor(() => true);
    expect(fault).toMatchObject({ actor: 'front', code: 'REX_BUS_INVALID_PAYLOAD' });
    expect(fault.message).toContain('ingest.bytes');
    expect(fault.message).toContain('parts.0:');
    const buffer = new Uint8Array(bytes).buffer;
    front.bus.publish('ingest.bytes', { connId: 1, offset: 0, parts: [buffer] }, [buffer]);
    const chunk = await chunks.waitFor(() => true);
    expect(chunk.parts[0]).toBeInstanceOf(ArrayBuffer);
    expect(chunks.items).toHaveLength(1);
  });

  it('with validation on, rejects an invalid request and reports its requester', async () => {
    const hub = startHub({ validate: true });
    const server = attach(hub, 'server');
    const client = attach(hub, 'client');
    const faults = record(hub.bus, 'actor.fault');
    let handled = 0;
    server.bus.serve('test.echo', (req) => {
      handled++;
      return req;
    });
    await server.bus.flush();
    await expect(client.bus.request('test.echo', { x: 'one' } as unknown as { x: number })).rejects.toMatchObject({
      code: 'REX_BUS_INVALID_PAYLOAD',
      message: expect.stringContaining('request: x:'),
    });
    expect(await faults.waitFor(() => true)).toMatchObject({ actor: 'client', code: 'REX_BUS_INVALID_PAYLOAD' });
    expect(handled).toBe(0);
    await expect(client.bus.request('test.echo', { x: 1 })).resolves.toEqual({ x: 1 });
  });

  it('with validation on, replaces an invalid response by an error and reports its server', async () => {
    const hub = startHub({ validate: true });
    const server = attach(hub, 'server');
    const faults = record(hub.bus, 'actor.fault');
    server.bus.serve('test.echo', () => ({ y: 1 }) as unknown as { x: number });
    hub.bus.serve('test.sleep', () => ({ slept: 'long' }) as unknown as { slept: number });
    await server.bus.flush();
    await expect(hub.bus.request('test.echo', { x: 1 })).rejects.toMatchObject({
      code: 'REX_BUS_INVALID_PAYLOAD',
      message: expect.stringContaining('response: x:'),
    });
    await expect(server.bus.request('test.sleep', { ms: 1 })).rejects.toMatchObject({
      code: 'REX_BUS_INVALID_PAYLOAD',
    });
    await faults.waitFor((f) => f.actor === 'main');
    expect(faults.items.map((f) => f.actor)).toEqual(['server', 'main']);
  });

  it('with validation on, a topic outside the table is invalid', async () => {
    const hub = new BusHub({ validate: true }); // rex's own table: no test topics
    onTestFinished(() => hub.close());
    const a = connectPortBus<TestTopics, TestRequests>(hub.connect('a').port, 'a');
    onTestFinished(() => a.close());
    const faults = firstValueFrom(hub.bus.on('actor.fault').pipe(take(2), toArray()));
    a.publish('test.ping', { n: 1, from: 'a' });
    // Not even a name every object has: the table is looked up by its own keys only.
    const link = hub.connect('rogue');
    onTestFinished(() => link.close());
    link.port.postMessage({ kind: 'publish', envelope: { v: 1, topic: 'constructor', seq: 1, src: 'rogue', payload: {} } });
    const [fromA, fromRogue] = await faults;
    const notInTable = { code: 'REX_BUS_INVALID_PAYLOAD', message: expect.stringContaining('not in the topic table') };
    expect(fromA).toMatchObject({ actor: 'a', ...notInTable });
    expect(fromRogue).toMatchObject({ actor: 'rogue', ...notInTable });
  });

  it("with validation on by REX_BUS_VALIDATE=1 (as in every test), rex's own table checks its topics' payloads", async () => {
    expect(process.env.REX_BUS_VALIDATE).toBe('1');
    const hub = new BusHub(); // the table is loaded only with that variable (src/bus/hub.ts)
    onTestFinished(() => hub.close());
    const a = connectPortBus<TestTopics, TestRequests>(hub.connect('a').port, 'a');
    onTestFinished(() => a.close());
    const fault = firstValueFrom(hub.bus.on('actor.fault'));
    a.publish('log', { level: 'loud', source: 'a', message: 'm', ts: 1 } as never);
    expect(await fault).toMatchObject({ actor: 'a', code: 'REX_BUS_INVALID_PAYLOAD', message: expect.stringContaining('level') });
  });

  it('reports an unknown message kind, and ignores messages without one', async () => {
    const hub = startHub();
    const link = hub.connect('rogue');
    const faults = record(hub.bus, 'actor.fault');
    link.port.postMessage({ hello: 'from node --watch' });
    link.port.postMessage({ kind: 'teleport' });
    const fault = await faults.waitFor(() => true);
    expect(fault).toMatchObject({ actor: 'rogue', code: 'REX_BUS_PROTOCOL' });
    expect(fault.message).toContain('teleport');
    expect(faults.items).toHaveLength(1);
    link.close();
  });
});
