/**
 * The control protocol between the supervisor and an actor's worker, over `parentPort` (the
 * bus has its own port). A closed union tagged by `code` (STYLE 1A.1): a message with an unknown
 * code is a protocol violation; one with no `code` is ignored (Node's watch mode posts its own).
 */
import type { MessagePort } from 'node:worker_threads';
import type { WireError } from '../errors.js';

/** Bumped when workerData or the messages below change incompatibly. */
export const ACTOR_PROTOCOL = 3;

/** `workerData.protocol` of a thread started ahead of its actor (src/host/supervisor/prestarted-threads.ts). */
export const PRESTARTED = `prestarted/${ACTOR_PROTOCOL}` as const;

/** What a prestarted thread is given; the rest comes in its INIT message. */
export interface PrestartedWorkerData {
  protocol: typeof PRESTARTED;
}

/** What the supervisor hands a new worker thread. */
export interface ActorWorkerData<Data = unknown> {
  protocol: typeof ACTOR_PROTOCOL;
  actor: string;
  /** 0 for the first thread of this actor, +1 for each restart. */
  restartCount: number;
  data: Data;
  /** This thread's end of the bus (BusHub.connect). */
  busPort: MessagePort;
  /** How often the worker's timer bumps `liveness` (proof that its event loop turns). */
  heartbeatIntervalMs: number;
  /** The thread's liveness beacon (src/runtime/liveness.ts), read by the supervisor. */
  liveness: SharedArrayBuffer;
  /** Obey `fault.inject` (only when the run was started with REX_FAULT_INJECTION=1). */
  faultInjection: boolean;
}

/** Worker -> supervisor. */
export type ToSupervisor =
  | { code: 'READY' }
  /** The actor is about to die of `error` (the thread exits right after). */
  | { code: 'FAULT'; error: WireError }
  | { code: 'STOPPED' };

/**
 * Supervisor -> worker. INIT comes first, and only to a prestarted thread: its `workerData`, with
 * `busPort` in the transfer list.
 */
export type ToActor = { code: 'INIT'; workerData: ActorWorkerData } | { code: 'STOP' };

export const TO_SUPERVISOR_CODES: readonly ToSupervisor['code'][] = ['READY', 'FAULT', 'STOPPED'];

/** The message's `code`, or undefined for messages that are not ours. */
export function codeOf(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const code = (message as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
