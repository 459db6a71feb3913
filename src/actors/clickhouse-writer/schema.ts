/**
 * The four ClickHouse tables of SPEC §9, exactly as the original's `init.sql` declares them (users'
 * Grafana dashboards query these names and types), plus the one table setting rex adds: a
 * deduplication window, so that a batch retried with the same `insert_deduplication_token` is
 * stored once on a plain (non-replicated) MergeTree. Pure: statements and comparisons only.
 */
import type { ClickHouseConfig } from '../../protocol/config.js';

/** How many recent inserts (blocks) per table ClickHouse remembers to drop a retried one. */
export const DEDUP_WINDOW = 10_000;

export type TableKind = 'session' | 'measurement' | 'device' | 'results';
export const TABLE_KINDS: readonly TableKind[] = ['session', 'measurement', 'device', 'results'];

export interface Column {
  name: string;
  type: string;
}

/** Columns in the original's order; types as `DESCRIBE TABLE` spells them. */
export const COLUMNS: Record<TableKind, readonly Column[]> = {
  session: [
    { name: 'session_id', type: 'UUID' },
    { name: 'start_time', type: 'String' },
    { name: 'end_time', type: 'String' },
    { name: 'name', type: 'String' },
    { name: 'email', type: 'String' },
    { name: 'session_name', type: 'String' },
    { name: 'session_description', type: 'String' },
    { name: 'session_meta', type: 'JSON' },
  ],
  measurement: [
    { name: 'session_id', type: 'UUID' },
    { name: 'device_name', type: 'String' },
    { name: 'channel_name', type: 'String' },
    { name: 'channel_unit', type: 'String' },
    { name: 'sample_index', type: 'UInt32' },
    { name: 'channel_index', type: 'UInt32' },
    { name: 'value', type: 'Float64' },
    { name: 'timestamp', type: "DateTime64(6, 'UTC')" },
  ],
  device: [
    { name: 'session_id', type: 'UUID' },
    { name: 'device_name', type: 'String' },
    { name: 'device_config', type: 'JSON' },
  ],
  results: [
    { name: 'session_id', type: 'UUID' },
    { name: 'result_type', type: 'String' },
    { name: 'result_info', type: 'String' },
    { name: 'result_status', type: 'Bool' },
    { name: 'measured_value', type: 'Float64' },
    { name: 'upper_bound', type: 'Float64' },
    { name: 'lower_bound', type: 'Float64' },
    { name: 'result_meta', type: 'JSON' },
  ],
};

const ORDER_BY: Record<TableKind, string> = {
  session: 'session_id',
  measurement: '(session_id, channel_name, sample_index)',
  device: 'session_id',
  results: '(session_id, result_type)',
};

export type TableNames = Record<TableKind, string>;

export function tableNames(config: ClickHouseConfig): TableNames {
  return {
    session: config.session_meta_table,
    measurement: config.measurement_table,
    device: config.device_meta_table,
    results: config.results_table,
  };
}

/** `name` or `db.name` as a quoted identifier (config table names are user text). */
export function quoteTableName(name: string): string {
  return name
    .split('.')
    .map((part) => `\`${part.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``)
    .join('.');
}

export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

export function createTableStatement(kind: TableKind, table: string): string {
  const columns = COLUMNS[kind].map((c) => `    ${c.name} ${c.type}`).join(',\n');
  return (
    `CREATE TABLE IF NOT EXISTS ${quoteTableName(table)} (\n${columns}\n) ENGINE = MergeTree ORDER BY ${ORDER_BY[kind]}\n` +
    `SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW}`
  );
}

export interface ColumnProblems {
  /** Columns rex writes that the table lacks: inserts into it fail. */
  missing: string[];
  /** Columns whose type differs from the original's schema (ClickHouse may still convert). */
  differing: { name: string; expected: string; actual: string }[];
}

/** Types the original's schemas used at some version, or that hold the same data. */
const ACCEPTED_TYPES: Record<string, readonly string[]> = {
  JSON: ['JSON', "Object('json')", 'String'],
  String: ['String'],
};
const NEWEST_ORIGINAL_TIMES = /^DateTime64\(6(, 'UTC')?\)$/;

export function compareColumns(kind: TableKind, actual: readonly Column[]): ColumnProblems {
  const byName = new Map(actual.map((c) => [c.name, c.type]));
  const problems: ColumnProblems = { missing: [], differing: [] };
  for (const column of COLUMNS[kind]) {
    const type = byName.get(column.name);
    if (type === undefined) {
      problems.missing.push(column.name);
      continue;
    }
    const accepted = ACCEPTED_TYPES[column.type] ?? [column.type];
    const sessionTime = kind === 'session' && (column.name === 'start_time' || column.name === 'end_time');
    if (accepted.includes(type) || (sessionTime && NEWEST_ORIGINAL_TIMES.test(type))) continue;
    problems.differing.push({ name: column.name, expected: column.type, actual: type });
  }
  return problems;
}

/** True when `engine_full` (from system.tables) already drops retried inserts by token. */
export function deduplicates(engine: string, engineFull: string): boolean {
  if (engine.startsWith('Replicated') || engine.startsWith('Shared')) return true;
  const window = /non_replicated_deduplication_window\s*=\s*(\d+)/.exec(engineFull);
  return window !== null && Number(window[1]) > 0;
}
