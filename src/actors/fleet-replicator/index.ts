/**
 * The fleet-replicator actor's public entry: what the host and the CLI may use of it (checked by
 * .dependency-cruiser.cjs). Its worker thread starts at worker.ts. This loads the NATS client:
 * import it only with `[fleet]` (the run host imports its types only).
 */
export type * from './messages.js';
// `rex recover` with `[fleet]` runs the actor's own code in the CLI process.
export { JournalReplicator } from './replicator.js';
