/**
 * Helpers for bus and supervisor tests: record a topic from the moment of the call (so an event
 * that comes early is not missed), wait for a matching one, and locate compiled fixture actors.
 */
import type { Subscription } from 'rxjs';
import { onTestFinished } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import type { Topic, Topics } from '../../src/bus/topics.js';

export interface Recording<T> {
  readonly items: T[];
  /** The first recorded item (past or future) matching `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (item: T) => boolean, timeoutMs?: number): Promise<T>;
}

export function record<K extends Topic>(bus: Bus, topic: K): Recording<Topics[K]> {
  const items: Topics[K][] = [];
  const waiters = new Set<{ pred: (item: Topics[K]) => boolean; resolve: (item: Topics[K]) => void }>();
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
          resolve: (item: Topics[K]) => {
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

/** A fixture actor compiled by `npm run build` (src/runtime/testing/fixtures/<name>.ts). */
export function fixture(name: 'probe' | 'chaos'): URL {
  return new URL(`../../dist/runtime/testing/fixtures/${name}.js`, import.meta.url);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
