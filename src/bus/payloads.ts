/**
 * Payload types of the bus's own topics (supervision, logging, run control, tests).
 * Actors declare their payloads in their own `messages.ts`; `topics.ts` lists them all.
 */

export const ACTOR_STATES = ['starting', 'ready', 'restarting', 'stopping', 'stopped', 'failed'] as const;
export type ActorState = (typeof ACTOR_STATES)[number];

/** Published by the supervisor on every lifecycle change of an actor. */
export interface ActorStatus {
  actor: string;
  status: ActorState;
  /** Restarts so far in this run (0 for the first thread). */
  restarts: number;
  /** The worker's threadId, when a thread exists. */
  threadId?: number;
}

/** Published by the supervisor when an actor crashes, hangs or is given up on. */
export interface ActorFault {
  actor: string;
  /** A catalogued code (REX_ACTOR_*, REX_BUS_*, or the thrown error's own code). */
  code: string;
  message: string;
  stack?: string;
  /** True when the supervisor will not restart the actor again. */
  fatal: boolean;
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogEntry {
  level: LogLevel;
  /** Who logged: an actor name, 'supervisor' or 'bus'. */
  source: string;
  message: string;
  /** Milliseconds since the epoch. */
  ts: number;
}

/** The supervisor asks the run to stop cleanly (it gave up on a critical actor). */
export interface RunStop {
  reason: string;
}

export const FAULT_MODES = ['throw', 'throw-async', 'reject', 'exit', 'hang'] as const;
/**
 * throw: throw inside the bus subscriber (rxjs unhandled error); throw-async: throw on a later
 * macrotask (uncaughtException); reject: an unhandled rejection; exit: `process.exit(exitCode)`;
 * hang: block the event loop forever (only a heartbeat timeout can notice).
 */
export type FaultMode = (typeof FAULT_MODES)[number];

/** Fault injection, obeyed by `runActor` only when REX_FAULT_INJECTION=1 was set for the run. */
export interface FaultInject {
  actor: string;
  mode: FaultMode;
  exitCode?: number;
}

// ---- test-only topics and requests (served by the fixture actors in src/runtime/testing) ----

export interface TestPing {
  n: number;
  from: string;
}

export interface TestTrace {
  data: Float64Array;
  from: string;
}

/** A fixture actor reports what it received, so a test can see inside another thread. */
export interface TestSeen {
  by: string;
  threadId: number;
  topic: 'test.ping' | 'test.trace';
  from: string;
  n?: number;
  length?: number;
  sum?: number;
  /** True when the received value really is a Float64Array in the receiving thread. */
  isFloat64Array?: boolean;
}

/** Ask a fixture actor to publish something from its own thread. */
export type TestEmitRequest =
  | { topic: 'test.ping'; n: number }
  | { topic: 'test.trace'; length: number; transfer: boolean };

export interface TestEmitResult {
  /** `data.buffer.byteLength` in the publishing thread right after `publish` returned. */
  byteLengthAfterPublish: number;
}

/** What a fixture actor got when it asked `test.echo` from its own thread. */
export type TestAskResult = { ok: true; x: number } | { ok: false; code: string; message: string };
