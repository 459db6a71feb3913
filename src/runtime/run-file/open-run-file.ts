/**
 * PROVISIONAL: reads the whole file with smol-toml. To be replaced by the streaming reader
 * behind the same `openRunFile` signature; callers must not rely on anything but RunFile.
 */
import { readFile, stat } from 'node:fs/promises';
import { parse } from 'smol-toml';
import type { ChannelEntry, DeviceEntry, ResultEntry, TomlTable, TomlValue } from '../../protocol/run-file/model.js';
import { type RunFile, RunFileError } from './run-file.js';

export async function openRunFile(path: string): Promise<RunFile> {
  let bytes: number;
  let doc: TomlTable;
  try {
    bytes = (await stat(path)).size;
    doc = parse(await readFile(path, 'utf8')) as unknown as TomlTable;
  } catch (error) {
    throw new RunFileError(`${path}: ${(error as Error).message}`);
  }
  const arrays = new Map<string, TomlValue[]>();
  const devices: DeviceEntry[] = [];
  for (const [name, table] of Object.entries((doc.device ?? {}) as Record<string, TomlTable>)) {
    const { data = {}, timestamps = {}, ...config } = table as Record<string, TomlValue>;
    const channels: ChannelEntry[] = [];
    for (const [cname, ch] of Object.entries(data as Record<string, TomlTable>)) {
      const values = (ch.data ?? []) as TomlValue[];
      const stamps = ((timestamps as TomlTable)[cname] ?? []) as TomlValue[];
      const trace = values.length > 0 && Array.isArray(values[0]);
      const lengths = trace ? values.map((r) => (r as unknown[]).length) : [];
      arrays.set(`d/${name}/${cname}`, values);
      arrays.set(`t/${name}/${cname}`, stamps);
      channels.push({
        device: name,
        name: cname,
        unit: typeof ch.unit === 'string' ? ch.unit : '',
        shape: trace ? 'trace' : 'single',
        count: values.length,
        points: trace ? lengths.reduce((a, b) => a + b, 0) : values.length,
        rowLength: trace && lengths.every((l) => l === lengths[0]) ? lengths[0]! : null,
        timestampCount: stamps.length,
        data: { offset: 0 },
        timestamps: { offset: 0 },
      });
    }
    devices.push({ name, config: config as TomlTable, channels });
  }
  const results: ResultEntry[] = Object.entries((doc.results ?? {}) as Record<string, TomlTable>).map(([name, fields]) => ({
    name,
    pass: typeof fields.result_status === 'boolean' ? fields.result_status : undefined,
    fields,
  }));
  const session = (doc.session ?? {}) as TomlTable;
  const toNumber = (v: TomlValue) => (typeof v === 'number' ? v : Number(v as string));
  return {
    path,
    bytes,
    session: {
      uuid: session.UUID as string | undefined,
      startTime: session.start_time as string | undefined,
      endTime: session.end_time as string | undefined,
      info: (session.info ?? {}) as TomlTable,
      run: (session.run ?? {}) as TomlTable,
    },
    devices,
    results,
    async *values(channel, chunk = 65536) {
      const all = arrays.get(`d/${channel.device}/${channel.name}`)!;
      for (let i = 0; i < all.length; i += chunk) yield Float64Array.from(all.slice(i, i + chunk), toNumber);
    },
    async *rows(channel) {
      const all = arrays.get(`d/${channel.device}/${channel.name}`)!;
      for (const row of all) yield [Float64Array.from(row as TomlValue[], toNumber)];
    },
    async *timestamps(channel, chunk = 65536) {
      const all = arrays.get(`t/${channel.device}/${channel.name}`)!;
      for (let i = 0; i < all.length; i += chunk) yield all.slice(i, i + chunk).map(String);
    },
    async close() {},
  };
}
