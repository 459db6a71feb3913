/**
 * `rex export FILE --to hdf5` through the real CLI, read back with Debian's h5py (read_h5.py) and
 * compared with the TOML, parsed here with smol-toml: every value bit for bit (NaN as NaN),
 * timestamps as int64 ns, units, device configs, session, run record and results.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { timestampNanos } from '../../src/protocol/run-file/timestamps.js';
import { exportMixRun, referenceCopy } from '../helpers/export-run.js';
import { pythonWith } from '../helpers/python-with.js';
import { REPO_ROOT, runRex, workspace } from '../helpers/rex-cli.js';

type Table = Record<string, unknown>;
interface H5Value {
  kind: string;
  dtype: string;
  shape: number[];
  values: string[];
}
interface H5Node extends Partial<H5Value> {
  attrs: Record<string, H5Value>;
  maxshape?: (number | null)[];
}
type H5File = Record<string, H5Node>;

const READER = path.join(REPO_ROOT, 'test/export/read_h5.py');
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function readH5(file: string): H5File {
  const out = execFileSync(pythonWith(['h5py']), [READER, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return (JSON.parse(out) as Record<string, H5File>)[file]!;
}

/** A float's bits as read_h5.py prints them; every NaN alike. */
function bits(x: number): string {
  return Number.isNaN(x) ? 'nan' : new BigUint64Array(Float64Array.of(x).buffer)[0]!.toString(16).padStart(16, '0');
}
const h5Bits = (hex: string) => (/^[7f]ff[0-9a-f]*$/.test(hex) && BigInt(`0x${hex}`) & 0xfffffffffffffn ? 'nan' : hex);

/** An attribute as the TOML value it stands for (booleans are int8 0/1). */
function attrValue(a: H5Value | undefined): unknown {
  if (!a) return undefined;
  const one = (v: string) => {
    if (a.kind === 'f') return new Float64Array(new BigUint64Array([BigInt(`0x${v}`)]).buffer)[0];
    if (a.kind === 'i') return a.dtype === '|i1' ? v === '1' : Number(v);
    return v;
  };
  return a.shape.length === 0 ? one(a.values[0]!) : a.values.map(one);
}
const tomlAttr = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);

function expectAttrs(node: H5Node, table: Table, prefix = ''): void {
  for (const [key, v] of Object.entries(table)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) expectAttrs(node, v as Table, `${prefix}${key}.`);
    else expect(attrValue(node.attrs[`${prefix}${key}`]), `${prefix}${key}`).toEqual(tomlAttr(v));
  }
}

/** The child group or dataset of `parent` whose `name` attribute is `name`. */
function child(h5: H5File, parent: string, name: string): [string, H5Node] {
  const found = Object.entries(h5).filter(([p, n]) => path.posix.dirname(p) === parent && n.attrs.name?.values[0] === name);
  expect(found, `${parent}: ${name}`).toHaveLength(1);
  return found[0]!;
}

/** The .h5 export of `toml` matches it. */
function expectSameRun(toml: string, h5: H5File): void {
  const doc = parse(fs.readFileSync(toml, 'utf8'), { integersAsBigInt: true }) as Table;
  expect(attrValue(h5['/']!.attrs.NX_class)).toBe('NXroot');
  expect(attrValue(h5['/']!.attrs.file_name)).toBe(path.basename(toml));
  expect(attrValue(h5['/']!.attrs.creator)).toBe(`rex-daq ${VERSION}`);
  const { info = {}, run = {}, ...times } = doc.session as Table;
  expect(attrValue(h5.entry!.attrs.NX_class)).toBe('NXentry');
  expectAttrs(h5.entry!, { ...times, ...(info as Table) });
  expectAttrs(h5['entry/run']!, run as Table);
  for (const [name, fields] of Object.entries((doc.results ?? {}) as Table))
    expectAttrs(child(h5, 'entry/results', name)[1], fields as Table);

  const devices = doc.device as Record<string, Table>;
  expect(Object.keys(h5).filter((p) => path.posix.dirname(p) === 'entry/instrument')).toHaveLength(Object.keys(devices).length);
  for (const [device, { data, timestamps, ...config }] of Object.entries(devices)) {
    const [group, node] = child(h5, 'entry/instrument', device);
    expectAttrs(node, config);
    for (const [channel, { data: values, unit }] of Object.entries(data as Record<string, { data: unknown[]; unit: string }>)) {
      const [dataset, ds] = child(h5, `${group}/data`, channel);
      expect(attrValue(ds.attrs.units), `${device}/${channel}`).toBe(unit);
      expect(ds.dtype).toBe('<f8');
      expect(ds.maxshape![0]).toBeNull();
      const rows = Array.isArray(values[0]) ? (values as unknown[][]) : null;
      const flat = (rows ? rows.flat() : values).map(Number);
      expect(ds.values!.map(h5Bits), `${device}/${channel}`).toEqual(flat.map(bits));
      const lengths = rows?.map((r) => r.length);
      if (!lengths) expect(ds.shape).toEqual([flat.length]);
      else if (lengths.every((l) => l === lengths[0])) expect(ds.shape).toEqual([lengths.length, lengths[0]]);
      else expect(h5[`${group}/row_lengths/${path.posix.basename(dataset)}`]!.values).toEqual(lengths.map(String));
      const stamps = h5[`${group}/timestamps/${path.posix.basename(dataset)}`]!;
      expect(attrValue(stamps.attrs.units)).toBe('ns since 1970-01-01T00:00:00Z');
      // NaT (INT64_MIN) where a timestamp is not RFC 3339.
      const expected = ((timestamps as Table)[channel] as string[]).map((t) => String(timestampNanos(t) ?? -(2n ** 63n)));
      expect(stamps.values, `${device}/${channel} timestamps`).toEqual(expected);
    }
  }
}

async function exportH5(ws: ReturnType<typeof workspace>, toml: string, ...more: string[]) {
  return runRex(ws, ['export', toml, '--to', 'hdf5', ...more]);
}

describe('rex export --to hdf5', () => {
  it('writes the real run so h5py reads back every value, timestamp, unit, config and result', async () => {
    const ws = workspace();
    const toml = await exportMixRun(ws);
    const result = await exportH5(ws, toml);
    expect(result.code, result.stderr).toBe(0);
    const target = toml.replace(/\.toml$/, '.h5');
    expect(result.stdout.trim()).toBe(target);
    const h5 = readH5(target);
    expectSameRun(toml, h5);
    // A `/` is escaped in a group name; `.`, spaces and parentheses are kept.
    expect(h5['entry/instrument/odd%2Fname.dev/data/a.b']).toBeDefined();
    expect(h5['entry/instrument/scope/data/trace (V)']!.shape).toEqual([3, 5]);
    expect(h5['entry/instrument/odd%2Fname.dev/data/ragged']!.shape).toEqual([8]);

    // Not over a file that is there, unless --force.
    const before = fs.readFileSync(target);
    const again = await exportH5(ws, toml);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect(fs.readFileSync(target).equals(before)).toBe(true);
    const inode = fs.statSync(target).ino;
    const forced = await exportH5(ws, toml, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.statSync(target).ino).not.toBe(inode);
    expect(fs.readFileSync(target).subarray(0, 8).toString('latin1')).toBe('\x89HDF\r\n\x1a\n');
  });

  it("writes the original rex's reference file", async () => {
    const ws = workspace();
    const toml = referenceCopy(ws);
    const result = await exportH5(ws, toml);
    expect(result.code, result.stderr).toBe(0);
    expectSameRun(toml, readH5(path.join(ws.dir, 'reference.h5')));
  });

  it('writes a timestamp that is not RFC 3339 as NaT, with a warning, and goes on', async () => {
    const ws = workspace();
    const toml = path.join(ws.dir, 'bad.toml');
    const text = fs.readFileSync(referenceCopy(ws), 'utf8').replace('"2026-01-16T06:35:37.432315Z"', '"16-01-2026 19:35:37"');
    fs.writeFileSync(toml, text);
    const result = await exportH5(ws, toml);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      `rex: warning: ${toml}: device "test_daq", channel "counts": a timestamp is not RFC 3339 (the first: "16-01-2026 19:35:37"), written as NaT (INT64_MIN)\n`,
    );
    const target = path.join(ws.dir, 'bad.h5');
    expectSameRun(toml, readH5(target));
    const nat = execFileSync(pythonWith(['h5py']), ['-c', NAT_READER, target], { encoding: 'utf8' });
    expect(nat.trim()).toBe('[False, True, False, False, False, False]');
  });
});

/** numpy's view of the timestamps of test_daq/counts as datetime64[ns]: which are NaT. */
const NAT_READER = `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as f:
    print(list(map(bool, np.isnat(f["entry/instrument/test_daq/timestamps/counts"][()].astype("datetime64[ns]")))))
`;
