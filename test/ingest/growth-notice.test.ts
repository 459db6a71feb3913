/**
 * The ingest's `journal.grew` timing: never in the turn that appended (nor its microtasks); once
 * the growth pauses; under steady growth, once per maximum interval; the last growth always told.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PACE } from '../../src/actors/fleet-replicator/pace.js';
import { GROWTH_NOTICE_MAX_MS, GrowthNotice } from '../../src/actors/ingest/growth-notice.js';

const PAUSE_MS = 20;
const MAX_MS = 150;

function notices() {
  const sentAt: number[] = [];
  let onSend: (() => void) | null = null;
  const notice = new GrowthNotice(
    () => {
      sentAt.push(Date.now());
      onSend?.();
    },
    PAUSE_MS,
    MAX_MS,
  );
  const nextNotice = () => new Promise<void>((resolve) => (onSend = resolve));
  return { notice, sentAt, nextNotice };
}

/** notice.grew() every `everyMs` for `forMs`; resolves with the time of the last growth. */
function grow(notice: GrowthNotice, forMs: number, everyMs = 2): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => {
    const growth = setInterval(() => {
      notice.grew();
      if (Date.now() - started >= forMs) {
        clearInterval(growth);
        resolve(Date.now());
      }
    }, everyMs);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GrowthNotice', () => {
  it('tells once the growth pauses, on a later turn, not in the one that grew nor in its microtasks', async () => {
    const { notice, sentAt, nextNotice } = notices();
    const sent = nextNotice();
    const grewAt = Date.now();
    notice.grew();
    notice.grew();
    expect(sentAt).toHaveLength(0);
    await Promise.resolve();
    await Promise.resolve();
    expect(sentAt).toHaveLength(0);
    await sent;
    expect(sentAt).toHaveLength(1);
    expect(sentAt[0]! - grewAt).toBeGreaterThanOrEqual(PAUSE_MS - 1); // Date.now() is whole ms
    expect(sentAt[0]! - grewAt).toBeLessThan(MAX_MS);
    notice.cancel();
  });

  it('a burst is told after it ends, not while it goes on', async () => {
    const { notice, sentAt, nextNotice } = notices();
    const sent = nextNotice();
    const endedAt = await grow(notice, MAX_MS / 2);
    expect(sentAt).toHaveLength(0);
    await sent;
    expect(sentAt).toHaveLength(1);
    expect(sentAt[0]! - endedAt).toBeGreaterThanOrEqual(PAUSE_MS - 1);
    notice.cancel();
  });

  it('steady growth is told once per maximum interval, and its last growth after it ends', async () => {
    const { notice, sentAt, nextNotice } = notices();
    const startedAt = Date.now();
    const endedAt = await grow(notice, 4.5 * MAX_MS);
    const last = nextNotice();
    await last;
    const during = sentAt.filter((at) => at <= endedAt);
    // About one per MAX_MS (a timer may fire late on a busy machine, never early).
    expect(during.length).toBeGreaterThanOrEqual(2);
    expect(during.length).toBeLessThanOrEqual(4);
    expect(during[0]! - startedAt).toBeGreaterThanOrEqual(MAX_MS - 1);
    const gaps = during.slice(1).map((at, i) => at - during[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MAX_MS - 3);
    expect(sentAt.at(-1)!).toBeGreaterThanOrEqual(endedAt);
    notice.cancel();
  });

  it('cancelled: a notice due is not sent', async () => {
    const { notice, sentAt } = notices();
    notice.grew();
    notice.cancel();
    notice.grew();
    await sleep(3 * PAUSE_MS);
    expect(sentAt).toHaveLength(0);
  });

  it("the fleet's replicator waits out a quiet longer than a stream's longest gap between notices", () => {
    // Otherwise it would take each notice of a long stream for the end of a burst and send at once
    // (fleet-replicator/pace.ts), its copies competing with the ingest throughout.
    expect(DEFAULT_PACE.quietMs).toBeGreaterThan(GROWTH_NOTICE_MAX_MS * 1.2);
  });
});
