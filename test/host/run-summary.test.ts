// What `rex run` says at its end at info: the duration; per iteration the devices with their
// channels, units and counts, the results with pass or fail, the output file and its size.
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/protocol/human-units.js';
import { formatDuration, journalLine, runSummaryLines, summaryDataLines } from '../../src/host/run/run-summary.js';
import type { IterationSummary } from '../../src/actors/store/index.js';

const summary = (loop: number, loops = 1): IterationSummary => ({
  loop,
  loops,
  messages: 9,
  devices: [
    {
      name: 'dmm',
      channels: [
        { name: 'voltage', unit: 'V', shape: 'single', count: 4 },
        { name: 'current', unit: 'mA', shape: 'single', count: 1 },
      ],
    },
    { name: 'scope', channels: [{ name: 'trace', unit: 'V', shape: 'multi', count: 4 }] },
  ],
  results: [
    { name: 'fit', pass: true },
    { name: 'range', pass: false },
  ],
});

describe('runSummaryLines', () => {
  it('one iteration: devices with channels, units and counts; results; the file and its size', () => {
    const lines = runSummaryLines({
      durationMs: 4_250,
      loops: 1,
      dryRun: false,
      iterations: [{ loop: 0, summary: summary(0), output: { file: '/data/run.toml', bytes: 2_160 } }],
    });
    expect(lines).toEqual([
      'the run took 4.3 s',
      '  device dmm: voltage [V] 4 values, current [mA] 1 value',
      '  device scope: trace [V] 4 rows',
      '  results: fit pass, range FAIL',
      '  output file: /data/run.toml (2.1 KiB)',
    ]);
  });

  it('several loops: one block each; a dry run, an iteration without data or without a summary say so', () => {
    const lines = runSummaryLines({
      durationMs: 125_000,
      loops: 3,
      dryRun: true,
      iterations: [
        { loop: 0, summary: summary(0, 3), output: null },
        { loop: 1, summary: { loop: 1, loops: 3, messages: 1, devices: [], results: [] }, output: null },
        { loop: 2, output: null },
        { loop: 3, summary: { loop: 3, loops: 3, messages: 0, devices: [], results: [] }, output: null },
      ],
    });
    expect(lines[0]).toBe('the run took 2 min 05 s');
    expect(lines).toContain('  loop 1/3:');
    expect(lines).toContain('    device scope: trace [V] 4 rows');
    expect(lines).toContain('    no data received (1 message)');
    // Nothing at all: most likely a script that does not use a rex client.
    expect(lines).toContain(
      '    no data received (0 messages): the script sent rex no line; a script sends its data through a rex client, to the port rex gives it in REX_PORT (docs/python-client.md)',
    );
    expect(lines.filter((l) => l === '    no output file (dry run)')).toHaveLength(4);
  });

  it('names at most 20 channels of a device', () => {
    const channels = Array.from({ length: 25 }, (_, i) => ({ name: `ch${i}`, unit: 'V', shape: 'single' as const, count: 1 }));
    const [, line] = runSummaryLines({
      durationMs: 1,
      loops: 1,
      dryRun: false,
      iterations: [
        { loop: 0, summary: { loop: 0, loops: 1, messages: 1, devices: [{ name: 'big', channels }], results: [] }, output: null },
      ],
    });
    expect(line).toMatch(/ch19 \[V\] 1 value, and 5 more channels$/);
  });

  it('counts the channels of a device whose summary lists only its first ones', () => {
    const channels = Array.from({ length: 20 }, (_, i) => ({ name: `ch${i}`, unit: 'V', shape: 'single' as const, count: 1 }));
    const [line] = summaryDataLines({ devices: [{ name: 'wide', channels, channelCount: 100_000 }], results: [] });
    expect(line).toMatch(/ch19 \[V\] 1 value, and 99980 more channels$/);
  });
});

describe('summaryDataLines', () => {
  it('for a file (rex show): no message count, and a result without a status says so', () => {
    expect(summaryDataLines({ devices: [], results: [{ name: 'fit', pass: undefined }] })).toEqual([
      'no data received',
      'results: fit no status',
    ]);
  });
});

describe('formats', () => {
  it('durations, sizes and the journal line', () => {
    expect([850, 4_250, 65_000, 7_260_000].map(formatDuration)).toEqual(['850 ms', '4.3 s', '1 min 05 s', '2 h 01 min']);
    expect([0, 1023, 1024, 2_253, 12 * 2 ** 20, 1.5 * 2 ** 30].map(formatBytes)).toEqual([
      '0 B',
      '1,023 B',
      '1.0 KiB',
      '2.2 KiB',
      '12.0 MiB',
      '1.5 GiB',
    ]);
    expect(journalLine('removed', '/d/.rex/u')).toBe('journal removed (/d/.rex/u)');
    expect(journalLine('kept', '/d/.rex/u')).toBe('journal kept in /d/.rex/u (`rex recover /d/.rex/u` rebuilds the output from it)');
    expect(journalLine('kept', '/d/.rex/u', 'clickhouse')).toBe(
      'journal kept in /d/.rex/u (`rex db push /d/.rex/u` stores the rest in ClickHouse)',
    );
  });
});
