/** Bus requests served by the store actor (listed in src/bus/topics.ts). */
import { z } from 'zod';
import { type JsonObject, QUERY_COMMANDS } from '../../protocol/messages.js';

export const StoreQuery = z.object({ command: z.enum(QUERY_COMMANDS) });
export type StoreQuery = z.infer<typeof StoreQuery>;

export const StoreQueryAnswer = z.object({
  /** The reply line's JSON, without the newline. */
  text: z.string(),
});
export type StoreQueryAnswer = z.infer<typeof StoreQueryAnswer>;

/** A JSON object (the session's meta); its values were checked when the line was parsed. */
const JsonObjectValue = z.custom<JsonObject>((value) => typeof value === 'object' && value !== null && !Array.isArray(value));

export const StoreSession = z.object({
  sessionSeen: z.boolean(),
  /** Always present, undefined until the session line has a meta. */
  meta: z.union([JsonObjectValue, z.undefined()]),
});
export type StoreSession = z.infer<typeof StoreSession>;
