// Where the status line of `rex run` goes: a terminal gets it in place, anything else periodically,
// and below info or under `-i` (the view owns the terminal) there is none.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PERIODIC_STATUS_MS, liveStatusMode, periodicIntervalMs } from '../../src/host/run/run-feedback.js';

describe('liveStatusMode', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('in place on a terminal, periodic off one, none below info or under -i', () => {
    vi.stubEnv('TERM', 'xterm-256color');
    expect(liveStatusMode(2, false, { isTTY: true })).toBe('terminal');
    expect(liveStatusMode(4, false, { isTTY: true })).toBe('terminal');
    expect(liveStatusMode(2, false, { isTTY: false })).toBe('periodic');
    expect(liveStatusMode(2, false, {})).toBe('periodic');
    expect(liveStatusMode(1, false, { isTTY: true })).toBe('none');
    expect(liveStatusMode(2, true, { isTTY: true })).toBe('none');
    // A terminal that cannot clear a line gets the periodic lines.
    vi.stubEnv('TERM', 'dumb');
    expect(liveStatusMode(2, false, { isTTY: true })).toBe('periodic');
  });

  it('off a terminal every 30 s, unless REX_STATUS_INTERVAL_MS says otherwise', () => {
    expect(periodicIntervalMs({})).toBe(PERIODIC_STATUS_MS);
    expect(PERIODIC_STATUS_MS).toBe(30_000);
    expect(periodicIntervalMs({ REX_STATUS_INTERVAL_MS: '250' })).toBe(250);
    for (const bad of ['0', '-5', 'soon', '']) expect(periodicIntervalMs({ REX_STATUS_INTERVAL_MS: bad })).toBe(PERIODIC_STATUS_MS);
  });
});
