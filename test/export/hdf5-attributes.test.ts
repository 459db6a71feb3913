/** The HDF5 export's names and attribute types (pure; the file itself: hdf5.test.ts). */
import { describe, expect, it } from 'vitest';
import { hdf5Name, tableAttrs } from '../../src/cli/export/hdf5-attributes.js';

describe('hdf5Name', () => {
  it('escapes what HDF5 forbids in a link name, and `%`, so distinct names stay distinct', () => {
    const names = ['odd/name.dev', '.', '', '%', '%2F', '/', '..', 'a.b', 'trace (V)'];
    expect(names.map(hdf5Name)).toEqual(['odd%2Fname.dev', '%2E', '%', '%25', '%252F', '%2F', '..', 'a.b', 'trace (V)']);
    expect(new Set(names.map(hdf5Name)).size).toBe(names.length);
  });
});

describe('tableAttrs', () => {
  it('flattens tables with `.`, types scalars and arrays (TOML integers int64, floats float64 even when integral), and moves reserved keys to toml.<key>', () => {
    const attrs = tableAttrs(
      {
        name: 'clash',
        s: 'text',
        on: true,
        n: 1000n,
        f: 1000,
        big: 2n ** 62n,
        x: 0.5,
        negzero: -0,
        huge: 1e300,
        meta: { sample: 'S-42', deep: { k: 1n } },
        floats: [1, 2.5],
        ints: [1n, 2n],
        strs: ['a', 'b'],
        flags: [true, false],
        mixed: [1n, 'a', [2n, Number.NaN], { k: 'v' }],
        empty: [],
      },
      new Set(['name']),
    );
    const byName = Object.fromEntries(attrs.map((a) => [a.name, [a.dtype, a.shape, a.data]]));
    expect(byName).toEqual({
      'toml.name': [null, [], 'clash'],
      s: [null, [], 'text'],
      on: ['<b', [], [1]],
      n: ['<q', [], [1000n]],
      f: ['<d', [], [1000]],
      big: ['<q', [], [2n ** 62n]],
      x: ['<d', [], [0.5]],
      negzero: ['<d', [], [-0]],
      huge: ['<d', [], [1e300]],
      'meta.sample': [null, [], 'S-42'],
      'meta.deep.k': ['<q', [], [1n]],
      floats: ['<d', [2], Float64Array.of(1, 2.5)],
      ints: ['<q', [2], BigInt64Array.of(1n, 2n)],
      strs: [null, [2], ['a', 'b']],
      flags: ['<b', [2], Int8Array.of(1, 0)],
      mixed: [null, [4], ['1', 'a', '[2, nan]', '{ "k" = "v" }']],
      empty: ['<d', [0], new Float64Array(0)],
    });
    expect(Object.is((byName.negzero![2] as number[])[0], -0)).toBe(true);
  });

  it('keeps both of a dotted key and the nested table it would flatten to', () => {
    expect(tableAttrs({ 'a.b': 1, a: { b: 2 } }).map((a) => a.name)).toEqual(['a.b', 'a.b#2']);
  });
});
