/**
 * The file-writer actor's public entry: what the host and the CLI may use of it (checked by
 * .dependency-cruiser.cjs). Its worker thread starts at worker.ts.
 */
export type * from './messages.js';
// `rex recover` runs the file-writer's code over a journal.
export { OutputWriter } from './output-writer.js';
