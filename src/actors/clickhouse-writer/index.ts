/**
 * The clickhouse-writer actor's public entry: what the host and the CLI may use of it (checked by
 * .dependency-cruiser.cjs). Its worker thread starts at worker.ts.
 */
export type * from './messages.js';
// `rex db init` / `rex db push` run the actor's own code in the CLI process.
export { RexClickHouse } from './clickhouse-client.js';
export { initDatabase } from './db-init.js';
export { ClickHouseFeeder } from './feeder.js';
export { tableNames } from './schema.js';
