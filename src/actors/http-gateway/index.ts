/**
 * The http-gateway actor's public entry: what the host and the CLI may use of it (checked by
 * .dependency-cruiser.cjs). Its worker thread starts at worker.ts.
 */
export type * from './messages.js';
export { idleRunState } from './idle-run-state.js';
export { isLoopbackName } from './access.js';
export { LIVE_LOG_LINES, LogRing } from './log-ring.js';
