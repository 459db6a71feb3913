/** What the shape validators return: a value, or a reason that names the field. */
import type { JsonObject } from '../messages.js';
import { describeJson, validateJsonObject } from '../json.js';

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };
/** A JSON object as parsed, before its shape is known. */
export type Message = Record<string, unknown>;

export function expected(what: string, input: unknown): string {
  if (input === undefined) return 'required field missing';
  return `expected ${what}, got ${describeJson(input)}`;
}

/** An optional JSON-object field: absent or null → undefined. */
export function optionalJsonObject(value: unknown, path: string): Validated<JsonObject | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  return validateJsonObject(value, path);
}

// ---------------------------------------------------------------------------------------------
