/** Bus payloads of the clickhouse-writer actor (listed in src/bus/topics.ts). */
import type { ClickHouseConfig } from '../../protocol/config.js';

/** What the run host hands the actor when it starts it. */
export interface ClickHouseWriterData {
  /** The run's journal directory: its `loop-N.rexj` files are stored in order. */
  journalDir: string;
  config: ClickHouseConfig;
}

/** `clickhouse.status` request: `runOver` tells the writer no journal will grow any more. */
export interface ClickHouseStatusRequest {
  runOver: boolean;
}

export interface ClickHouseStatus {
  runOver: boolean;
  /** The run is over and every row of every journal is stored. */
  caughtUp: boolean;
  journals: number;
  journalsDone: number;
  /** Measurement rows stored so far. */
  measurementRows: number;
  /** Journal bytes whose rows are stored, of all journal bytes (a progress measure). */
  bytesDone: number;
  bytesTotal: number;
  /** The current failure, while it lasts. */
  lastError: string | null;
  /** Since when (ms since the epoch) the writer has been failing; null while it is not. */
  failingSince: number | null;
}
