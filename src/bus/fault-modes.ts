/** Fault injection's modes (the `fault.inject` topic, payloads.ts), apart from the schemas: the run host reads them at start. */
export const FAULT_MODES = ['throw', 'throw-async', 'reject', 'exit', 'hang'] as const;
/**
 * throw: throw inside the bus subscriber (rxjs unhandled error); throw-async: throw on a later
 * macrotask (uncaughtException); reject: an unhandled rejection; exit: `process.exit(exitCode)`;
 * hang: block the event loop forever (only a heartbeat timeout can notice).
 */
export type FaultMode = (typeof FAULT_MODES)[number];
