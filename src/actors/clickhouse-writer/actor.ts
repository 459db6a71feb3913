/**
 * The clickhouse-writer actor: follows the run's journals into ClickHouse (feeder.ts). Not
 * critical: whatever the database does, the data run goes on, and everything not yet stored stays
 * in the journal. Restarted, it resumes from the progress files beside the journals.
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { RexClickHouse } from './clickhouse-client.js';
import { ClickHouseFeeder, listJournals } from './feeder.js';
import type { ClickHouseWriterData } from './messages.js';
import { tableNames } from './schema.js';
import { runThisThreadInBackground } from '../../runtime/thread-priority.js';
import { journalNews } from '../../runtime/worker/journal-tail.js';

export const clickHouseWriterActor: ActorDefinition<ClickHouseWriterData> = {
  name: 'clickhouse-writer',
  async start({ bus, data, log }) {
    runThisThreadInBackground();
    const client = new RexClickHouse(data.config);
    const feeder = new ClickHouseFeeder({
      client,
      tables: tableNames(data.config),
      journals: () => listJournals(data.journalDir),
      log,
    });
    const subscriptions = [
      // Only the news: which journal to read and how far is the feeder's (its own pace).
      journalNews(bus).subscribe(() => feeder.wake()),
      bus.serve('clickhouse.status', ({ runOver }) => {
        if (runOver) feeder.finalize();
        return feeder.status();
      }),
    ];
    // Database failures are retried inside; a failure of the loop itself is an unhandled
    // rejection, i.e. a crash of this actor, and the supervisor restarts it.
    void feeder.run();
    return {
      async stop() {
        for (const s of subscriptions) s.unsubscribe();
        feeder.stop();
        await client.close().catch(() => {});
      },
    };
  },
};
