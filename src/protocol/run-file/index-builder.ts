/**
 * Builds a RunFileIndex from a TomlScanner's report of a whole output file (pure). Everything is
 * read into values except the channels' `data` arrays and the `timestamps` arrays: those are
 * counted where they stand, and the index keeps where they start, for the reader to stream them.
 */
import type { ChannelEntry, DeviceEntry, ResultEntry, RunFileIndex, TomlTable, TomlValue } from './model.js';
import type { ArrayCount, TomlHandler, TomlScalar } from './toml-scanner.js';

/** A counted array, and where it starts. */
interface CountedArray {
  offset: number;
  count: ArrayCount;
}

type Container = { items: TomlValue[] } | { table: TomlTable; key: string[] };

export class RunFileIndexBuilder implements TomlHandler {
  private readonly root: TomlTable = {};
  private current: TomlTable = this.root;
  private tablePath: string[] = [];
  private keyPath: string[] = [];
  private readonly containers: Container[] = [];
  private countedPath: string[] | null = null;
  private countedOffset = 0;
  /** `device\0channel` → its data array; and its timestamps. */
  private readonly data = new Map<string, CountedArray>();
  private readonly stamps = new Map<string, CountedArray>();

  table(path: string[], arrayOfTables: boolean): void {
    this.tablePath = path;
    let table = this.root;
    path.forEach((part, i) => {
      const last = i === path.length - 1;
      let next = table[part];
      if (last && arrayOfTables) {
        if (next === undefined) {
          next = [];
          table[part] = next;
        }
        const fresh: TomlTable = {};
        (next as TomlValue[]).push(fresh);
        table = fresh;
        return;
      }
      if (next === undefined) {
        next = {};
        table[part] = next;
      }
      if (Array.isArray(next)) next = next[next.length - 1]!;
      if (typeof next !== 'object') throw new Error(`[${path.join('.')}] is a table, and ${part} has a value already`);
      table = next as TomlTable;
    });
    this.current = table;
  }

  key(path: string[]): void {
    const top = this.containers[this.containers.length - 1];
    if (top && 'table' in top) top.key = path;
    else this.keyPath = path;
  }

  arrayStart(offset: number): boolean {
    if (this.containers.length === 0) {
      const path = [...this.tablePath, ...this.keyPath];
      if (isChannelData(path) || isChannelTimestamps(path)) {
        this.countedPath = path;
        this.countedOffset = offset;
        return true;
      }
    }
    this.containers.push({ items: [] });
    return false;
  }

  arrayEnd(): void {
    const array = this.containers.pop() as { items: TomlValue[] };
    this.add(array.items);
  }

  counted(count: ArrayCount): void {
    const path = this.countedPath!;
    const at = { offset: this.countedOffset, count };
    if (isChannelData(path)) this.data.set(channelKey(path[1]!, path[3]!), at);
    else this.stamps.set(channelKey(path[1]!, path[3]!), at);
    this.countedPath = null;
  }

  inlineTableStart(): void {
    this.containers.push({ table: {}, key: [] });
  }

  inlineTableEnd(): void {
    const inline = this.containers.pop() as { table: TomlTable };
    this.add(inline.table);
  }

  scalar(value: TomlScalar): void {
    this.add(value);
  }

  private add(value: TomlValue): void {
    const top = this.containers[this.containers.length - 1];
    if (!top) setPath(this.current, this.keyPath, value, this.tablePath);
    else if ('items' in top) top.items.push(value);
    else setPath(top.table, top.key, value, this.tablePath);
  }

  /** The index, once the scanner has seen the whole file. */
  finish(path: string, bytes: number): RunFileIndex {
    const devices: DeviceEntry[] = Object.entries(tableAt(this.root, 'device')).map(([name, value]) => this.device(name, asTable(value)));
    const results: ResultEntry[] = Object.entries(tableAt(this.root, 'results')).map(([name, value]) => {
      const fields = asTable(value);
      return { name, pass: typeof fields.result_status === 'boolean' ? fields.result_status : undefined, fields };
    });
    const session = tableAt(this.root, 'session');
    const text = (v: TomlValue | undefined) => (typeof v === 'string' ? v : undefined);
    return {
      path,
      bytes,
      session: {
        uuid: text(session.UUID),
        startTime: text(session.start_time),
        endTime: text(session.end_time),
        info: tableAt(session, 'info'),
        run: tableAt(session, 'run'),
      },
      devices,
      results,
    };
  }

  private device(name: string, table: TomlTable): DeviceEntry {
    const { data, timestamps, ...config } = table;
    const channelTables = data !== undefined && typeof data === 'object' && !Array.isArray(data) ? (data as TomlTable) : {};
    const names = new Set(Object.keys(channelTables));
    for (const key of this.data.keys()) if (key.startsWith(`${name}\0`)) names.add(key.slice(name.length + 1));
    const channels = [...names].map((channel) => this.channel(name, channel, asTable(channelTables[channel] ?? {})));
    return { name, config, channels };
  }

  private channel(device: string, name: string, table: TomlTable): ChannelEntry {
    const key = channelKey(device, name);
    const data = this.data.get(key);
    if (!data && table.data !== undefined) {
      throw new Error(`device ${device} channel ${name}: data must be an array of its own (data = [...]), not inside an inline table`);
    }
    const count = data?.count ?? { elements: 0, rows: 0, rowValues: 0, minRow: 0, maxRow: 0, deeper: false };
    if (count.deeper || (count.rows > 0 && count.rows !== count.elements)) {
      throw new Error(`device ${device} channel ${name}: data is neither values nor rows of values`);
    }
    const trace = count.rows > 0;
    return {
      device,
      name,
      unit: typeof table.unit === 'string' ? table.unit : '',
      shape: trace ? 'trace' : 'single',
      count: count.elements,
      points: trace ? count.rowValues : count.elements,
      rowLength: trace && count.minRow === count.maxRow ? count.maxRow : null,
      timestampCount: this.stamps.get(key)?.count.elements ?? 0,
      data: data ? { offset: data.offset } : null,
      timestamps: this.stamps.has(key) ? { offset: this.stamps.get(key)!.offset } : null,
    };
  }
}

const isChannelData = (p: string[]): boolean => p.length === 5 && p[0] === 'device' && p[2] === 'data' && p[4] === 'data';
const isChannelTimestamps = (p: string[]): boolean => p.length === 4 && p[0] === 'device' && p[2] === 'timestamps';
const channelKey = (device: string, channel: string): string => `${device}\0${channel}`;

function asTable(value: TomlValue): TomlTable {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as TomlTable) : {};
}

function tableAt(table: TomlTable, key: string): TomlTable {
  return asTable(table[key] ?? {});
}

/** Sets `table[a][b]... = value` for a dotted key, making the tables between. */
function setPath(table: TomlTable, key: string[], value: TomlValue, where: string[]): void {
  let at = table;
  for (const part of key.slice(0, -1)) {
    at[part] ??= {};
    const next = at[part];
    if (typeof next !== 'object' || Array.isArray(next))
      throw new Error(`[${where.join('.')}] ${key.join('.')}: ${part} has a value already`);
    at = next as TomlTable;
  }
  const last = key[key.length - 1]!;
  if (last in at) throw new Error(`[${where.join('.')}] ${key.join('.')} is defined twice`);
  at[last] = value;
}
