/**
 * The store actor's public entry: what the host and the CLI may use of it (checked by
 * .dependency-cruiser.cjs). Its worker thread starts at worker.ts.
 */
export type * from './messages.js';
export { SUMMARY_CHANNELS } from './summary-limits.js';
