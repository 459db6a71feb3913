/** Bus payloads of the controller actor (listed in src/bus/topics.ts). */
import { z } from 'zod';
import type { RunPlan } from './run-plan.js';

export const RunIteration = z.object({
  phase: z.enum(['started', 'ended']),
  loop: z.number(),
  loops: z.number(),
  journalPath: z.string(),
  outputFile: z.string().nullable().optional(),
});
export type RunIteration = z.infer<typeof RunIteration>;

export const ITERATION_END_REASONS = ['script-exit', 'kill-command', 'interrupted', 'validation-failed', 'fatal'] as const;
export type IterationEndReason = (typeof ITERATION_END_REASONS)[number];

export const IterationOutcome = z.object({
  loop: z.number(),
  reason: z.enum(ITERATION_END_REASONS),
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  journalPath: z.string(),
  outputFile: z.string().nullable(),
  validationError: z.string().optional(),
});
export type IterationOutcome = z.infer<typeof IterationOutcome>;

export const RunOutcome = z.object({
  uuid: z.string(),
  dryRun: z.boolean(),
  iterations: z.array(IterationOutcome),
  /** True when Ctrl-C / SIGTERM cancelled the remaining loops. */
  interrupted: z.boolean(),
  error: z.string().optional(),
});
export type RunOutcome = z.infer<typeof RunOutcome>;

/** The run is over; the CLI turns this into a summary and an exit code. */
export const RunFinished = RunOutcome;
export type RunFinished = RunOutcome;

/** Ctrl-C / SIGTERM reached rex (a second one forces the stop). */
export const RunInterrupt = z.record(z.string(), z.never());
export type RunInterrupt = z.infer<typeof RunInterrupt>;

/** Answer to `run.current` (served by the main thread): the iteration in progress. */
export const RunCurrent = z.object({
  journalPath: z.string().nullable(),
  /** 0-based index of the iteration in progress (meaningful when journalPath is set). */
  loop: z.number(),
});
export type RunCurrent = z.infer<typeof RunCurrent>;

/**
 * Answer to `run.plan` (served by the main thread): the run to carry out, once rex is listening;
 * null when rex ends without running one. Checked loosely: the CLI builds it, typed as RunPlan.
 */
export const RunPlanAnswer = z.object({
  plan: z.custom<RunPlan>((v) => typeof (v as RunPlan)?.uuid === 'string' && typeof (v as RunPlan).port === 'number').nullable(),
});
export type RunPlanAnswer = z.infer<typeof RunPlanAnswer>;

/** The script's process, so the main thread can make sure it never outlives rex. */
export const RunScript = z.object({ pid: z.number().nullable() });
export type RunScript = z.infer<typeof RunScript>;
