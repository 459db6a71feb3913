/** Bus payloads of the fleet-replicator actor (listed in src/bus/topics.ts). */
import { z } from 'zod';
import type { FleetConfig } from '../../protocol/config.js';

/** What the run host hands the actor when it starts it (workerData, not a bus payload). */
export interface FleetReplicatorData {
  /** The run's journal directory: its `loop-N.rexj` files are replicated in order. */
  journalDir: string;
  fleet: FleetConfig;
  /** The station's name (`[fleet] node` or the host's). */
  node: string;
}

/** `fleet.replication` request: `runOver` tells the replicator no journal will grow any more. */
export const ReplicationStatusRequest = z.object({ runOver: z.boolean() });
export type ReplicationStatusRequest = z.infer<typeof ReplicationStatusRequest>;

export const ReplicationStatus = z.object({
  runOver: z.boolean(),
  /** The run is over and every record of every journal is acknowledged by the hub. */
  caughtUp: z.boolean(),
  /** Journal bytes the hub acknowledged, of all journal bytes. */
  bytesAcked: z.number(),
  bytesTotal: z.number(),
  /** The current failure, while it lasts (the hub unreachable, ...). */
  lastError: z.string().nullable(),
});
export type ReplicationStatus = z.infer<typeof ReplicationStatus>;
