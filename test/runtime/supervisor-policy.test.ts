/** The supervisor's pure timing: the restart policy (backoff, its cap, the sliding budget window) and the heartbeat verdict. */
import { describe, expect, it } from 'vitest';
import { heartbeatCheckEveryMs, judgeHeartbeat } from '../../src/host/supervisor/heartbeat-watch.js';
import { decideRestart, DEFAULT_RESTART_POLICY, type RestartPolicy } from '../../src/host/supervisor/restart-policy.js';

const policy: RestartPolicy = { maxRestarts: 5, windowMs: 60_000, initialBackoffMs: 50, maxBackoffMs: 2_000 };

/** Crash at each time in `times`, feeding the history back in like the supervisor does. */
function crashAt(times: number[], p: RestartPolicy = policy) {
  let history: number[] = [];
  return times.map((now) => {
    const decision = decideRestart(history, now, p);
    if (decision.action === 'restart') history = decision.history;
    return decision.action === 'restart' ? decision.delayMs : 'give-up';
  });
}

describe('decideRestart', () => {
  it('defaults to 5 restarts in 60 s, backoff 50 ms doubling to 2 s', () => {
    expect(DEFAULT_RESTART_POLICY).toEqual(policy);
  });

  it('doubles the delay and gives up on the crash after the 5th restart in the window', () => {
    expect(crashAt([0, 1_000, 2_000, 3_000, 4_000, 5_000])).toEqual([50, 100, 200, 400, 800, 'give-up']);
  });

  it('caps the delay', () => {
    const many = { ...policy, maxRestarts: 10 };
    expect(crashAt([0, 1, 2, 3, 4, 5, 6, 7], many)).toEqual([50, 100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });

  it('forgets restarts that left the window (and the backoff resets with them)', () => {
    expect(crashAt([0, 10_000, 20_000, 30_000, 40_000, 61_000, 200_000])).toEqual([50, 100, 200, 400, 800, 800, 50]);
  });

  it('gives up at once with a budget of 0', () => {
    expect(crashAt([0], { ...policy, maxRestarts: 0 })).toEqual(['give-up']);
  });

  it('reports how many restarts were in the window when giving up', () => {
    expect(decideRestart([1, 2, 3], 4, { ...policy, maxRestarts: 3 })).toEqual({ action: 'give-up', restartsInWindow: 3 });
  });
});

describe('judgeHeartbeat', () => {
  const watch = { checkEveryMs: 100, timeoutMs: 1_000 };

  it('checks at every heartbeat, but at least twice per timeout', () => {
    expect(heartbeatCheckEveryMs(1_000, 10_000)).toBe(1_000);
    expect(heartbeatCheckEveryMs(1_000, 300)).toBe(150);
    expect(heartbeatCheckEveryMs(0, 0)).toBe(1);
  });

  it('a worker silent for longer than the timeout is hung; up to the timeout it is alive', () => {
    expect(judgeHeartbeat({ ...watch, at: 10_000, lastCheck: 9_900, lastBeat: 9_000 })).toEqual({ kind: 'alive' });
    expect(judgeHeartbeat({ ...watch, at: 10_000, lastCheck: 9_900, lastBeat: 8_999 })).toEqual({ kind: 'hung', silentMs: 1_001 });
  });

  it('a check that ran late (this thread was blocked) judges nothing: the heartbeats may be queued unread', () => {
    // due at 9_100, ran at 10_000: 900 ms late, more than half the timeout
    expect(judgeHeartbeat({ ...watch, at: 10_000, lastCheck: 9_000, lastBeat: 5_000 })).toEqual({ kind: 'judge-later' });
    // 500 ms late is within half the timeout: judged
    expect(judgeHeartbeat({ ...watch, at: 10_000, lastCheck: 9_400, lastBeat: 5_000 })).toEqual({ kind: 'hung', silentMs: 5_000 });
  });
});
