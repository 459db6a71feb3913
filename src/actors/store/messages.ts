/** Bus requests served by the store actor (listed in src/bus/topics.ts). */
import { z } from 'zod';
import { type JsonObject, QUERY_COMMANDS } from '../../protocol/messages.js';

/** The store's start data (from the run host). */
export interface StoreActorData {
  subsampling: boolean;
  /** `-v 3`: log a summary of each accepted line; `-v 4`: its raw text too. */
  lineLog?: 'summary' | 'raw';
}

export const StoreQuery = z.object({
  command: z.enum(QUERY_COMMANDS),
  /** A ranged GET_DATASTREAM_FULL (protocol/trace-range.ts): checked when its line was parsed. */
  range: z
    .object({ device: z.string(), channel: z.string(), from: z.number().int().optional(), to: z.number().int().optional() })
    .optional(),
});
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

/** One channel of an iteration: its unit, shape and how many values (single) or rows (multi) it holds. */
export const ChannelSummary = z.object({
  name: z.string(),
  unit: z.string(),
  shape: z.enum(['undecided', 'single', 'multi']),
  count: z.number(),
});
export type ChannelSummary = z.infer<typeof ChannelSummary>;

/** What one iteration received: its devices and channels, and its results with pass or fail. */
export const IterationSummary = z.object({
  /** 0-based loop index, and the run's loop count. */
  loop: z.number(),
  loops: z.number(),
  /** Accepted lines: session, device and result messages. */
  messages: z.number(),
  /**
   * Each device's first channels (as many as the end of `rex run` lists) and how many it has: a
   * device of 100,000 channels is not sent whole across threads at the end of the run.
   */
  devices: z.array(z.object({ name: z.string(), channels: z.array(ChannelSummary), channelCount: z.number().optional() })),
  results: z.array(z.object({ name: z.string(), pass: z.boolean() })),
});
export type IterationSummary = z.infer<typeof IterationSummary>;

/** `store.status`: `summaries` asks for the ended iterations too (at the end of the run). */
export const StoreStatusRequest = z.object({ summaries: z.boolean() });
export type StoreStatusRequest = z.infer<typeof StoreStatusRequest>;

/**
 * Answer to `store.status`: the iteration in progress in totals (cheap to build, polled for the
 * status line), and the summaries of the iterations the store saw end.
 */
export const StoreStatus = z.object({
  current: z
    .object({
      loop: z.number(),
      loops: z.number(),
      paused: z.boolean(),
      ended: z.boolean(),
      messages: z.number(),
      /** Values (single channels) and rows (multi channels) stored, over all channels. */
      values: z.number(),
      devices: z.number(),
    })
    .nullable(),
  /** Empty unless asked for. */
  ended: z.array(IterationSummary),
});
export type StoreStatus = z.infer<typeof StoreStatus>;
