// The output TOML file (SPEC §5): parsed back with smol-toml (and Python's tomllib) and compared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import type { JsonObject, ResultMessage, SessionInfo } from '../../src/protocol/messages.js';
import {
  type OutputChunk,
  type RenderWarning,
  deviceConfigCollisions,
  renderOutput,
  renderOutputToString,
  resultMetaCollisions,
} from '../../src/protocol/output/render.js';
import { type MemoryChannel, type OutputSource, memoryChannel } from '../../src/protocol/output/source.js';
import { formatFloats } from '../../src/protocol/output/toml-values.js';

const REFERENCE = fileURLToPath(new URL('../fixtures/reference/rex_output_example.toml', import.meta.url));

type Tree = Record<string, unknown>;
/** smol-toml gives null-prototype objects; compare plain data. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
const read = (text: string): Tree => plain(parse(text)) as Tree;

function randomDoubles(count: number): Float64Array {
  const bytes = new Uint8Array(count * 8);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  const doubles = new Float64Array(bytes.buffer);
  for (const [i, v] of [0, -0, NaN, Infinity, -Infinity, 1e300, 5e-324, -5e-324, 1, 2 ** 60].entries()) doubles[i * 3] = v;
  return doubles;
}

function source(
  devices: { name: string; config?: JsonObject; channels: MemoryChannel[] }[],
  rest: Partial<OutputSource> = {},
): OutputSource {
  return {
    devices: devices.map((d) => ({ name: d.name, config: d.config ?? {}, channels: d.channels.map(memoryChannel) })),
    ...rest,
  };
}

const SESSION = {
  uuid: '230a9337-0f16-4677-b03d-1d4b360ade4f',
  start_time: '2026-01-16T06:35:32.421Z',
  end_time: '',
  info: { name: 'Jane', email: 'j@lab.org', session_name: 'Run 7', session_description: 'cool-down', meta: { sample: 'S1' } },
};

describe('the reference file', () => {
  it('data equivalent to the original output renders to the same tree', async () => {
    const reference = read(readFileSync(REFERENCE, 'utf8'));
    const devices = reference.device as Record<string, Tree>;
    const session = reference.session as Tree;
    const src: OutputSource = {
      devices: Object.entries(devices).map(([name, table]) => {
        const {
          data,
          timestamps,
          device_name: _n,
          ...config
        } = table as Tree & { data: Record<string, { data: unknown[]; unit: string }>; timestamps: Record<string, string[]> };
        return {
          name,
          config: config as JsonObject,
          channels: Object.entries(data).map(([channel, { data: values, unit }]) =>
            memoryChannel(
              Array.isArray(values[0])
                ? { name: channel, unit, shape: 'multi', rows: values as number[][], timestamps: timestamps[channel] ?? [] }
                : { name: channel, unit, shape: 'single', values: values as number[], timestamps: timestamps[channel] ?? [] },
            ),
          ),
        };
      }),
      session: {
        uuid: session.UUID as string,
        start_time: session.start_time as string,
        end_time: session.end_time as string,
        info: session.info as SessionInfo,
      },
    };
    const text = await renderOutputToString(src);
    expect(read(text)).toEqual(reference);
    // Same table headers in the same order as the original wrote them.
    const headers = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('['));
    expect(headers(text)).toEqual(headers(readFileSync(REFERENCE, 'utf8')));
    // gate_time = 1000 stays an integer.
    expect(text).toContain('\ngate_time = 1000\n');
  });
});

describe('layout', () => {
  it('writes the SPEC example layout', async () => {
    const results: ResultMessage[] = [
      {
        result_name: 'fit',
        result_description: 'gaussian fit',
        result_status: true,
        result_lower_bound: 0,
        result_upper_bound: 10,
        result_value: 5.5,
        result_meta: { figure: 'fit.png' },
      },
    ];
    const text = await renderOutputToString(
      source(
        [
          {
            name: 'scope',
            config: { gate_time: 1000 },
            channels: [
              {
                name: 'counts',
                unit: 'dimensionless',
                shape: 'single',
                values: [1.5, 2.25],
                timestamps: ['2026-01-16T06:35:32.423257Z', '2026-01-16T06:35:37.5Z'],
              },
              {
                name: 'trace',
                unit: 'V',
                shape: 'multi',
                rows: [
                  [0.1, 0.2],
                  [0.3, 0.4],
                ],
                timestamps: ['2026-01-16T06:35:32.423257Z', '2026-01-16T06:35:37.5Z'],
              },
            ],
          },
        ],
        { results, session: SESSION },
      ),
    );
    expect(read(text)).toEqual({
      device: {
        scope: {
          device_name: 'scope',
          gate_time: 1000,
          data: {
            counts: { data: [1.5, 2.25], unit: 'dimensionless' },
            trace: {
              data: [
                [0.1, 0.2],
                [0.3, 0.4],
              ],
              unit: 'V',
            },
          },
          timestamps: {
            counts: ['2026-01-16T06:35:32.423257Z', '2026-01-16T06:35:37.5Z'],
            trace: ['2026-01-16T06:35:32.423257Z', '2026-01-16T06:35:37.5Z'],
          },
        },
      },
      results: {
        fit: {
          figure: 'fit.png',
          result_description: 'gaussian fit',
          result_lower_bound: 0,
          result_status: true,
          result_upper_bound: 10,
          result_value: 5.5,
        },
      },
      session: { UUID: SESSION.uuid, end_time: '', start_time: SESSION.start_time, info: { ...SESSION.info } },
    });
    // Result numbers are floats in the text, as the original's f64 fields.
    expect(text).toContain('result_lower_bound = 0.0\n');
    expect(text).toContain('result_upper_bound = 10.0\n');
    // Root tables in sorted order.
    const roots = text
      .split('\n')
      .filter((l) => l.startsWith('['))
      .map((l) => l.slice(1, -1).split('.')[0]);
    expect([...new Set(roots)]).toEqual(['device', 'results', 'session']);
  });

  it('bounds and value appear only when given', async () => {
    const text = await renderOutputToString(source([], { results: [{ result_name: 'r', result_description: '', result_status: false }] }));
    expect(read(text)).toEqual({ results: { r: { result_description: '', result_status: false } } });
  });

  it('keys are sorted at every level, plain keys before sub-tables', async () => {
    const text = await renderOutputToString(
      source(
        [
          {
            name: 'd',
            config: { zeta: 1, Alpha: 2, beta: { z: 1, a: 2, m: { y: 1, b: 2 } }, aaa: [3] },
            channels: [
              { name: 'z', unit: 'u', shape: 'single', values: [1], timestamps: ['2026-01-01T00:00:00Z'] },
              { name: 'a', unit: 'u', shape: 'single', values: [1], timestamps: ['2026-01-01T00:00:00Z'] },
            ],
          },
        ],
        { session: { ...SESSION, run: { script: 'x.py', git: { dirty: false, commit: 'abc' }, exit_code: 0 } } },
      ),
    );
    const headers = text.split('\n').filter((l) => l.startsWith('['));
    expect(headers).toEqual([
      '[device.d]',
      '[device.d.beta]',
      '[device.d.beta.m]',
      '[device.d.data.a]',
      '[device.d.data.z]',
      '[device.d.timestamps]',
      '[session]',
      '[session.info]',
      '[session.info.meta]',
      '[session.run]',
      '[session.run.git]',
    ]);
    const deviceKeys = text
      .split('[device.d]\n')[1]
      ?.split('\n\n')[0]
      ?.split('\n')
      .map((l) => l.split(' = ')[0]);
    expect(deviceKeys).toEqual(['Alpha', 'aaa', 'device_name', 'zeta']);
    expect(text).toContain('[device.d.beta]\na = 2\nz = 1\n');
    expect(text).toContain('[device.d.timestamps]\na = [');
  });

  it('a device without channels still has data and timestamps tables; an undecided channel is []', async () => {
    const text = await renderOutputToString(
      source([
        { name: 'empty', channels: [] },
        { name: 'pending', channels: [{ name: 'e', unit: 'V', shape: 'undecided', values: [], timestamps: [] }] },
      ]),
    );
    expect(read(text)).toEqual({
      device: {
        empty: { device_name: 'empty', data: {}, timestamps: {} },
        pending: { device_name: 'pending', data: { e: { data: [], unit: 'V' } }, timestamps: { e: [] } },
      },
    });
  });

  it('an empty source is an empty file; a session without info has only its own keys', async () => {
    expect(await renderOutputToString({ devices: [] })).toBe('');
    const text = await renderOutputToString({ devices: [], session: { uuid: 'u', start_time: 's', end_time: 'e' } });
    expect(read(text)).toEqual({ session: { UUID: 'u', start_time: 's', end_time: 'e' } });
  });
});

describe('values', () => {
  it('floats read back bit-identical in single and multi channels', async () => {
    const values = randomDoubles(30_000);
    const rows = [values.subarray(0, 1000), values.subarray(1000, 1001), new Float64Array(0), values.subarray(1001, 30_000)];
    const text = await renderOutputToString(
      source([
        {
          name: 'd',
          channels: [
            { name: 's', unit: 'V', shape: 'single', values, timestamps: [] },
            { name: 'm', unit: 'V', shape: 'multi', rows, timestamps: [] },
          ],
        },
      ]),
      { chunkChars: 4096 },
    );
    const data = (read(text).device as Tree).d as { data: { s: { data: number[] }; m: { data: number[][] } } };
    const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
      a.length === b.length && Array.prototype.every.call(a, (x: number, i: number) => Object.is(x, b[i]));
    expect(same(data.data.s.data, values)).toBe(true);
    expect(data.data.m.data.length).toBe(rows.length);
    for (const [i, row] of rows.entries()) expect(same(data.data.m.data[i] ?? [], row), `row ${i}`).toBe(true);
  });

  it('config and meta: integers stay integers, nulls are left out, nested objects become tables', async () => {
    const text = await renderOutputToString(
      source(
        [
          {
            name: 'd',
            config: {
              gate_time: 1000,
              ratio: 0.5,
              big: 2 ** 60,
              off: null,
              flags: [true, false],
              nested: { a: 1, gone: null, deeper: { b: 'x' } },
              list: [{ k: 1 }, { k: 2, n: null }],
            },
            channels: [],
          },
        ],
        {
          session: {
            ...SESSION,
            info: { ...SESSION.info, meta: { sample: 'S1', none: null, tags: ['a', 'b'], mixed: [1, 'a'], nums: [1, 2.5] } },
          },
        },
      ),
    );
    const tree = read(text);
    expect((tree.device as Tree).d).toEqual({
      device_name: 'd',
      gate_time: 1000,
      ratio: 0.5,
      big: 2 ** 60,
      flags: [true, false],
      nested: { a: 1, deeper: { b: 'x' } },
      list: [{ k: 1 }, { k: 2 }],
      data: {},
      timestamps: {},
    });
    expect(text).toContain('big = 1152921504606847000.0\n');
    expect(((tree.session as Tree).info as Tree).meta).toEqual({ sample: 'S1', tags: ['a', 'b'], mixed: ['1', '"a"'], nums: [1, 2.5] });
  });

  it('hostile names and strings are escaped and read back the same', async () => {
    const names = ['a.b', 'x "quoted" \\ back', 'tab\there', 'new\nline', 'ünï 😀', '', '[brackets]', "it's"];
    const text = await renderOutputToString(
      source(
        names.map((name, i) => ({
          name,
          config: { [name]: name },
          channels: [{ name, unit: name, shape: 'single' as const, values: [i], timestamps: [name] }],
        })),
        { results: names.map((name) => ({ result_name: name, result_description: name, result_status: true })) },
      ),
    );
    const tree = read(text);
    for (const [i, name] of names.entries()) {
      const dev = (tree.device as Record<string, Tree>)[name];
      expect(dev, JSON.stringify(name)).toMatchObject({
        device_name: name,
        [name]: name,
        data: { [name]: { data: [i], unit: name } },
        timestamps: { [name]: [name] },
      });
      expect((tree.results as Record<string, Tree>)[name]?.result_description).toBe(name);
    }
  });
});

describe('rex keys win over colliding user keys', () => {
  it('device_config keys device_name, data and timestamps are left out, with warnings', async () => {
    const config = { device_name: 'fake', data: { x: 1 }, timestamps: 5, gate_time: 1, none: null };
    expect(deviceConfigCollisions(config).sort()).toEqual(['data', 'device_name', 'timestamps']);
    const warnings: RenderWarning[] = [];
    const text = await renderOutputToString(
      source([{ name: 'real', config, channels: [{ name: 'c', unit: 'V', shape: 'single', values: [1], timestamps: ['t'] }] }]),
      { onWarning: (w) => warnings.push(w) },
    );
    expect((read(text).device as Tree).real).toEqual({
      device_name: 'real',
      gate_time: 1,
      data: { c: { data: [1], unit: 'V' } },
      timestamps: { c: ['t'] },
    });
    expect(warnings.map((w) => [w.code, w.table, w.key]).sort()).toEqual([
      ['reserved-key', 'device.real', 'data'],
      ['reserved-key', 'device.real', 'device_name'],
      ['reserved-key', 'device.real', 'timestamps'],
    ]);
  });

  it('result_meta keys named like result fields are left out, with warnings', async () => {
    const meta = { result_status: false, result_value: 'no', result_name: 'x', figure: 'f.png' };
    expect(resultMetaCollisions(meta).sort()).toEqual(['result_name', 'result_status', 'result_value']);
    const warnings: RenderWarning[] = [];
    const text = await renderOutputToString(
      source([], { results: [{ result_name: 'fit', result_description: 'd', result_status: true, result_meta: meta }] }),
      { onWarning: (w) => warnings.push(w) },
    );
    expect((read(text).results as Tree).fit).toEqual({ result_description: 'd', result_status: true, figure: 'f.png' });
    expect(warnings.map((w) => w.key).sort()).toEqual(['result_name', 'result_status', 'result_value']);
  });
});

describe('streaming', () => {
  it('yields chunks before the source is exhausted: data as bytes, text at least chunkChars long unless data follows', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sourceDone = false;
    const big = Float64Array.from({ length: 100_000 }, (_, i) => i + 0.5); // more runs than are formatted ahead
    const src: OutputSource = {
      devices: [
        {
          name: 'd',
          config: {},
          channels: [
            {
              name: 'c',
              unit: 'V',
              shape: 'single',
              values: async function* () {
                yield big;
                await gate; // the rest only comes once the consumer has seen output
                yield big;
                sourceDone = true;
              },
              timestamps: async function* () {
                yield new Array<string>(200_000).fill('2026-01-16T06:35:32.423257Z');
              },
            },
          ],
        },
      ],
    };
    const chunks: OutputChunk[] = [];
    const iterator = renderOutput(src, { chunkChars: 64 * 1024 })[Symbol.asyncIterator]();
    const first = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no chunk before the source finished')), 5000)),
    ]);
    expect(sourceDone).toBe(false);
    expect(first.done).toBe(false);
    chunks.push(first.value as OutputChunk);
    release();
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) chunks.push(r.value);
    expect(sourceDone).toBe(true);
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.some((c) => typeof c !== 'string')).toBe(true);
    chunks.slice(0, -1).forEach((c, i) => {
      if (typeof c === 'string' && typeof chunks[i + 1] === 'string') expect(c.length).toBeGreaterThanOrEqual(64 * 1024);
    });
    const tree = read(chunks.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('latin1'))).join(''));
    const channel = (tree.device as Tree).d as { data: { c: { data: number[] } }; timestamps: { c: string[] } };
    expect(channel.data.c.data.length).toBe(200_000);
    expect(channel.timestamps.c.length).toBe(200_000);
  });
});

describe('other readers', () => {
  it("Python's tomllib reads the file with the same values, bit for bit", async () => {
    const values = randomDoubles(2000);
    const text = await renderOutputToString(
      source(
        [
          {
            name: 'd "q"',
            config: { gate_time: 1000, nested: { 'a.b': [1, 2] } },
            channels: [
              {
                name: 'trace (V)',
                unit: 'V',
                shape: 'multi',
                rows: [values.subarray(0, 10), values.subarray(10)],
                timestamps: ['t0', 't1'],
              },
              { name: 'c', unit: 'ü', shape: 'single', values, timestamps: [] },
            ],
          },
        ],
        { session: { ...SESSION, info: { ...SESSION.info, meta: { tags: ['x', 'y'], mixed: [1, 'a'], n: { deep: true } } } } },
      ),
    );
    const script = [
      'import sys, tomllib, struct, json, math',
      'def enc(v):',
      '    if isinstance(v, bool): return v',
      '    if isinstance(v, float): return "nan" if math.isnan(v) else struct.pack(">d", v).hex()',
      '    if isinstance(v, dict): return {k: enc(x) for k, x in v.items()}',
      '    if isinstance(v, list): return [enc(x) for x in v]',
      '    return v',
      'print(json.dumps(enc(tomllib.loads(sys.stdin.read()))))',
    ].join('\n');
    const fromPython = JSON.parse(
      execFileSync('python3', ['-c', script], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
    ) as Tree;
    const hex = (v: number): string => {
      if (Number.isNaN(v)) return 'nan';
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, v);
      return view.getBigUint64(0).toString(16).padStart(16, '0');
    };
    const dev = (fromPython.device as Record<string, Tree>)['d "q"'] as {
      gate_time: number;
      nested: Tree;
      data: Record<string, { data: unknown[]; unit: string }>;
    };
    expect(dev.gate_time).toBe(1000);
    expect(dev.nested).toEqual({ 'a.b': [1, 2] });
    expect(dev.data.c?.data).toEqual(Array.from(values, hex));
    expect(dev.data.c?.unit).toBe('ü');
    expect(dev.data['trace (V)']?.data).toEqual([Array.from(values.subarray(0, 10), hex), Array.from(values.subarray(10), hex)]);
    expect(((fromPython.session as Tree).info as Tree).meta).toEqual({ tags: ['x', 'y'], mixed: ['1', '"a"'], n: { deep: true } });
  });
});

describe('data formatted elsewhere (formatFloats, as the file-writer does on a second core)', () => {
  it('runs that come back late and out of order still give the very same file', async () => {
    const long = randomDoubles(40_000); // several runs
    const rows = [randomDoubles(9_000), new Float64Array(0), randomDoubles(3), randomDoubles(16_385), randomDoubles(4_097)];
    const src = source([
      {
        name: 'scope',
        channels: [
          { name: 'flat', unit: 'V', shape: 'single', values: long, timestamps: Array.from({ length: long.length }, () => 't') },
          { name: 'rows', unit: 'V', shape: 'multi', rows, timestamps: rows.map(() => 't') },
        ],
      },
    ]);
    const expected = await renderOutputToString(src, { chunkChars: 1024 });
    let calls = 0;
    const late = await renderOutputToString(src, {
      chunkChars: 1024,
      formatFloats: async (values, separator) => {
        const copy = values.slice();
        // Later runs finish first: every other run waits longer than the ones after it.
        await new Promise((resolve) => setTimeout(resolve, calls++ % 2 === 0 ? 5 : 0));
        return formatFloats(copy, separator);
      },
    });
    expect(calls).toBeGreaterThan(5);
    expect(late).toBe(expected);
  });
});

// Issue 14: a config of millions of keys or a line of 100,000 channels is rendered while the
// file-writer must keep answering (heartbeats, bus requests): the renderer pauses for the caller's
// event loop every few thousand keys, even before its first chunk, and pausing changes no byte.
describe('pausing for the event loop', () => {
  it('a 100,000-key config and 10,000 channels: timers fire before the first chunk, the text is the same', async () => {
    const config: JsonObject = {};
    for (let i = 0; i < 100_000; i++) {
      const j = (i * 7919) % 100_000; // not in order
      config[`k${j}`] = j % 3 === 0 ? null : j;
    }
    config['ключ 🔑'] = { nested: [1, 2.5] };
    const channels = Array.from(
      { length: 10_000 },
      (_, i): MemoryChannel => ({ name: `c${i}`, unit: 'V', shape: 'single', values: [i], timestamps: ['t'] }),
    );
    const src = () => source([{ name: 'd', config, channels }], { session: SESSION });

    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const chunks = renderOutput(src(), { pause: () => new Promise((resolve) => setImmediate(resolve)) });
    const first = await chunks.next();
    const ticksBeforeFirstChunk = ticks;
    let text = typeof first.value === 'string' ? first.value : Buffer.from(first.value as Uint8Array).toString('latin1');
    for await (const chunk of chunks) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    clearInterval(timer);

    expect(ticksBeforeFirstChunk).toBeGreaterThan(0);
    expect(text).toBe(await renderOutputToString(src()));
    expect(text).toContain('\nk10 = 10\nk100 = 100\nk1000 = 1000\nk10000 = 10000\n'); // sorted
    expect(text).not.toContain('\nk9 ='); // null: left out
    expect(text).toContain('\n[device.d.data.c9999]\ndata = [\n    9999.0,\n]\n');
  });
});
