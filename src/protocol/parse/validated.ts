/** What the shape validators return: a value, or a reason that names the field. */
import type { z } from 'zod';
import type { JsonObject } from '../messages.js';
import { describeJson, fieldPath, validateJsonObject } from '../json.js';

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };
/** A JSON object as parsed, before its shape is known. */
export type Message = Record<string, unknown>;

export function expected(what: string, input: unknown): string {
  if (input === undefined) return 'required field missing';
  return `expected ${what}, got ${describeJson(input)}`;
}

/** Runs a schema; the first issue becomes `<field path>: <message>`. */
export function zodCheck<S extends z.ZodType>(schema: S, input: unknown, path: string): Validated<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const segments = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  return { ok: false, reason: `${fieldPath(path, segments) || '(message)'}: ${issue.message}` };
}

/** An optional JSON-object field: absent or null → undefined. */
export function optionalJsonObject(value: unknown, path: string): Validated<JsonObject | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  return validateJsonObject(value, path);
}

// ---------------------------------------------------------------------------------------------
