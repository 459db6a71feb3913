/**
 * Creates rex's four tables (SPEC §9) if they are missing, and makes existing plain MergeTree tables
 * drop retried inserts. Idempotent: running it again changes nothing. Used by `rex db init`.
 */
import type { ClickHouseConfig } from '../../protocol/config.js';
import { classifyError, describeError, RexClickHouse } from './clickhouse-client.js';
import { createTableStatement, DEDUP_WINDOW, quoteIdentifier, quoteTableName, TABLE_KINDS, tableNames } from './schema.js';
import { inspectTables } from './table-check.js';

export interface InitReport {
  /** One line per step, for the user. */
  lines: string[];
  /** Some table cannot take rex's rows (missing columns). */
  failed: boolean;
}

/** Throws (with the client's error) when the server cannot be reached or refuses the credentials. */
export async function initDatabase(config: ClickHouseConfig): Promise<InitReport> {
  const client = new RexClickHouse(config, { requestTimeoutMs: 15_000 });
  const lines: string[] = [];
  try {
    let version: string;
    try {
      version = await serverVersion(client);
    } catch (error) {
      if (classifyError(error) !== 'no-database') throw error;
      await createDatabase(config);
      lines.push(`database ${config.database}: created`);
      version = await serverVersion(client);
    }
    lines.unshift(`ClickHouse ${version} at ${client.url}, database ${config.database}`);
    const tables = tableNames(config);
    const before = new Map((await inspectTables(client, tables)).map((r) => [r.kind, r]));
    for (const kind of TABLE_KINDS) {
      // JSON columns need this setting on ClickHouse 24.8–25.2; later versions have the type anyway.
      await client.command(createTableStatement(kind, tables[kind]), { allow_experimental_json_type: 1 }).catch(async (error: unknown) => {
        if ((error as { code?: string }).code !== '115') throw error; // UNKNOWN_SETTING
        await client.command(createTableStatement(kind, tables[kind]));
      });
    }
    let failed = false;
    for (const report of await inspectTables(client, tables)) {
      const notes: string[] = [before.get(report.kind)?.exists ? 'already there' : 'created'];
      if (report.deduplicates === false) {
        try {
          await client.command(
            `ALTER TABLE ${quoteTableName(report.table)} MODIFY SETTING non_replicated_deduplication_window = ${DEDUP_WINDOW}`,
          );
          notes.push('now drops retried inserts');
        } catch (error) {
          notes.push(`could not enable the deduplication of retried inserts (${describeError(error, client)})`);
        }
      }
      for (const d of report.problems.differing)
        notes.push(`column ${d.name} is ${d.actual} (rex writes ${d.expected}; the server converts if it can)`);
      if (report.problems.missing.length > 0) {
        failed = true;
        notes.push(`MISSING columns ${report.problems.missing.join(', ')}: rex cannot store rows here`);
      }
      lines.push(`${report.table}: ${notes.join('; ')}`);
    }
    return { lines, failed };
  } catch (error) {
    throw new DatabaseUnavailable(describeError(error, client), error);
  } finally {
    await client.close();
  }
}

/** The server could not be used; `message` says why in the user's terms. */
export class DatabaseUnavailable extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

async function serverVersion(client: RexClickHouse): Promise<string> {
  const [row] = await client.select<{ version: string }>('SELECT version() AS version');
  return row?.version ?? 'unknown version';
}

async function createDatabase(config: ClickHouseConfig): Promise<void> {
  const admin = new RexClickHouse({ ...config, database: 'default' }, { requestTimeoutMs: 15_000 });
  try {
    await admin.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(config.database)}`);
  } finally {
    await admin.close();
  }
}
