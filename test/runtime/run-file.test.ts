/**
 * The output-file reader (`openRunFile`): its index and streamed values agree with an independent
 * TOML parser (smol-toml) bit for bit, on a real run's file, the original rex's reference file and
 * a file using TOML's rarer forms, however the reads cut the file; bad files get errors naming
 * the file and line.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, test } from 'vitest';
import { openRunFile } from '../../src/runtime/run-file/open-run-file.js';
import type { RunFile } from '../../src/runtime/run-file/run-file.js';
import { exportMixRun, REFERENCE_OUTPUT } from '../helpers/export-run.js';
import { workspace } from '../helpers/rex-cli.js';

type Doc = Record<string, any>;

/** Every channel's values, rows and timestamps as the reader streams them. */
async function readAll(run: RunFile, chunk: number) {
  const channels: Record<string, { data: number[] | number[][]; timestamps: string[] }> = {};
  for (const device of run.devices) {
    for (const channel of device.channels) {
      const data: any[] = [];
      if (channel.shape === 'single') for await (const values of run.values(channel, chunk)) data.push(...values);
      else for await (const rows of run.rows(channel, chunk)) data.push(...rows.map((row) => [...row]));
      const timestamps: string[] = [];
      for await (const texts of run.timestamps(channel, chunk)) timestamps.push(...texts);
      channels[`${device.name}/${channel.name}`] = { data, timestamps };
    }
  }
  return channels;
}

/** The same from smol-toml's parse of the whole file. */
function expected(doc: Doc) {
  const channels: Record<string, { data: unknown[]; timestamps: string[] }> = {};
  for (const [device, table] of Object.entries<Doc>(doc.device ?? {})) {
    for (const [name, channel] of Object.entries<Doc>(table.data ?? {})) {
      channels[`${device}/${name}`] = { data: channel.data ?? [], timestamps: (table.timestamps?.[name] ?? []).map(String) };
    }
  }
  return channels;
}

/** Deep equality with floats compared by their bits (NaN = NaN, -0 ≠ 0). */
function expectBitIdentical(got: unknown, want: unknown, where = ''): void {
  if (typeof want === 'number') {
    expect(typeof got, where).toBe('number');
    expect(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${where}: ${got} vs ${want}`).toBe(true);
  } else if (Array.isArray(want)) {
    expect(Array.isArray(got), where).toBe(true);
    expect((got as unknown[]).length, where).toBe(want.length);
    for (const [i, w] of want.entries()) expectBitIdentical((got as unknown[])[i], w, `${where}[${i}]`);
  } else expect(got, where).toEqual(want);
}

async function expectAgreesWithSmolToml(file: string, readBytes?: number): Promise<RunFile> {
  const doc = parse(fs.readFileSync(file, 'utf8'), { integersAsBigInt: true }) as Doc;
  const run = await openRunFile(file, { readBytes });
  try {
    expectBitIdentical(await readAll(run, 3), expected(doc));
    for (const device of run.devices) {
      const { data: _d, timestamps: _t, ...config } = doc.device[device.name];
      expect(device.config).toEqual(config);
      for (const channel of device.channels) {
        const want = doc.device[device.name].data[channel.name];
        expect(channel.unit).toBe(want.unit);
        expect(channel.count).toBe(want.data.length);
        expect(channel.points).toBe(want.data.flat().length);
        expect(channel.timestampCount).toBe(doc.device[device.name].timestamps?.[channel.name]?.length ?? 0);
      }
    }
    expect(run.session.info).toEqual(doc.session?.info ?? {});
    expect(run.session.run).toEqual(doc.session?.run ?? {});
    expect(run.session.uuid).toBe(doc.session?.UUID);
    expect(Object.fromEntries(run.results.map((r) => [r.name, r.fields]))).toEqual(doc.results ?? {});
    expect(run.bytes).toBe(fs.statSync(file).size);
    return run;
  } finally {
    await run.close();
  }
}

describe('openRunFile', () => {
  test("a real run's file: shapes, counts and every value bit for bit, with reads of any size", async () => {
    const file = await exportMixRun(workspace());
    const run = await expectAgreesWithSmolToml(file);
    const scope = run.devices.find((d) => d.name === 'scope')!;
    const odd = run.devices.find((d) => d.name === 'odd/name.dev')!;
    expect(scope.channels.map((c) => [c.name, c.shape, c.count, c.rowLength])).toEqual([
      ['counts', 'single', 3, null],
      ['trace (V)', 'trace', 3, 5],
    ]);
    expect(odd.channels.find((c) => c.name === 'ragged')).toMatchObject({ shape: 'trace', count: 3, points: 8, rowLength: null });
    expect(run.results.map((r) => [r.name, r.pass])).toEqual([
      ['check', false],
      ['fit', true],
    ]);
    // Reads of 1 to 7 bytes cut every token (keys, numbers, strings, headers) somewhere.
    for (const readBytes of [1, 2, 3, 5, 7, 64]) await expectAgreesWithSmolToml(file, readBytes);
  });

  test("the original rex's reference file", async () => {
    const run = await expectAgreesWithSmolToml(REFERENCE_OUTPUT);
    expect(run.session.startTime).toBe('16-01-2026 19:35:32.421');
    expect(run.devices.map((d) => d.channels.length)).toEqual([4, 4]);
    await expectAgreesWithSmolToml(REFERENCE_OUTPUT, 5);
  });

  test("TOML's rarer forms: dotted keys, inline tables, literal and multi-line strings, escapes, comments, integers in other bases", async () => {
    const ws = workspace();
    const file = path.join(ws.dir, 'rare.toml');
    fs.writeFileSync(
      file,
      [
        '# a comment before anything',
        '[device."dev ice"]',
        'device_name = "dev ice"   # trailing comment',
        "literal = 'C:\\no\\escapes'",
        'escaped = "tab\\t quote\\" unicode\\u00e9 \\U0001F600"',
        'multi = """',
        'first line \\',
        '    joined"""',
        "raw = '''",
        "two ''quotes'' and ]] brackets'''",
        'inline = { a = 1, b.c = [1, 2, { d = "e" }], f = "}" }',
        'hex = 0xff',
        'octal = 0o17',
        'binary = 0b101',
        'big = 9_007_199_254_740_993',
        'under = 1_000.5',
        'bools = [true, false]',
        'sci = -1.5E-3',
        '',
        '[device."dev ice".data.x]',
        'unit = "V"',
        'data = [ # values, with comments and odd spacing',
        '  1.0,2.5 ,   -inf,',
        '  +inf, nan, -0.0, 5e-324 , # last',
        ']',
        '',
        '[device."dev ice".data."y ]"]',
        'data = [[1.0, 2.0], [ 3.0 ,4.0,],]',
        'unit = "]\\"["',
        '',
        '[device."dev ice".timestamps]',
        'x = ["a]", "b\\"", \'c"\', """d""", "e", "f", "g"]',
        '"y ]" = [',
        '  "2026-01-16T06:35:32Z",',
        '  "2026-01-16T06:35:33Z",',
        ']',
        '',
        '[session]',
        'UUID = "u"',
        'info.session_name = "dotted"',
        'info.meta = { nested = { deep = [1.5, 2.5] } }',
      ].join('\n'),
    );
    const run = await expectAgreesWithSmolToml(file);
    expect(run.devices[0]!.config.big).toBe(9007199254740993n);
    for (const readBytes of [1, 2, 4]) await expectAgreesWithSmolToml(file, readBytes);
  });

  test('a bad file is refused with the file and the line named', async () => {
    const ws = workspace();
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(ws.dir, name), text);
      return path.join(ws.dir, name);
    };
    await expect(openRunFile(path.join(ws.dir, 'missing.toml'))).rejects.toThrow(/missing\.toml: no such file/);
    await expect(openRunFile(ws.dir)).rejects.toThrow(/not a file/);
    // A FIFO would wait for a writer for ever (`rex show`, `rex export`).
    execFileSync('mkfifo', [path.join(ws.dir, 'fifo.toml')]);
    await expect(openRunFile(path.join(ws.dir, 'fifo.toml'))).rejects.toThrow(/fifo\.toml: not a file/);
    await expect(openRunFile(write('syntax.toml', '[session]\nUUID = "u"\nend_time = \n'))).rejects.toThrow(
      /syntax\.toml:3: a key without a value/,
    );
    await expect(openRunFile(write('cut.toml', '[device.d.data.c]\ndata = [1.0, 2.0'))).rejects.toThrow(
      /cut\.toml:2: the file ends inside a value/,
    );
    await expect(openRunFile(write('word.toml', '[session]\nUUID = nope\n'))).rejects.toThrow(/word\.toml:2: not a TOML value: "nope"/);
    await expect(openRunFile(write('twice.toml', '[session]\nUUID = "a"\nUUID = "b"\n'))).rejects.toThrow(
      /twice\.toml: \[session\] UUID is defined twice/,
    );
    await expect(openRunFile(write('mixed.toml', '[device.d.data.c]\ndata = [1.0, [2.0]]\n'))).rejects.toThrow(
      /device d channel c: data is neither values nor rows/,
    );
    // A value that is not a number is found when the channel is read.
    const run = await openRunFile(write('text.toml', '[device.d.data.c]\ndata = [1.0, "two"]\n'));
    const read = async () => {
      for await (const _ of run.values(run.devices[0]!.channels[0]!)) {
        // reading is the test
      }
    };
    await expect(read()).rejects.toThrow(/text\.toml: device d channel c data: "two" is not a number/);
    await run.close();
  });
});
