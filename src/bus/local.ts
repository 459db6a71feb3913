/**
 * In-thread delivery: one RxJS Subject per topic, created on first use. Counts subscribers per
 * topic so the owner can tell the hub which topics this thread wants, and skip work (copies)
 * for topics no one here listens to.
 */
import { config, Observable, Subject } from '../runtime/rx.js';
import { withCause } from '../errors.js';
import { REX_BUS_SUBSCRIBER_FAILED } from './errors.js';
import type { TopicMap } from './bus.js';

export interface InterestHooks {
  /** The first subscriber of `topic` in this thread arrived. */
  first(topic: string): void;
  /** The last subscriber of `topic` in this thread left. */
  last(topic: string): void;
}

/** `T`: the topic table, for the types `observe` hands out. */
export class LocalTopics<T extends TopicMap> {
  private readonly subjects = new Map<string, Subject<unknown>>();
  private readonly counts = new Map<string, number>();
  private completed = false;

  constructor(
    private readonly src: string,
    private readonly hooks: InterestHooks,
  ) {}

  observe<K extends keyof T & string>(topic: K): Observable<T[K]> {
    return new Observable<T[K]>((subscriber) => {
      if (this.completed) {
        subscriber.complete();
        return undefined;
      }
      const count = (this.counts.get(topic) ?? 0) + 1;
      this.counts.set(topic, count);
      if (count === 1) this.hooks.first(topic);
      const inner = (this.subjectFor(topic) as Subject<T[K]>).subscribe(subscriber);
      return () => {
        inner.unsubscribe();
        const left = (this.counts.get(topic) ?? 1) - 1;
        if (left > 0) {
          this.counts.set(topic, left);
          return;
        }
        this.counts.delete(topic);
        if (!this.completed) this.hooks.last(topic);
      };
    });
  }

  has(topic: string): boolean {
    return this.counts.has(topic);
  }

  topics(): string[] {
    return [...this.counts.keys()];
  }

  deliver(topic: string, payload: unknown): void {
    const subject = this.subjects.get(topic);
    if (subject === undefined || this.completed) return;
    try {
      // Subscribers' own errors are already caught and reported by rxjs; this guards the rest.
      subject.next(payload);
    } catch (e) {
      reportUnhandled(withCause(REX_BUS_SUBSCRIBER_FAILED(topic, this.src), e));
    }
  }

  /** Complete every subscriber (the bus is closing). Never `error()`: a bus subject never fails. */
  complete(): void {
    if (this.completed) return;
    this.completed = true;
    for (const subject of this.subjects.values()) subject.complete();
    this.subjects.clear();
    this.counts.clear();
  }

  private subjectFor(topic: string): Subject<unknown> {
    let subject = this.subjects.get(topic);
    if (subject === undefined) {
      subject = new Subject<unknown>();
      this.subjects.set(topic, subject);
    }
    return subject;
  }
}

/**
 * Report an error without throwing at the caller, the way rxjs reports a subscriber's error:
 * on a later macrotask, to `config.onUnhandledError` when set (runActor sets it), else rethrown.
 */
export function reportUnhandled(error: unknown): void {
  setTimeout(() => {
    const handler = config.onUnhandledError;
    if (handler) handler(error);
    else throw error;
  });
}
