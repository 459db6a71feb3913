/**
 * Error catalogue of the actor runtime and supervisor (REX_ACTOR_*). Listed in docs/bus.md; a
 * test keeps the two in step. The wire form of errors is in src/errors.ts (toWire/fromWire).
 */
import { defineError } from '../errors.js';

export const REX_ACTOR_NOT_IN_WORKER = defineError(
  'REX_ACTOR_NOT_IN_WORKER',
  () => 'runActor() must run inside a worker thread started by the supervisor',
);
export const REX_ACTOR_PROTOCOL = defineError(
  'REX_ACTOR_PROTOCOL',
  (actor: string, detail: string) => `actor "${actor}" broke the control protocol: ${detail}`,
);
export const REX_ACTOR_BOOT_FAILED = defineError(
  'REX_ACTOR_BOOT_FAILED',
  (actor: string, reason: string) => `actor "${actor}" failed before READY and will not be restarted: ${reason}`,
);
export const REX_ACTOR_READY_TIMEOUT = defineError(
  'REX_ACTOR_READY_TIMEOUT',
  (actor: string, timeoutMs: number) => `actor "${actor}" did not become READY within ${timeoutMs} ms`,
);
export const REX_ACTOR_CRASHED = defineError(
  'REX_ACTOR_CRASHED',
  (actor: string, message: string) => `actor "${actor}" crashed: ${message}`,
);
export const REX_ACTOR_EXITED = defineError(
  'REX_ACTOR_EXITED',
  (actor: string, exitCode: number) => `actor "${actor}" exited unexpectedly with code ${exitCode}`,
);
export const REX_ACTOR_HUNG = defineError(
  'REX_ACTOR_HUNG',
  (actor: string, silentMs: number) => `actor "${actor}" sent no heartbeat for ${silentMs} ms; terminated as hung`,
);
export const REX_ACTOR_RESTART_BUDGET = defineError(
  'REX_ACTOR_RESTART_BUDGET',
  (actor: string, restarts: number, windowMs: number, last: string) =>
    `actor "${actor}" crashed again after ${restarts} restarts within ${windowMs / 1000} s; giving up (last fault: ${last})`,
);
export const REX_ACTOR_STOP_TIMEOUT = defineError(
  'REX_ACTOR_STOP_TIMEOUT',
  (actor: string, timeoutMs: number) => `actor "${actor}" did not stop within ${timeoutMs} ms; terminated`,
);
export const REX_ACTOR_STOPPED_BEFORE_READY = defineError(
  'REX_ACTOR_STOPPED_BEFORE_READY',
  (actor: string) => `actor "${actor}" was stopped before it became READY`,
);
export const REX_ACTOR_UNKNOWN = defineError('REX_ACTOR_UNKNOWN', (actor: string) => `no actor named "${actor}"`);
export const REX_ACTOR_DUPLICATE = defineError('REX_ACTOR_DUPLICATE', (actor: string) => `an actor named "${actor}" is already supervised`);
export const REX_ACTOR_FAULT_INJECTED = defineError(
  'REX_ACTOR_FAULT_INJECTED',
  (actor: string, mode: string) => `fault injected into "${actor}" (${mode})`,
);
