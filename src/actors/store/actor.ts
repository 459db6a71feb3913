/**
 * The store actor: follows the current iteration's journal into a LiveStore and answers the live
 * queries (GET_DATASTREAM, STATE) and the controller's session checks. Its state is only a recent
 * window, so a restart simply follows the journal again (the journal tail does the following).
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { JournalFollower } from '../../runtime/journal/follower.js';
import { JournalTail, type TailedJournal } from '../../runtime/worker/journal-tail.js';
import { LiveStore } from './live-store.js';
import { runThisThreadInBackground } from '../../runtime/thread-priority.js';

export interface StoreActorData {
  subsampling: boolean;
}

/** One journal read into a fresh LiveStore. */
interface StoreReader extends TailedJournal {
  readonly store: LiveStore;
}

export const storeActor: ActorDefinition<StoreActorData> = {
  name: 'store',
  async start({ bus, data, log }) {
    runThisThreadInBackground();
    const open = (journalPath: string): StoreReader => {
      const store = new LiveStore({ subsampling: data.subsampling });
      // Transient views of the read buffer: the windows copy what they keep.
      const follower = new JournalFollower(
        journalPath,
        {
          runStart: (r) => store.runStart(r),
          session: (m) => store.session(m),
          device: (m, merged) => store.device(m, merged),
          pause: (p) => store.pause(p),
          runEnd: (r) => store.runEnd(r),
          problem: (message) => log('warn', message),
        },
        { transient: true },
      );
      return { journalPath, store, catchUp: () => void follower.catchUp(), close: () => follower.close() };
    };
    const tail = await JournalTail.start(bus, open);
    // Before any journal: the answers of an empty store.
    const idle = new LiveStore({ subsampling: data.subsampling });
    const storeNow = (): LiveStore => tail.catchUp()?.store ?? idle;

    const subscriptions = [
      bus.serve('store.query', ({ command }) => {
        const store = storeNow();
        return { text: command === 'STATE' ? store.stateJson() : store.datastreamJson(command === 'GET_DATASTREAM_FULL') };
      }),
      bus.serve('store.session', () => {
        const store = storeNow();
        return { sessionSeen: store.sessionSeen, meta: store.meta };
      }),
    ];

    return {
      async stop() {
        for (const s of subscriptions) s.unsubscribe();
        tail.stop();
      },
    };
  },
};
