// The mail's summary of an output file, read in bounded memory from files rex's renderer writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KEPT_TEXT_BUDGET, OutputScanner, type OutputSummary } from '../../src/actors/mailer/output-scan.js';
import { summarizeOutputFile } from '../../src/actors/mailer/summary.js';
import { renderOutput, renderOutputToString } from '../../src/protocol/output/render.js';
import { memoryChannel, type MemoryChannel, type OutputSource } from '../../src/protocol/output/source.js';

const REFERENCE = fileURLToPath(new URL('../fixtures/reference/rex_output_example.toml', import.meta.url));

const stamps = (n: number): string[] => Array.from({ length: n }, (_, i) => `2026-01-16T06:35:${String(i % 60).padStart(2, '0')}Z`);

function source(overrides: Partial<OutputSource> = {}): OutputSource {
  const channels: MemoryChannel[] = [
    { name: 'counts', unit: 'dimensionless', shape: 'single', values: [1.5, 2.5, 3.5], timestamps: stamps(3) },
    {
      name: 'trace (V)',
      unit: 'V',
      shape: 'multi',
      rows: [
        [0.1, 0.2, 0.3],
        [0.4, 0.5, 0.6],
      ],
      timestamps: stamps(2),
    },
    { name: 'empty', unit: 'A', shape: 'undecided', values: [], timestamps: [] },
  ];
  return {
    devices: [
      // A config sub-table and a header that needs quoting must not confuse the channel count.
      { name: 'scope "A"', config: { gate_time: 1000, nested: { data: { x: 1 } } }, channels: channels.map(memoryChannel) },
      { name: 'idle', config: {}, channels: [] },
    ],
    results: [
      {
        result_name: 'fit',
        result_description: 'gaussian fit',
        result_status: true,
        result_value: 5.5,
        result_lower_bound: 0,
        result_upper_bound: 10,
        result_meta: { figure: 'fit.png' },
      },
      { result_name: 'noise <check>', result_description: 'rms below limit', result_status: false, result_value: 0.3 },
    ],
    session: {
      uuid: '230a9337-0f16-4677-b03d-1d4b360ade4f',
      start_time: '2026-01-16T06:35:32.421Z',
      end_time: '2026-01-16T06:36:02.532Z',
      info: { name: 'Jane', email: 'j@lab.org', session_name: 'Run 7', session_description: 'cool-down', meta: { sample: 'S1' } },
      run: { script: '/lab/run.py', status: 'script-exit', exit_code: 0, loop: 1, loops: 2 },
    },
    ...overrides,
  };
}

function scan(text: string, chunkSize = text.length || 1): OutputSummary {
  const scanner = new OutputScanner();
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunkSize) scanner.push(bytes.subarray(i, i + chunkSize));
  return scanner.finish();
}

describe('OutputScanner', () => {
  it('counts devices, channels and points, and reads results, session and run status', async () => {
    const summary = scan(await renderOutputToString(source()));
    expect(summary.devices).toEqual([
      {
        name: 'idle',
        channels: [],
      },
      {
        name: 'scope "A"',
        channels: [
          { name: 'counts', unit: 'dimensionless', shape: 'single', count: 3 },
          { name: 'empty', unit: 'A', shape: 'single', count: 0 },
          { name: 'trace (V)', unit: 'V', shape: 'multi', count: 2 },
        ],
      },
    ]);
    expect(summary.results).toEqual([
      { name: 'fit', description: 'gaussian fit', passed: true, value: 5.5, lowerBound: 0, upperBound: 10 },
      { name: 'noise <check>', description: 'rms below limit', passed: false, value: 0.3 },
    ]);
    expect(summary.session).toEqual({
      uuid: '230a9337-0f16-4677-b03d-1d4b360ade4f',
      startTime: '2026-01-16T06:35:32.421Z',
      endTime: '2026-01-16T06:36:02.532Z',
      name: 'Jane',
      email: 'j@lab.org',
      sessionName: 'Run 7',
      description: 'cool-down',
    });
    expect(summary.run).toEqual({ script: '/lab/run.py', status: 'script-exit', exitCode: 0, loop: 1, loops: 2 });
    expect(summary.skipped).toEqual([]);
  });

  it('gives the same summary whatever the chunking (down to one byte)', async () => {
    const text = await renderOutputToString(source());
    const whole = scan(text);
    for (const size of [1, 2, 3, 7, 64, 4096]) expect(scan(text, size)).toEqual(whole);
  });

  it("reads the original rex's own output file (one element per line inside trace rows)", () => {
    const text = fs.readFileSync(REFERENCE, 'utf8');
    const summary = scan(text, 1000);
    expect(summary.devices.map((d) => d.name)).toEqual(['test_daq', 'test_daq2']);
    expect(summary.devices[0]!.channels.map((c) => c.name)).toEqual(['counts', 'current (mA)', 'trace (signal)', 'trace (time (s))']);
    expect(summary.devices[0]!.channels[0]).toMatchObject({ unit: 'dimensionless', shape: 'single', count: 6 });
    const rows = (parse(text) as { device: { test_daq: { data: Record<string, { data: unknown[] }> } } }).device.test_daq.data[
      'trace (signal)'
    ]!.data.length;
    expect(summary.devices[0]!.channels[2]).toMatchObject({ unit: 'V', shape: 'multi', count: rows });
    expect(summary.session.sessionName).toBeTruthy();
  });

  it('holds neither the data nor a huge line: a 12 MB trace row is counted, not kept', async () => {
    const row = new Float64Array(1_500_000).map((_, i) => i * 1e-3);
    const big: OutputSource = source({
      devices: [
        {
          name: 'adc',
          config: {},
          channels: [memoryChannel({ name: 'raw', unit: 'V', shape: 'multi', rows: [row, row], timestamps: stamps(2) })],
        },
      ],
    });
    const scanner = new OutputScanner();
    let bytes = 0;
    for await (const chunk of renderOutput(big, { chunkChars: 1 << 20 })) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
      bytes += buffer.length;
      scanner.push(buffer);
      // What the scanner keeps of the line in progress stays a few bytes, however long the line.
      expect((scanner as unknown as { headBytes: number }).headBytes).toBeLessThanOrEqual(8);
    }
    expect(bytes).toBeGreaterThan(20_000_000);
    expect(scanner.finish().devices).toEqual([{ name: 'adc', channels: [{ name: 'raw', unit: 'V', shape: 'multi', count: 2 }] }]);
  });

  it('leaves out a small table that grew too large, and says so', async () => {
    const huge = { blob: 'x'.repeat(KEPT_TEXT_BUDGET + 10) };
    const summary = scan(
      await renderOutputToString(
        source({ results: [{ result_name: 'big', result_description: 'd', result_status: true, result_meta: huge }] }),
      ),
    );
    expect(summary.results).toEqual([]);
    expect(summary.skipped).toEqual(['results.big']);
    // The session after it is still read.
    expect(summary.session.sessionName).toBe('Run 7');
  });

  it('summarises a file on disk and knows its size', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-mail-scan-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'Run_7_16_01_2026_19_35_32_421.toml');
    const text = await renderOutputToString(source());
    fs.writeFileSync(file, text);
    const summary = await summarizeOutputFile(file);
    expect(summary.fileName).toBe('Run_7_16_01_2026_19_35_32_421.toml');
    expect(summary.fileBytes).toBe(Buffer.byteLength(text));
    expect(summary.results.map((r) => r.passed)).toEqual([true, false]);
  });
});
