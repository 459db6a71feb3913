// The lines of `-v 3` (a summary of each accepted line) and `-v 4` (the raw line, cut short).
import { describe, expect, it } from 'vitest';
import { RAW_LINE_CHARS, deviceLineSummary, rawLine, resultLineSummary, sessionLineSummary } from '../../src/actors/store/line-log.js';
import { createDeviceRegistry, mergeAndCommit } from '../../src/protocol/merge.js';
import type { DeviceMessage } from '../../src/protocol/messages.js';
import { encodeSkeletonBody } from '../../src/runtime/journal/line-body.js';
import { parseLineBytes } from '../../src/protocol/parse.js';

describe('line log', () => {
  it('sums up a device line: each channel with its unit, what the line added and the count so far', () => {
    const registry = createDeviceRegistry();
    const line = (values: number[]): DeviceMessage => ({
      device_name: 'dmm',
      device_config: {},
      channels: [
        { name: 'voltage', unit: 'V', data: { shape: 'single', values: Float64Array.from(values) } },
        { name: 'trace', unit: 'mV', data: { shape: 'multi', rows: [Float64Array.of(1, 2)] } },
      ],
    });
    const first = mergeAndCommit(registry, line([1, 2]), '2026-01-16T06:35:32Z');
    const second = mergeAndCommit(registry, line([3]), '2026-01-16T06:35:32Z');
    if (!first.ok || !second.ok) throw new Error('rejected');
    expect(deviceLineSummary(first)).toBe('device dmm: voltage [V] +2 (2 values), trace [mV] +1 (1 rows)');
    expect(deviceLineSummary(second)).toBe('device dmm: voltage [V] +1 (3 values), trace [mV] +1 (2 rows)');
  });

  it('sums up session and result lines', () => {
    expect(sessionLineSummary({ info: { name: 'Ada', email: 'a@b.c', session_name: 'S1', session_description: '' } })).toBe(
      'session "S1" by Ada <a@b.c>',
    );
    expect(resultLineSummary({ result_name: 'fit', result_description: '', result_status: false, result_value: 2.5 })).toBe(
      'result fit: fail (value 2.5)',
    );
  });

  it('shows a raw line cut to its first characters, with its size', () => {
    const long = `{"device_name":"d","device_config":{},"measurements":{"x":{"data":[${Array(500).fill('1.5').join(',')}],"unit":"V"}}}`;
    const shown = rawLine(Buffer.from(long));
    expect(shown.startsWith(`line (${long.length} bytes): ${long.slice(0, RAW_LINE_CHARS)}…`)).toBe(true);
    expect(shown.length).toBeLessThan(RAW_LINE_CHARS + 40);
    expect(rawLine(Buffer.from('{"a":1}'))).toBe('line (7 bytes): {"a":1}');
  });

  it('shows a big line journaled as parsed by its text, the bulk data left out', () => {
    const text = `{"device_name":"d","device_config":{},"measurements":{"x":{"data":[${Array(5000).fill('1.5').join(',')}],"unit":"V"}}}`;
    const { skeleton } = parseLineBytes(Buffer.from(text));
    if (!skeleton) throw new Error('no skeleton');
    const body = Buffer.concat(encodeSkeletonBody(skeleton));
    expect(rawLine(body)).toMatch(/^line \(\d+ bytes, bulk data left out\): \{"device_name":"d"/);
  });
});
