/**
 * Payloads of the bus's own topics (supervision, logging, run control), each declared once as a
 * zod schema with its TypeScript type inferred. Actors declare theirs in their own `messages.ts`;
 * `topics.ts` lists them all.
 */
import { z } from 'zod';
import { FAULT_MODES } from './fault-modes.js';

export const ACTOR_STATES = ['starting', 'ready', 'restarting', 'stopping', 'stopped', 'failed'] as const;
export type ActorState = (typeof ACTOR_STATES)[number];

/** Published by the supervisor on every lifecycle change of an actor. */
export const ActorStatus = z.object({
  actor: z.string(),
  status: z.enum(ACTOR_STATES),
  /** Restarts so far in this run (0 for the first thread). */
  restarts: z.number().int().nonnegative(),
  /** The worker's threadId, when a thread exists. */
  threadId: z.number().int().optional(),
});
export type ActorStatus = z.infer<typeof ActorStatus>;

/** Published by the supervisor when an actor crashes, hangs or is given up on. */
export const ActorFault = z.object({
  actor: z.string(),
  /** A catalogued code (REX_ACTOR_*, REX_BUS_*, or the thrown error's own code). */
  code: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  /** True when the supervisor will not restart the actor again. */
  fatal: z.boolean(),
});
export type ActorFault = z.infer<typeof ActorFault>;

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LogEntry = z.object({
  level: z.enum(LOG_LEVELS),
  /** Who logged: an actor name, 'supervisor' or 'bus'. */
  source: z.string(),
  message: z.string(),
  /** Milliseconds since the epoch. */
  ts: z.number(),
});
export type LogEntry = z.infer<typeof LogEntry>;

/** The supervisor asks the run to stop cleanly (it gave up on a critical actor). */
export const RunStop = z.object({ reason: z.string() });
export type RunStop = z.infer<typeof RunStop>;

/** Fault injection, obeyed by `runActor` only when REX_FAULT_INJECTION=1 was set for the run. */
export const FaultInject = z.object({
  actor: z.string(),
  mode: z.enum(FAULT_MODES),
  exitCode: z.number().int().optional(),
});
export type FaultInject = z.infer<typeof FaultInject>;

/** The request payload of requests that take no argument (`{}`). */
export const NoArguments = z.record(z.string(), z.never());
export type NoArguments = z.infer<typeof NoArguments>;
