/**
 * The ingest's `journal.grew` throttle: never in the turn that appended (nor its microtasks), at
 * most one notice per interval counted from the last notice, and the last growth always notified.
 */
import { describe, expect, it } from 'vitest';
import { GROWTH_NOTICE_MS, GrowthNotice } from '../../src/actors/ingest/growth-notice.js';

const INTERVAL_MS = 20;

/** `'rex'`: the interval rex runs with (the constructor's default). */
function notices(intervalMs: number | 'rex' = INTERVAL_MS) {
  const sentAt: number[] = [];
  let onSend: (() => void) | null = null;
  const send = () => {
    sentAt.push(Date.now());
    onSend?.();
  };
  const notice = intervalMs === 'rex' ? new GrowthNotice(send) : new GrowthNotice(send, intervalMs);
  const nextNotice = () => new Promise<void>((resolve) => (onSend = resolve));
  return { notice, sentAt, nextNotice };
}

describe('GrowthNotice', () => {
  it('notifies on a later turn, not in the one that grew nor in its microtasks', async () => {
    const { notice, sentAt, nextNotice } = notices();
    const sent = nextNotice();
    notice.grew();
    notice.grew();
    expect(sentAt).toHaveLength(0);
    await Promise.resolve();
    await Promise.resolve();
    expect(sentAt).toHaveLength(0);
    await sent;
    expect(sentAt).toHaveLength(1);
    notice.cancel();
  });

  it('under steady growth, one notice per interval from the last notice; the last growth is notified too', async () => {
    const { notice, sentAt, nextNotice } = notices();
    // Growth every 2 ms for 5 intervals, then a last one.
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const growth = setInterval(() => {
        notice.grew();
        if (Date.now() - started >= 5 * INTERVAL_MS) {
          clearInterval(growth);
          resolve();
        }
      }, 2);
    });
    const last = nextNotice();
    notice.grew();
    await last;
    const gaps = sentAt.slice(1).map((at, i) => at - sentAt[i]!);
    expect(sentAt.length).toBeGreaterThanOrEqual(2);
    expect(sentAt.length).toBeLessThanOrEqual(8);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL_MS - 1); // Date.now() is whole ms
    notice.cancel();
  });

  it('cancelled: a notice due is not sent', async () => {
    const { notice, sentAt } = notices();
    notice.grew();
    notice.cancel();
    notice.grew();
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_MS));
    expect(sentAt).toHaveLength(0);
  });

  it("with rex's own interval: a growth after a quiet spell is told at once, and a burst's readers wait out the interval", async () => {
    // The readers catch up in a few long passes during a burst (bench/RESULTS.md, issue 18), but a
    // script sending a line now and then must not see its data reach them later for it.
    const { notice, sentAt, nextNotice } = notices('rex');
    const grewAt = Date.now();
    const first = nextNotice();
    notice.grew();
    await first;
    expect(sentAt[0]! - grewAt).toBeLessThan(GROWTH_NOTICE_MS / 5);
    const second = nextNotice();
    notice.grew();
    await second;
    expect(sentAt[1]! - sentAt[0]!).toBeGreaterThanOrEqual(GROWTH_NOTICE_MS - 1);
    expect(GROWTH_NOTICE_MS).toBeLessThanOrEqual(250); // what the docs promise a watcher of the fleet's copy
    notice.cancel();
  });
});
