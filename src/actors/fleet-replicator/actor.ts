/**
 * The fleet-replicator actor (only with `[fleet]`): replicates the run's journals to the hub's
 * JetStream stream (replicator.ts). Not critical: whatever the hub does, the data run goes on,
 * and everything not yet acknowledged stays in the journal. Restarted, it resumes from the
 * progress files beside the journals.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { connectFleet } from '../../runtime/fleet/connect.js';
import { listJournals } from '../../runtime/journal/list-journals.js';
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { journalNews } from '../../runtime/worker/journal-tail.js';
import type { FleetReplicatorData } from './messages.js';
import { JournalReplicator } from './replicator.js';

export const fleetReplicatorActor: ActorDefinition<FleetReplicatorData> = {
  name: 'fleet-replicator',
  async start({ bus, data, log }) {
    // Not awaited: the hub may be down when the run starts; the run does not wait for it.
    const connection = connectFleet(data.fleet, { name: `rex-replicator@${data.node}`, waitOnFirstConnect: true });
    let nc: NatsConnection | undefined;
    connection.then(
      (c) => (nc = c),
      (error: unknown) => log('error', `cannot connect to the fleet: ${(error as Error).message}; the journal keeps every record`),
    );
    const replicator = new JournalReplicator({
      connection,
      node: data.node,
      domain: data.fleet.jetstream_domain,
      journals: () => listJournals(data.journalDir),
      log,
    });
    const subscriptions = [
      journalNews(bus).subscribe(() => replicator.wake()),
      bus.serve('fleet.replication', ({ runOver }) => {
        if (runOver) replicator.finalize();
        return replicator.status();
      }),
    ];
    // The journal may be growing already (this thread starts at the lowest priority, often during the
    // script's first burst) and the ingest tells of growth only once it pauses: hold back as for news.
    replicator.wake();
    // Hub failures are retried inside; a failure of the loop itself crashes this actor, and the supervisor restarts it.
    void replicator.run();
    return {
      async stop() {
        for (const s of subscriptions) s.unsubscribe();
        replicator.stop();
        await nc?.close().catch(() => {});
      },
    };
  },
};
