/**
 * Runtime checks of payloads against the topic table (topics.ts). The hub runs them only when
 * validation is on (REX_BUS_VALIDATE=1, which tests set): inside the process the types already
 * hold, and zod on every message would cost more than it catches. The table itself is loaded
 * only then: building its schemas cost the main thread ~30 ms of every start.
 */
import type { z } from 'zod';
import type { RequestSchemas, TopicSchemas } from './topics.js';

/** The tables a hub validates against: rex's own, or a test's wider ones. */
export interface BusSchemas {
  readonly topics: TopicSchemas;
  readonly requests: RequestSchemas;
}

/** rex's own table. */
export async function loadBusSchemas(): Promise<BusSchemas> {
  const { topics, requests } = await import('./topics.js');
  return { topics, requests };
}

/** `table[name]` if the table has that name (a topic named `constructor` is not in it). */
export function entry<V>(table: Readonly<Record<string, V>>, name: string): V | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** Undefined when `payload` fits `schema`, else a short reason (no schema: the name is unknown). */
export function schemaProblem(schema: z.ZodType | undefined, payload: unknown): string | undefined {
  if (schema === undefined) return 'no schema: not in the topic table';
  const result = schema.safeParse(payload);
  if (result.success) return undefined;
  return result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
    .join('; ');
}
