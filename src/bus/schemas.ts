/**
 * Optional runtime schemas for topic payloads. The hub checks them only when validation is on
 * (REX_BUS_VALIDATE=1, which tests set): inside the process the types already hold, and zod on
 * every message would cost more than it catches. Topics without a schema pass unchecked.
 */
import { z } from 'zod';
import { ACTOR_STATES, FAULT_MODES, LOG_LEVELS } from './payloads.js';
import type { Topic, Topics } from './topics.js';

export const topicSchemas: { [T in Topic]?: z.ZodType<Topics[T]> } = {
  'actor.status': z.object({
    actor: z.string(),
    status: z.enum(ACTOR_STATES),
    restarts: z.number().int().nonnegative(),
    threadId: z.number().int().optional(),
  }),
  'actor.fault': z.object({
    actor: z.string(),
    code: z.string(),
    message: z.string(),
    stack: z.string().optional(),
    fatal: z.boolean(),
  }),
  'log': z.object({ level: z.enum(LOG_LEVELS), source: z.string(), message: z.string(), ts: z.number() }),
  'run.stop': z.object({ reason: z.string() }),
  'fault.inject': z.object({ actor: z.string(), mode: z.enum(FAULT_MODES), exitCode: z.number().int().optional() }),
  'test.ping': z.object({ n: z.number(), from: z.string() }),
  'test.trace': z.object({ data: z.instanceof(Float64Array), from: z.string() }),
};

/** Undefined when `payload` fits `topic`'s schema (or it has none), else a short reason. */
export function payloadProblem(topic: Topic, payload: unknown): string | undefined {
  const schema = topicSchemas[topic];
  if (schema === undefined) return undefined;
  const result = schema.safeParse(payload);
  if (result.success) return undefined;
  return result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
    .join('; ');
}
