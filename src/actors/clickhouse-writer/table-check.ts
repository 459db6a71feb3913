/**
 * What the server's tables look like compared with what rex writes: shared by `rex db init` and by
 * the writer before its first insert, so both say the same thing about the same problem.
 */
import { classifyError, type RexClickHouse } from './clickhouse-client.js';
import {
  compareColumns,
  deduplicates,
  quoteTableName,
  TABLE_KINDS,
  type Column,
  type ColumnProblems,
  type TableKind,
  type TableNames,
} from './schema.js';

export interface TableReport {
  kind: TableKind;
  table: string;
  exists: boolean;
  problems: ColumnProblems;
  /** Retried inserts are dropped by token; null when the server would not say (no access to system.tables). */
  deduplicates: boolean | null;
}

export async function inspectTables(client: RexClickHouse, tables: TableNames): Promise<TableReport[]> {
  const reports: TableReport[] = [];
  for (const kind of TABLE_KINDS) {
    const table = tables[kind];
    let columns: Column[];
    try {
      columns = await client.select<Column>(`DESCRIBE TABLE ${quoteTableName(table)}`);
    } catch (error) {
      if (classifyError(error) !== 'no-table') throw error;
      reports.push({ kind, table, exists: false, problems: { missing: [], differing: [] }, deduplicates: null });
      continue;
    }
    reports.push({ kind, table, exists: true, problems: compareColumns(kind, columns), deduplicates: await dedupOf(client, table) });
  }
  return reports;
}

async function dedupOf(client: RexClickHouse, table: string): Promise<boolean | null> {
  const [database, name] = table.includes('.')
    ? [table.slice(0, table.indexOf('.')), table.slice(table.indexOf('.') + 1)]
    : [client.config.database, table];
  try {
    const rows = await client.select<{ engine: string; engine_full: string }>(
      'SELECT engine, engine_full FROM system.tables WHERE database = {database:String} AND name = {name:String}',
      { database, name },
    );
    const row = rows[0];
    return row ? deduplicates(row.engine, row.engine_full) : null;
  } catch {
    return null;
  }
}

/** The problems that stop inserts, as one sentence; null when the tables can take rex's rows. */
export function blockingProblem(reports: readonly TableReport[]): string | null {
  const missingTables = reports.filter((r) => !r.exists).map((r) => r.table);
  if (missingTables.length > 0) return `table(s) ${missingTables.join(', ')} do not exist: create them with \`rex db init\``;
  const missingColumns = reports.filter((r) => r.problems.missing.length > 0);
  if (missingColumns.length > 0) {
    return `table(s) lack columns rex writes: ${missingColumns.map((r) => `${r.table} (${r.problems.missing.join(', ')})`).join('; ')}`;
  }
  return null;
}
