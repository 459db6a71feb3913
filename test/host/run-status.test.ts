// The status line of `rex run` at info: what it says, the rate it measures, and how it is drawn in
// place on a terminal so that log lines printed meanwhile stay whole.
import { describe, expect, it } from 'vitest';
import { RateMeter, TerminalStatus, formatElapsed, statusLine, type CurrentStatus } from '../../src/host/run/run-status.js';

const current = (over: Partial<CurrentStatus> = {}): CurrentStatus => ({
  loop: 0,
  loops: 1,
  paused: false,
  ended: false,
  messages: 1234,
  values: 5678,
  devices: 2,
  ...over,
});

describe('statusLine', () => {
  it('says the elapsed time, messages, values, rate, devices and whether the run is paused', () => {
    expect(statusLine(83_400, current(), 12.34)).toBe('1:23 · 1,234 messages · 5,678 values · 12.3 msg/s · 2 devices · running');
    expect(statusLine(3_725_000, current({ paused: true, loop: 1, loops: 3, devices: 1, messages: 1 }), 2500)).toBe(
      '1:02:05 · loop 2/3 · 1 message · 5,678 values · 2,500 msg/s · 1 device · PAUSED',
    );
    expect(statusLine(0, null, null)).toBe('0:00 · no iteration yet');
    expect(statusLine(1000, current({ ended: true }), null)).toContain('– msg/s');
  });

  it('formats elapsed time as m:ss, then h:mm:ss', () => {
    expect([0, 9_999, 60_000, 3_599_000, 3_600_000].map(formatElapsed)).toEqual(['0:00', '0:09', '1:00', '59:59', '1:00:00']);
  });
});

describe('RateMeter', () => {
  it('measures messages per second over the recent window, afresh for each iteration', () => {
    const meter = new RateMeter(2_000);
    expect(meter.add(0, 0, 0)).toBeNull();
    expect(meter.add(1_000, 0, 100)).toBe(100);
    expect(meter.add(2_000, 0, 300)).toBe(150);
    // The window moved on: the sample at 0 is dropped, the rate is that of the last 2 s.
    expect(meter.add(3_000, 0, 600)).toBe(250);
    expect(meter.add(3_500, 1, 10)).toBeNull(); // a new loop starts from zero
    expect(meter.add(4_500, 1, 60)).toBe(50);
  });
});

describe('TerminalStatus', () => {
  const terminal = (columns = 80) => {
    const writes: string[] = [];
    return {
      writes,
      status: new TerminalStatus(
        (text) => writes.push(text),
        () => columns,
      ),
    };
  };

  it('redraws its one line in place, and only when it changed', () => {
    const { writes, status } = terminal();
    status.draw('0:01 · a');
    status.draw('0:01 · a');
    status.draw('0:02 · b');
    expect(writes).toEqual(['\r0:01 · a\x1b[K', '\r0:02 · b\x1b[K']);
  });

  it('prints a log line over the status line and draws the status again below it, in one write', () => {
    const { writes, status } = terminal();
    status.print('before any status');
    status.draw('status');
    status.print('a log line');
    expect(writes).toEqual(['before any status\n', '\rstatus\x1b[K', '\r\x1b[Ka log line\nstatus']);
  });

  it('is cut to the terminal’s width (a wrapped line could not be redrawn) and cleared at the end', () => {
    const { writes, status } = terminal(20);
    status.draw('x'.repeat(50));
    expect(writes[0]).toBe(`\r${'x'.repeat(18)}…\x1b[K`);
    status.clear();
    status.clear();
    expect(writes.slice(1)).toEqual(['\r\x1b[K']);
    status.print('after');
    expect(writes.at(-1)).toBe('after\n');
  });
});
