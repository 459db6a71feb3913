/** Errors keep their code (and cause) across threads; the catalogue is well formed. */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { defineError, errorCode, fromWire, toWire, withCause, type WireError } from '../../src/errors.js';
import * as busErrors from '../../src/bus/errors.js';
import * as actorErrors from '../../src/runtime/errors.js';

const REX_TEST_THING = defineError('REX_TEST_THING', (what: string, n: number) => `thing ${what} #${n}`, 409);

/** Send a value through a real MessagePort (structured clone), as between threads. */
function throughPort<T>(value: T): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  return new Promise<T>((resolve) => {
    port2.once('message', (received: T) => {
      port1.close();
      resolve(received);
    });
    port1.postMessage(value);
  });
}

describe('defineError', () => {
  it('creates errors with a code, message and status', () => {
    const e = REX_TEST_THING('x', 2);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: 'REX_TEST_THING', message: 'thing x #2', statusCode: 409 });
    expect(REX_TEST_THING.code).toBe('REX_TEST_THING');
    expect(REX_TEST_THING.is(e)).toBe(true);
    expect(REX_TEST_THING.is(new Error('thing x #2'))).toBe(false);
  });

  it('refuses codes that do not follow REX_<AREA>_<NAME>', () => {
    expect(() => defineError('BAD', () => '')).toThrow(/REX_<AREA>_<NAME>/);
    expect(() => defineError('REX_lower_case', () => '')).toThrow();
  });
});

describe('wire form', () => {
  it('a plain Error loses its code through structured clone; the wire form keeps it', async () => {
    const original = withCause(REX_TEST_THING('y', 3), Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
    const cloned = await throughPort(original);
    expect(errorCode(cloned)).toBeUndefined(); // why toWire exists (node #37988)

    const rebuilt = fromWire(await throughPort(toWire(original)));
    expect(rebuilt).toBeInstanceOf(Error);
    expect(rebuilt).toMatchObject({ name: 'RexError', code: 'REX_TEST_THING', message: 'thing y #3', statusCode: 409 });
    expect(rebuilt.stack).toBe(original.stack); // where it really failed
    expect(REX_TEST_THING.is(rebuilt)).toBe(true);
    const cause = (rebuilt as Error & { cause?: unknown }).cause;
    expect(cause).toMatchObject({ message: 'disk full', code: 'ENOSPC' });
  });

  it('turns anything thrown into a wire error', () => {
    expect(toWire('just a string')).toEqual({ name: 'NonError', message: 'just a string' });
    expect(toWire({ weird: 1 })).toEqual({ name: 'NonError', message: '{"weird":1}' });
    expect(toWire(undefined)).toEqual({ name: 'NonError', message: 'undefined' });
    expect(toWire(new TypeError('t'))).toMatchObject({ name: 'TypeError', message: 't' });
  });

  it('stops at a cyclic cause chain', () => {
    const a = new Error('a');
    const b = withCause(new Error('b'), a);
    withCause(a, b);
    let depth = 0;
    for (let w: WireError | undefined = toWire(a); w !== undefined; w = w.cause) depth++;
    expect(depth).toBeLessThanOrEqual(9);
  });
});

describe('catalogue', () => {
  it('every exported definition is named by its own code, in its own area', () => {
    const entries = [
      ...Object.entries(busErrors).map(([name, def]) => ({ name, def, area: 'REX_BUS_' })),
      ...Object.entries(actorErrors).map(([name, def]) => ({ name, def, area: 'REX_ACTOR_' })),
    ];
    expect(entries.length).toBeGreaterThan(10);
    for (const { name, def, area } of entries) {
      expect(def.code).toBe(name);
      expect(def.code.startsWith(area)).toBe(true);
    }
  });
});
