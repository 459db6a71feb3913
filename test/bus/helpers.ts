/**
 * Helpers for bus and supervisor tests: a hub that knows the test topics, record a topic from
 * the moment of the call (so an event that comes early is not missed), wait for a matching one,
 * and locate compiled fixture actors.
 */
import type { Subscription } from 'rxjs';
import { onTestFinished } from 'vitest';
import { BusHub, type HubOptions } from '../../src/bus/hub.js';
import { testSchemas, type TestBus, type TestRequests, type TestTopics } from '../fixtures/actors/test-topics.js';

export type TestHub = BusHub<TestTopics, TestRequests>;

/** A hub over rex's topics plus the test ones, validating against both unless told otherwise. */
export function testHub(options: Omit<HubOptions, 'schemas'> = {}): TestHub {
  return new BusHub<TestTopics, TestRequests>({ schemas: testSchemas, ...options });
}

export interface Recording<T> {
  readonly items: T[];
  /** The first recorded item (past or future) matching `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (item: T) => boolean, timeoutMs?: number): Promise<T>;
}

export function record<K extends keyof TestTopics & string>(bus: TestBus, topic: K): Recording<TestTopics[K]> {
  const items: TestTopics[K][] = [];
  const waiters = new Set<{ pred: (item: TestTopics[K]) => boolean; resolve: (item: TestTopics[K]) => void }>();
  const subscription: Subscription = bus.on(topic).subscribe((item) => {
    items.push(item);
    for (const waiter of waiters) {
      if (waiter.pred(item)) {
        waiters.delete(waiter);
        waiter.resolve(item);
      }
    }
  });
  onTestFinished(() => subscription.unsubscribe());
  return {
    items,
    waitFor(pred, timeoutMs = 5_000) {
      const seen = items.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          pred,
          resolve: (item: TestTopics[K]) => {
            clearTimeout(timer);
            resolve(item);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching "${topic}" within ${timeoutMs} ms; saw ${JSON.stringify(items)}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}

/** A fixture actor compiled by `npm run build:fixtures` (test/fixtures/actors/<name>.ts). */
export function fixture(name: 'probe' | 'chaos'): URL {
  return new URL(`../.build/test/fixtures/actors/${name}.js`, import.meta.url);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
