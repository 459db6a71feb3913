// The lines of `-v 3` (a summary of each accepted line) and `-v 4` (the raw line, cut short).
import { describe, expect, it } from 'vitest';
import { RAW_LINE_CHARS, deviceLineSummary, rawLine, resultLineSummary, sessionLineSummary } from '../../src/actors/store/line-log.js';
import { type MergeAccepted, createDeviceRegistry, mergeAndCommit } from '../../src/protocol/merge.js';
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

  it("sums up a new device's table line from its columns, as its channels' effects would", () => {
    const channels = Array.from({ length: 3_000 }, (_, i) => `"ch${i}": {"data": [${i % 7 === 0 ? '' : `${i}.5`}], "unit": "V${i % 3}"}`);
    const text = `{"device_name": "wide", "device_config": {}, "measurements": {${channels.join(', ')}}}`;
    const { parsed, skeleton } = parseLineBytes(Buffer.from(text));
    if (parsed.kind !== 'device') throw new Error(`not a device line: ${parsed.kind}`);
    const merged = mergeAndCommit(createDeviceRegistry(), parsed.message, '2026-01-16T06:35:32Z');
    if (!merged.ok) throw new Error(merged.reason);
    expect(skeleton && merged.freshTable).toBeTruthy(); // kept as a table: the case the summary reads from the columns
    const fromEffects = merged.effects
      .slice(0, 8)
      .map(
        ({ channel, unit, shape, after }) =>
          `${channel} [${unit}] +${after.count} (${after.count} ${shape === 'multi' ? 'rows' : 'values'})`,
      );
    // The same outcome whose effects may not be asked for: the summary must not decide the table again.
    const effectsForbidden = Object.defineProperties(
      {},
      { ...Object.getOwnPropertyDescriptors(merged), effects: { get: () => expect.unreachable('effects decided again') } },
    ) as MergeAccepted;
    const summary = deviceLineSummary(effectsForbidden);
    expect(summary).toBe(`device wide: ${fromEffects.join(', ')}, and 2992 more channels`);
    expect(summary).toMatch(/^device wide: ch0 \[V0\] \+0 \(0 values\), ch1 \[V1\] \+1 \(1 values\), /);
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
