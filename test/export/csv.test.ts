/**
 * `rex export --to csv` through the real CLI, read back by Debian's pandas and compared with the
 * TOML (parsed here by smol-toml) bit for bit: every value, its channel, unit, row, index and
 * timestamp (docs/export.md, "CSV").
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sanitizeSessionName } from '../../src/protocol/output/file-name.js';
import { exportMixRun, referenceCopy } from '../helpers/export-run.js';
import { pythonWith } from '../helpers/python-with.js';
import { type RexWorkspace, readToml, runRex, type TomlTable, workspace } from '../helpers/rex-cli.js';

/** Reads each CSV as docs/export.md says to; prints its records with each value's bits in hex. */
const PANDAS_READER = `
import json, math, struct, sys
import pandas as pd
out = {}
for path in sys.argv[1:]:
    df = pd.read_csv(path, float_precision="round_trip", keep_default_na=False, na_values={"value": ["nan"]},
                     dtype={"channel": str, "unit": str, "timestamp": str})
    assert list(df.columns) == ["channel", "unit", "row", "index", "timestamp", "value"], list(df.columns)
    assert str(df["value"].dtype) == "float64", df["value"].dtype
    out[path] = [[r.channel, r.unit, int(r.row), int(r[3]), r.timestamp, "nan" if math.isnan(r.value) else struct.pack(">d", r.value).hex()]
                 for r in df.itertuples(index=False)]
print(json.dumps(out))
`;

type CsvRecord = [channel: string, unit: string, row: number, index: number, timestamp: string, bits: string];

function bits(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  return new BigUint64Array(new Float64Array([x]).buffer)[0]!.toString(16).padStart(16, '0');
}

/** The records the CSV of `device` must hold, from the TOML as smol-toml reads it. */
function expectedRecords(doc: TomlTable, device: string): CsvRecord[] {
  const table = doc.device[device];
  const records: CsvRecord[] = [];
  for (const [name, channel] of Object.entries<TomlTable>(table.data ?? {})) {
    const stamps: string[] = table.timestamps?.[name] ?? [];
    (channel.data as (number | number[])[]).forEach((value, row) => {
      const points = Array.isArray(value) ? value : [value];
      points.forEach((x, index) => {
        records.push([name, channel.unit ?? '', row, index, stamps[row] ?? '', bits(Number(x))]);
      });
    });
  }
  return records;
}

async function exportCsv(ws: RexWorkspace, file: string): Promise<string[]> {
  const result = await runRex(ws, ['export', file, '--to', 'csv']);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim().split('\n');
}

/** Exports `file` and checks every device's CSV against the TOML. Returns the CSV paths by device. */
async function exportAndCompare(ws: RexWorkspace, file: string): Promise<Map<string, string>> {
  const written = await exportCsv(ws, file);
  const doc = readToml(file);
  const stem = path.basename(file, '.toml');
  const byDevice = new Map(Object.keys(doc.device).map((d) => [d, path.join(path.dirname(file), `${stem}.${sanitizeSessionName(d)}.csv`)]));
  expect(written.sort()).toEqual([...byDevice.values()].sort());
  const read = JSON.parse(execFileSync(pythonWith(['pandas']), ['-c', PANDAS_READER, ...byDevice.values()], { encoding: 'utf8' }));
  const key = (r: CsvRecord) => `${r[0]}\u0000${String(r[2]).padStart(12, '0')}\u0000${String(r[3]).padStart(12, '0')}`;
  const sorted = (records: CsvRecord[]) => [...records].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  for (const [device, csv] of byDevice) {
    const expected = expectedRecords(doc, device);
    expect(expected.length).toBeGreaterThan(0);
    expect(sorted(read[csv]), `${device}: ${csv}`).toEqual(sorted(expected));
    const bytes = fs.readFileSync(csv);
    expect(bytes.subarray(0, 39).toString()).toBe('channel,unit,row,index,timestamp,value\n'); // no BOM
    expect(bytes.includes('\r')).toBe(false);
  }
  return byDevice;
}

describe('rex export --to csv', () => {
  it('keeps every value of a real run bit for bit: NaN, ±inf, -0.0, subnormals, the largest double, ragged rows', async () => {
    const ws = workspace();
    const csvs = await exportAndCompare(ws, await exportMixRun(ws));
    const scope = fs.readFileSync(csvs.get('scope')!, 'utf8');
    // The text pandas reads back exactly: as the TOML writes it.
    for (const text of [',nan\n', ',-0.0\n', ',-inf\n', ',inf\n', ',5e-324\n', ',-1.7976931348623157e+308\n', ',9007199254740994.0\n']) {
      expect(scope).toContain(text);
    }
  });

  it("keeps the original rex's reference file", async () => {
    const ws = workspace();
    await exportAndCompare(ws, referenceCopy(ws));
  });

  it('quotes names, units and timestamps holding commas, quotes or line ends; an empty timestamp where the file has none', async () => {
    const ws = workspace();
    const file = path.join(ws.dir, 'odd.toml');
    fs.writeFileSync(file, ODD_NAMES);
    const csvs = await exportAndCompare(ws, file);
    expect(fs.readFileSync(csvs.get('dev, "one"')!, 'utf8').split('\n').slice(1)).toEqual([
      '"a,""b""',
      'c","m,""x""",0,0,2026-01-16T06:35:32Z,0.5',
      '"a,""b""',
      'c","m,""x""",1,0,"16 Jan 2026, 06:35:33 µs",-2.0',
      'plain,,0,0,,1.0',
      'plain,,0,1,,nan',
      '',
    ]);
  });
});

/** A file in rex's layout with names and a timestamp a CSV must quote, and a channel with neither unit nor timestamps. */
const ODD_NAMES = `[device.'dev, "one"']
device_name = 'dev, "one"'

[device.'dev, "one"'.data."a,\\"b\\"\\nc"]
data = [0.5, -2.0]
unit = "m,\\"x\\""

[device.'dev, "one"'.data.plain]
data = [[1.0, nan]]

[device.'dev, "one"'.timestamps]
"a,\\"b\\"\\nc" = ["2026-01-16T06:35:32Z", "16 Jan 2026, 06:35:33 µs"]
`;
