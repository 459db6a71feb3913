/**
 * `rex export --to parquet`, read back with DuckDB (an independent reader) and compared with the
 * TOML file's values bit for bit: the column types, the null padding of shorter channels, the
 * timestamps, the units and the file's metadata (docs/export.md#parquet).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Field, TimeUnit, tableFromIPC, Type } from 'apache-arrow';
import { readParquet } from 'parquet-wasm/node';
import { parse } from 'smol-toml';
import { expect, it } from 'vitest';
import { timestampNanos } from '../../src/protocol/run-file/timestamps.js';
import { exportMixRun, referenceCopy } from '../helpers/export-run.js';
import { type RexWorkspace, runRex, type TomlTable, workspace } from '../helpers/rex-cli.js';

it('exports a real run: every corner value, ragged and fixed-size traces, padded channels, odd names', async () => {
  const ws = workspace();
  await expectExportMatches(ws, await exportMixRun(ws));
}, 30_000);

it("exports the original rex's reference file", async () => {
  const ws = workspace();
  await expectExportMatches(ws, referenceCopy(ws));
}, 30_000);

it('exports a hand-edited file: timestamps that are not RFC 3339 as nulls, with a warning; clashing column names made distinct', async () => {
  const ws = workspace();
  const file = referenceCopy(ws);
  fs.writeFileSync(file, handEdited(fs.readFileSync(file, 'utf8')));
  const stderr = await expectExportMatches(ws, file);
  const table = tableFromIPC(readParquet(fs.readFileSync(path.join(ws.dir, 'reference.test_daq.parquet'))).intoIPCStream());
  expect(table.schema.fields.map((f) => f.name)).toEqual([
    'x timestamp',
    'x timestamp timestamp',
    'x',
    'x timestamp_3',
    'x timestamp_2',
    'x timestamp_2 timestamp',
    'trace (time (s))',
    'trace (time (s)) timestamp',
  ]);
  expect(stderr).toBe(
    `rex: warning: ${file}: device "test_daq", channel "x timestamp": 2 timestamps are not RFC 3339 (the first: "16-01-2026 19:35:37"), written as null\n`,
  );
}, 30_000);

/**
 * The reference file with test_daq's channels named `x`, `x timestamp`, `x timestamp_2` (each
 * clashing with the one before's timestamp column) and two of `x timestamp`'s timestamps in the
 * original rex's local form.
 */
function handEdited(text: string): string {
  const renamed = [
    ['counts', '"x timestamp"'],
    ['"current (mA)"', 'x'],
    ['"trace (signal)"', '"x timestamp_2"'],
  ];
  let edited = text;
  for (const [from, to] of renamed)
    edited = edited.replace(`[device.test_daq.data.${from}]`, `[device.test_daq.data.${to}]`).replace(`\n${from} = [`, `\n${to} = [`);
  return edited.replace('"2026-01-16T06:35:37.432315Z"', '"16-01-2026 19:35:37"').replace('"2026-01-16T06:35:47.446399Z"', '"sometime"');
}

/** Exports `file` through the CLI, then checks every device's Parquet file against the TOML. Returns stderr. */
async function expectExportMatches(ws: RexWorkspace, file: string): Promise<string> {
  const result = await runRex(ws, ['export', file, '--to', 'parquet']);
  expect(result.code, result.stderr).toBe(0);
  const written = result.stdout.trim().split('\n');
  const toml = parse(fs.readFileSync(file, 'utf8')) as TomlTable;
  expect(written).toHaveLength(Object.keys(toml.device).length);
  const duck = await DuckDBInstance.create(':memory:');
  const db = await duck.connect();
  const query = async (sql: string) => (await db.runAndReadAll(sql)).getRowsJS();
  try {
    for (const parquetFile of written) {
      const from = `'${parquetFile.replaceAll("'", "''")}'`;
      const kv = Object.fromEntries(
        (await query(`SELECT decode(key), decode(value) FROM parquet_kv_metadata(${from})`)) as [string, string][],
      );
      const { data = {}, timestamps = {}, ...config } = toml.device[kv['rex.device']!] as TomlTable;
      expectMetadata(kv, toml, config, data);

      const names = JSON.parse(kv['rex.columns']!) as Record<string, [string, string]>;
      const channels = Object.entries(data as TomlTable).map(([name, table]) => ({
        name,
        column: names[name]![0],
        stampColumn: names[name]![1],
        values: (table as TomlTable).data as unknown[],
        stamps: ((timestamps as TomlTable)[name] ?? []) as string[],
      }));
      // Two columns a channel, all distinct.
      expect(new Set(channels.flatMap((c) => [c.column, c.stampColumn])).size).toBe(2 * channels.length);
      const rows = Math.max(...channels.map((c) => Math.max(c.values.length, c.stamps.length)));
      const fields = arrowSchema(kv['ARROW:schema']!);
      const described = new Map((await query(`DESCRIBE SELECT * FROM read_parquet(${from})`)).map((r) => [r[0] as string, r[1] as string]));
      const columns = channels.flatMap((c) => [quote(c.column), `epoch_ns(${quote(c.stampColumn)})`]);
      const read = await query(`SELECT ${columns.join(', ')} FROM read_parquet(${from})`);
      const nanos = timestampsNs(parquetFile);
      expect(read).toHaveLength(rows);

      channels.forEach((channel, c) => {
        const trace = Array.isArray(channel.values[0]);
        const lengths = new Set(channel.values.map((v) => (v as unknown[]).length));
        const field = fields.get(channel.column)!;
        expect(field.metadata.get('unit')).toBe((data as TomlTable)[channel.name].unit);
        expect(field.metadata.get('rex.channel')).toBe(channel.name);
        // Fixed-size lists only when every row has one length and no row is padding.
        if (!trace) expect([field.typeId, described.get(channel.column)]).toEqual([Type.Float, 'DOUBLE']);
        else if (lengths.size === 1 && channel.values.length === rows) {
          expect(field.typeId).toBe(Type.FixedSizeList);
          expect(field.type.listSize).toBe([...lengths][0]);
        } else expect(field.typeId).toBe(Type.List);
        if (trace) expect(described.get(channel.column)).toBe('DOUBLE[]');
        const stampField = fields.get(channel.stampColumn)!;
        expect([stampField.typeId, stampField.type.unit, stampField.type.timezone]).toEqual([Type.Timestamp, TimeUnit.NANOSECOND, 'UTC']);
        expect(stampField.metadata.get('rex.channel')).toBe(channel.name);
        expect(described.get(channel.stampColumn)).toBe('TIMESTAMP WITH TIME ZONE');

        for (let row = 0; row < rows; row++) {
          const got = read[row]![2 * c];
          const want = channel.values[row];
          if (want === undefined) expect(got, `${channel.name}[${row}] pads`).toBeNull();
          else if (trace) expect((got as number[]).map(bits), `${channel.name}[${row}]`).toEqual((want as number[]).map(bits));
          else expect(bits(got as number), `${channel.name}[${row}]`).toBe(bits(want as number));

          const stamp = channel.stamps[row];
          const ns = stamp === undefined ? null : timestampNanos(stamp);
          // DuckDB holds microseconds; all nine digits are checked with Arrow's reader below.
          expect(read[row]![2 * c + 1], `${channel.name} timestamp[${row}]`).toBe(ns === null ? null : (ns / 1000n) * 1000n);
          expect(nanos.get(channel.stampColumn)![row], `${channel.name} timestamp[${row}] ns`).toBe(ns);
        }
      });
    }
  } finally {
    db.closeSync();
    duck.closeSync();
  }
  return result.stderr;
}

function expectMetadata(kv: Record<string, string>, toml: TomlTable, config: TomlTable, data: TomlTable): void {
  expect(kv['rex.session.uuid']).toBe(toml.session.UUID);
  expect(kv['rex.session.start_time']).toBe(toml.session.start_time);
  expect(kv['rex.session.end_time']).toBe(toml.session.end_time);
  expect(JSON.parse(kv['rex.session.info']!)).toEqual(toml.session.info);
  expect(JSON.parse(kv['rex.session.run']!)).toEqual(toml.session.run ?? {});
  expect(JSON.parse(kv['rex.device.config']!)).toEqual(config);
  expect(JSON.parse(kv['rex.units']!)).toEqual(Object.fromEntries(Object.entries(data).map(([name, t]) => [name, (t as TomlTable).unit])));
  expect(JSON.parse(kv['rex.results']!)).toEqual(toml.results ?? {});
}

/** The Arrow schema the writer stored in the file (an IPC schema message), by field name. */
function arrowSchema(base64: string): Map<string, Field> {
  const message = Buffer.from(base64, 'base64');
  const endOfStream = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  const { schema } = tableFromIPC(Buffer.concat([message, endOfStream]));
  return new Map(schema.fields.map((f) => [f.name, f]));
}

/** Every timestamp column's int64 nanoseconds (null where null), read by Arrow's Parquet reader. */
function timestampsNs(file: string): Map<string, (bigint | null)[]> {
  const table = tableFromIPC(readParquet(fs.readFileSync(file)).intoIPCStream());
  const columns = new Map<string, (bigint | null)[]>();
  for (const field of table.schema.fields) {
    if (field.typeId !== Type.Timestamp) continue;
    const values: (bigint | null)[] = [];
    for (const data of table.getChild(field.name)!.data) {
      const raw = data.values as BigInt64Array;
      for (let i = 0; i < data.length; i++) values.push(data.getValid(i) ? raw[data.offset + i]! : null);
    }
    columns.set(field.name, values);
  }
  return columns;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A double's bits, so that -0.0 and subnormals compare exactly (any NaN as NaN). */
function bits(value: number): bigint | 'NaN' {
  return Number.isNaN(value) ? 'NaN' : new BigUint64Array(new Float64Array([value]).buffer)[0]!;
}
