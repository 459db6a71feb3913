/**
 * The control protocol between the supervisor and an actor's worker, over `parentPort` (the
 * bus has its own port). A closed union tagged by `code` (STYLE 1A.1): a message with an unknown
 * code is a protocol violation; one with no `code` is ignored (Node's watch mode posts its own).
 */
import type { MessagePort } from 'node:worker_threads';
import type { WireError } from '../errors.js';

/** Bumped when workerData or the messages below change incompatibly. */
export const ACTOR_PROTOCOL = 2;

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

/** Supervisor -> worker. */
export type ToActor = { code: 'STOP' };

export const TO_SUPERVISOR_CODES: readonly ToSupervisor['code'][] = ['READY', 'FAULT', 'STOPPED'];

/** The message's `code`, or undefined for messages that are not ours. */
export function codeOf(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const code = (message as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
