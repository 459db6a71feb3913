/**
 * Compile-time contract of the bus: topics, payloads and requests are checked against the
 * topic table (src/bus/topics.ts, widened here by the test table of test/fixtures/actors).
 * Every `@ts-expect-error` line must really be an error (tsc fails on an unused one), so these
 * negatives cannot pass by accident.
 */
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import type { ActorFault, ActorStatus } from '../../src/bus/payloads.js';
import type { Topic } from '../../src/bus/topics.js';
import type { ActorContext, ActorDefinition } from '../../src/runtime/worker/run-actor.js';
import type { TestBus, TestPing, TestTopics, TestTrace } from '../fixtures/actors/test-topics.js';

declare const bus: TestBus;
declare const productionBus: Bus;

describe('publish', () => {
  it('accepts a declared topic with its payload', () => {
    bus.publish('test.ping', { n: 1, from: 'a' });
    bus.publish('actor.status', { actor: 'store', status: 'ready', restarts: 0 });
    const data = new Float64Array(4);
    bus.publish('test.trace', { data, from: 'a' }, [data.buffer]);
  });

  it('rejects an unknown topic', () => {
    // @ts-expect-error 'test.pong' is not a topic
    bus.publish('test.pong', { n: 1, from: 'a' });
  });

  it('rejects a wrong payload type', () => {
    // @ts-expect-error n must be a number
    bus.publish('test.ping', { n: '1', from: 'a' });
    // @ts-expect-error data must be a Float64Array, not a number[]
    bus.publish('test.trace', { data: [1, 2], from: 'a' });
    // @ts-expect-error 'crashed' is not an actor state
    bus.publish('actor.status', { actor: 'store', status: 'crashed', restarts: 0 });
  });

  it('rejects a missing field, and a missing payload', () => {
    // @ts-expect-error 'from' is missing
    bus.publish('test.ping', { n: 1 });
    // @ts-expect-error 'fatal' is missing
    bus.publish('actor.fault', { actor: 'a', code: 'X', message: 'm' });
    // @ts-expect-error the payload is required
    bus.publish('run.stop');
  });

  it('rejects a payload of another topic', () => {
    const ping: TestPing = { n: 1, from: 'a' };
    // @ts-expect-error a TestPing is not a LogEntry
    bus.publish('log', ping);
  });

  it('rejects a transfer list of non-buffers', () => {
    const data = new Float64Array(4);
    // @ts-expect-error transfer the buffer, not the view
    bus.publish('test.trace', { data, from: 'a' }, [data]);
  });
});

describe('on', () => {
  it('gives an Observable of the payload type', () => {
    expectTypeOf(bus.on('actor.fault')).toEqualTypeOf<Observable<ActorFault>>();
    expectTypeOf(bus.on('test.trace')).toEqualTypeOf<Observable<TestTrace>>();
    bus.on('actor.status').subscribe((s) => {
      expectTypeOf(s).toEqualTypeOf<ActorStatus>();
      expectTypeOf(s.status).toEqualTypeOf<'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed'>();
    });
  });

  it('rejects an unknown topic and a wrong use of the payload', () => {
    // @ts-expect-error not a topic
    bus.on('nope');
    bus.on('test.ping').subscribe((p) => {
      // @ts-expect-error n is a number
      p.n.toUpperCase();
    });
  });

  it('Topic is exactly the declared keys', () => {
    expectTypeOf<'ingest.bytes'>().toMatchTypeOf<Topic>();
    expectTypeOf<'test.pong'>().not.toMatchTypeOf<Topic>();
    expectTypeOf<'test.ping'>().toMatchTypeOf<keyof TestTopics>();
  });
});

describe('the production bus', () => {
  it('knows no test topic or request', () => {
    expectTypeOf<'test.ping'>().not.toMatchTypeOf<Topic>();
    // @ts-expect-error test topics exist only on a test bus
    productionBus.publish('test.ping', { n: 1, from: 'a' });
    // @ts-expect-error test requests exist only on a test bus
    void productionBus.request('test.echo', { x: 1 });
  });

  it('types the payloads inferred from the schemas', () => {
    productionBus.publish('ingest.bytes', { connId: 1, offset: 0, parts: [new ArrayBuffer(4)] });
    // @ts-expect-error bytes travel as ArrayBuffers, not Buffer views
    productionBus.publish('ingest.bytes', { connId: 1, offset: 0, parts: [Buffer.from('x')] });
    productionBus.publish('run.iteration', { phase: 'started', loop: 0, loops: 1, journalPath: '/j' });
    // @ts-expect-error a request without arguments takes {}
    void productionBus.request('run.current', { x: 1 });
  });
});

describe('request / serve', () => {
  it('types the request and the response by name', () => {
    expectTypeOf(bus.request('test.echo', { x: 1 })).toEqualTypeOf<Promise<{ x: number }>>();
    bus.serve('test.echo', (req) => {
      expectTypeOf(req).toEqualTypeOf<{ x: number }>();
      return { x: req.x };
    });
    bus.serve('test.sleep', async (req) => ({ slept: req.ms }));
  });

  it('rejects unknown names, wrong requests and wrong responses', () => {
    // @ts-expect-error no such request
    void bus.request('store.nope', {});
    // @ts-expect-error x must be a number
    void bus.request('test.echo', { x: 'one' });
    // @ts-expect-error the response must be { x: number }
    bus.serve('test.echo', () => ({ y: 1 }));
    // @ts-expect-error an async handler must resolve to the response type too
    bus.serve('test.sleep', async () => ({ slept: 'long' }));
  });
});

describe('actor definitions', () => {
  it('type the context data', () => {
    const def: ActorDefinition<{ dir: string }> = {
      name: 'x',
      async start(ctx) {
        expectTypeOf(ctx).toEqualTypeOf<ActorContext<{ dir: string }>>();
        expectTypeOf(ctx.data.dir).toBeString();
        // @ts-expect-error 'verbose' is not a log level
        ctx.log('verbose', 'hello');
        return { stop: async () => undefined };
      },
    };
    void def;
  });
});
