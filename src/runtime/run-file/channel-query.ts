/**
 * The query of a past run's channel read (`GET /runs/:id/channel`, and a station's `run_channel`
 * over the fleet): query-string values checked and turned into numbers. Pure.
 */
import { z } from 'zod';
import { expected } from '../run-control/validation-message.js';

export const MAX_SERIES_POINTS = 20_000;
export const DEFAULT_SERIES_POINTS = 2000;
const POINTS_TEXT = `a whole number from 2 to ${MAX_SERIES_POINTS}`;
const ROW_TEXT = 'a row number, a whole number ≥ 0';
const INDEX_TEXT = 'an index, a whole number ≥ 0';

/** A whole number in a query string; anything else fails with `what`. */
export const wholeNumber = (what: string, min: number, max: number) =>
  z
    .string(expected(what))
    .regex(/^\d{1,9}$/, expected(what))
    .transform(Number)
    .pipe(z.number().min(min, expected(what)).max(max, expected(what)));

export const ChannelQuerySchema = z.object({
  device: z.string(expected('a device name')).min(1, expected('a device name')).describe('The device, as GET /runs/:id names it.'),
  channel: z.string(expected('a channel name')).min(1, expected('a channel name')).describe('The channel, as GET /runs/:id names it.'),
  points: wholeNumber(POINTS_TEXT, 2, MAX_SERIES_POINTS)
    .optional()
    .describe(
      `At most this many points, 2 to ${MAX_SERIES_POINTS} (default ${DEFAULT_SERIES_POINTS}): longer series keep the smallest and largest value of each of points/2 stretches.`,
    ),
  row: wholeNumber(ROW_TEXT, 0, Number.MAX_SAFE_INTEGER).optional().describe("A trace's row, from 0 (default the last). Only for a trace."),
  from: wholeNumber(INDEX_TEXT, 0, Number.MAX_SAFE_INTEGER)
    .optional()
    .describe("Only the points from this index on (default 0): of the channel's values (single), of the row (trace)."),
  to: wholeNumber(INDEX_TEXT, 0, Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('Only the points before this index (default, and past it: the end). Greater than `from`.'),
  x: z
    .string(expected('a channel name'))
    .min(1, expected('a channel name'))
    .optional()
    .describe(
      'An X/Y plot: another single channel of the device, paired value by value with this one (a single channel) from their newest ends; its values come as `paired`.',
    ),
});
export type ChannelQuery = z.infer<typeof ChannelQuerySchema>;
