/** Bus payloads of the clickhouse-writer actor (listed in src/bus/topics.ts). */
import { z } from 'zod';
import type { ClickHouseConfig } from '../../protocol/config.js';

/** What the run host hands the actor when it starts it (workerData, not a bus payload). */
export interface ClickHouseWriterData {
  /** The run's journal directory: its `loop-N.rexj` files are stored in order. */
  journalDir: string;
  config: ClickHouseConfig;
}

/** `clickhouse.status` request: `runOver` tells the writer no journal will grow any more. */
export const ClickHouseStatusRequest = z.object({ runOver: z.boolean() });
export type ClickHouseStatusRequest = z.infer<typeof ClickHouseStatusRequest>;

export const ClickHouseStatus = z.object({
  runOver: z.boolean(),
  /** The run is over and every row of every journal is stored. */
  caughtUp: z.boolean(),
  journals: z.number(),
  journalsDone: z.number(),
  /** Measurement rows stored so far. */
  measurementRows: z.number(),
  /** Journal bytes whose rows are stored, of all journal bytes (a progress measure). */
  bytesDone: z.number(),
  bytesTotal: z.number(),
  /** The current failure, while it lasts. */
  lastError: z.string().nullable(),
  /** Since when (ms since the epoch) the writer has been failing; null while it is not. */
  failingSince: z.number().nullable(),
  /**
   * The current failure is one of the server's setup (tables or columns missing, no such database,
   * credentials refused), and an attempt made after the run ended met it: waiting longer is pointless.
   */
  needsUser: z.boolean(),
});
export type ClickHouseStatus = z.infer<typeof ClickHouseStatus>;
