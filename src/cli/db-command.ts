/**
 * `rex db init`: creates the four ClickHouse tables of SPEC §9 (idempotent) and makes existing ones
 * drop retried inserts. `rex db push <journal...>`: stores what a run could not (the database was
 * down at its end), from the journal, without duplicating what is already there.
 */
import path from 'node:path';
import { ClickHouseFeeder, initDatabase, RexClickHouse, tableNames } from '../actors/clickhouse-writer/index.js';
import { progressLine } from '../host/run/clickhouse-drain.js';
import type { ClickHouseConfig } from '../protocol/config.js';
import { loadConfig } from './config-file.js';
import { UsageError } from './exit-codes.js';
import { findJournals } from './find-journals.js';

/** Exit code of a db command that could not do its job (server unreachable, wrong password, ...). */
export const DB_FAILED = 1;

export interface DbOptions {
  configFile?: string;
}

async function clickHouseConfig(options: DbOptions): Promise<{ config: ClickHouseConfig; file: string }> {
  const { config, path: file, searched, warnings } = await loadConfig(options.configFile ? { path: options.configFile } : {});
  for (const warning of warnings) console.error(`rex: warning: ${warning}`);
  if (!file)
    throw new UsageError(`no rex config file found at ${searched}: create it with a [click_house_server] section (see docs/clickhouse.md)`);
  if (!config.click_house_server) throw new UsageError(`${file} has no [click_house_server] section (see docs/clickhouse.md)`);
  return { config: config.click_house_server, file };
}

export async function dbInitCommand(options: DbOptions): Promise<number> {
  const { config } = await clickHouseConfig(options);
  try {
    const report = await initDatabase(config);
    for (const line of report.lines) console.log(line);
    return report.failed ? DB_FAILED : 0;
  } catch (error) {
    console.error(`rex: ${(error as Error).message}`);
    return DB_FAILED;
  }
}

export async function dbPushCommand(targets: string[], options: DbOptions & { giveUpAfterMs?: number }): Promise<number> {
  const { config } = await clickHouseConfig(options);
  const journals = targets.flatMap((target) => findJournals(path.resolve(target)));
  if (journals.length === 0) throw new UsageError(`no rex journal (*.rexj) found in ${targets.join(', ')}`);
  const client = new RexClickHouse(config);
  const feeder = new ClickHouseFeeder({
    client,
    tables: tableNames(config),
    journals: () => journals,
    log: (level, message) => console.error(`${level}: ${message}`),
  });
  feeder.finalize();
  const giveUpAfterMs = options.giveUpAfterMs ?? 60_000;
  const watch = setInterval(() => {
    const status = feeder.status();
    console.error(progressLine(status));
    if (status.needsUser || (status.failingSince !== null && Date.now() - status.failingSince > giveUpAfterMs)) feeder.stop();
  }, 2000);
  try {
    await feeder.run(true);
  } finally {
    clearInterval(watch);
    await client.close();
  }
  const status = feeder.status();
  if (!status.caughtUp) {
    console.error(
      `rex: gave up: ${status.lastError ?? 'stopped'}; run \`rex db push\` again later (what is stored stays stored, nothing is stored twice)`,
    );
    return DB_FAILED;
  }
  console.log(`${progressLine(status)} from ${journals.length} journal(s) into ClickHouse at ${client.url}`);
  return 0;
}
