/**
 * The bus across real worker threads (fixture actors compiled to test/.build by `npm run build:fixtures`):
 * delivery between two workers, Float64Array transfer, request/response and its failure paths.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Supervisor } from '../../src/host/supervisor/supervisor.js';
import type { ProbeData } from '../fixtures/actors/probe.js';
import { fixture, record, sleep, testHub, type TestHub } from './helpers.js';

let hub: TestHub;
let supervisor: Supervisor;

beforeEach(() => {
  vi.stubEnv('REX_FAULT_INJECTION', '1'); // read by the Supervisor constructor
  hub = testHub({ validate: true });
  supervisor = new Supervisor({
    hub,
    heartbeatIntervalMs: 20,
    heartbeatTimeoutMs: 1_000,
    restart: { initialBackoffMs: 10, maxBackoffMs: 50 },
  });
});

afterEach(async () => {
  await supervisor.stopAll();
  hub.close();
  vi.unstubAllEnvs();
});

function startProbe(name: string, data: ProbeData = {}): Promise<void> {
  return supervisor.start({ name, entry: fixture('probe'), data });
}

describe('between two worker threads', () => {
  it('a message published in one worker arrives, typed, in another', async () => {
    const seen = record(hub.bus, 'test.seen');
    await startProbe('a', { serve: ['test.emit'] });
    await startProbe('b');
    await hub.bus.request('test.emit', { topic: 'test.ping', n: 42 });
    const atB = await seen.waitFor((s) => s.by === 'b');
    expect(atB).toMatchObject({ topic: 'test.ping', from: 'a', n: 42 });
    expect(atB.threadId).toBe(supervisor.status('b')?.threadId);
    expect(atB.threadId).not.toBe(supervisor.status('a')?.threadId);
    await sleep(30);
    expect(seen.items.filter((s) => s.by === 'a')).toEqual([]); // a ignores its own ping
  });

  it('a transferred Float64Array is detached at the sender and arrives intact', async () => {
    const seen = record(hub.bus, 'test.seen');
    const traces = record(hub.bus, 'test.trace');
    await startProbe('a', { serve: ['test.emit'] });
    await startProbe('b');
    const length = 250_000;
    const expectedSum = (0.5 * (length - 1) * length) / 2; // sum of i * 0.5

    const moved = await hub.bus.request('test.emit', { topic: 'test.trace', length, transfer: true });
    expect(moved.byteLengthAfterPublish).toBe(0);
    const atB = await seen.waitFor((s) => s.by === 'b' && s.topic === 'test.trace');
    expect(atB).toMatchObject({ from: 'a', length, sum: expectedSum, isFloat64Array: true });
    // main subscribes too, so it got a copy while b got the buffer
    const atMain = await traces.waitFor((t) => t.from === 'a');
    expect(atMain.data).toBeInstanceOf(Float64Array);
    expect(atMain.data.length).toBe(length);
    expect(atMain.data[length - 1]).toBe((length - 1) * 0.5);

    const copied = await hub.bus.request('test.emit', { topic: 'test.trace', length: 10, transfer: false });
    expect(copied.byteLengthAfterPublish).toBe(80); // without a transfer list the sender keeps it
  });

  it('a Float64Array transferred from the main thread is detached there and arrives intact', async () => {
    const seen = record(hub.bus, 'test.seen');
    await startProbe('b');
    const data = Float64Array.from({ length: 1000 }, (_, i) => i);
    hub.bus.publish('test.trace', { data, from: 'main' }, [data.buffer]);
    expect(data.byteLength).toBe(0);
    await expect(seen.waitFor((s) => s.by === 'b')).resolves.toMatchObject({
      topic: 'test.trace',
      length: 1000,
      sum: 499_500,
      isFloat64Array: true,
    });
  });
});

describe('request/response across threads', () => {
  it('main -> worker, and worker -> worker', async () => {
    await startProbe('a', { serve: ['test.echo'] });
    await startProbe('b', { serve: ['test.ask'] });
    await expect(hub.bus.request('test.echo', { x: 7 })).resolves.toEqual({ x: 7 });
    // b asks a from its own thread
    await expect(hub.bus.request('test.ask', { x: 8 })).resolves.toEqual({ ok: true, x: 8 });
    await supervisor.stop('a');
    await expect(hub.bus.request('test.ask', { x: 9 })).resolves.toMatchObject({ ok: false, code: 'REX_BUS_NO_SERVER' });
  });

  it('times out, in the main thread and in a worker', async () => {
    await startProbe('slow', { serve: ['test.sleep'] });
    const started = Date.now();
    await expect(hub.bus.request('test.sleep', { ms: 3_000 }, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'REX_BUS_REQUEST_TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    // A worker's request to a server that never answers times out in that worker.
    hub.bus.serve('test.echo', () => new Promise(() => undefined));
    await startProbe('asker', { serve: ['test.ask'] });
    await expect(hub.bus.request('test.ask', { x: 1, timeoutMs: 100 })).resolves.toMatchObject({
      ok: false,
      code: 'REX_BUS_REQUEST_TIMEOUT',
    });
  });

  it('rejects when the serving worker dies, and the restarted actor serves again', async () => {
    const statuses = record(hub.bus, 'actor.status');
    await startProbe('server', { serve: ['test.sleep', 'test.echo'] });
    await startProbe('asker', { serve: ['test.ask'] });
    const pendingFromMain = hub.bus.request('test.sleep', { ms: 60_000 }, { timeoutMs: 30_000 });
    await sleep(50);
    const started = Date.now();
    hub.bus.publish('fault.inject', { actor: 'server', mode: 'exit', exitCode: 1 });
    await expect(pendingFromMain).rejects.toMatchObject({ code: 'REX_BUS_SERVER_GONE' });
    expect(Date.now() - started).toBeLessThan(2_000);

    await statuses.waitFor((s) => s.actor === 'server' && s.status === 'ready' && s.restarts === 1);
    await expect(hub.bus.request('test.echo', { x: 5 })).resolves.toEqual({ x: 5 });
    await expect(hub.bus.request('test.ask', { x: 6 })).resolves.toEqual({ ok: true, x: 6 });
  });
});
