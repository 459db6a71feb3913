/**
 * The store actor: follows the current iteration's journal into a LiveStore and answers the live
 * queries (GET_DATASTREAM, STATE) and the controller's session checks. Its state is only a recent
 * window, so a restart simply follows the journal again.
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { JournalFollower } from '../../runtime/journal/follower.js';
import { LiveStore } from './live-store.js';
import { runThisThreadInBackground } from '../../runtime/thread-priority.js';

export interface StoreActorData {
  subsampling: boolean;
}

export const storeActor: ActorDefinition<StoreActorData> = {
  name: 'store',
  async start({ bus, data, log }) {
    runThisThreadInBackground();
    let store = new LiveStore({ subsampling: data.subsampling });
    let follower: JournalFollower | null = null;
    let catchUpScheduled = false;

    const follow = (journalPath: string): void => {
      if (follower?.path === journalPath) return;
      follower?.close();
      store = new LiveStore({ subsampling: data.subsampling });
      follower = new JournalFollower(journalPath, {
        runStart: (r) => store.runStart(r),
        session: (m) => store.session(m),
        device: (m, merged) => store.device(m, merged),
        pause: (p) => store.pause(p),
        runEnd: (r) => store.runEnd(r),
        problem: (message) => log('warn', message),
      }, { transient: true }); // the windows copy what they keep
      follower.catchUp();
    };
    const catchUp = (): void => {
      catchUpScheduled = false;
      follower?.catchUp();
    };

    const current = await bus.request('run.current', {});
    if (current.journalPath) follow(current.journalPath);

    const subscriptions = [
      bus.on('run.iteration').subscribe((event) => {
        if (event.phase === 'started') follow(event.journalPath);
      }),
      bus.on('journal.grew').subscribe(({ path }) => {
        if (follower?.path !== path) return follow(path);
        if (!catchUpScheduled) {
          catchUpScheduled = true;
          setImmediate(catchUp);
        }
      }),
      bus.serve('store.query', ({ command }) => {
        follower?.catchUp();
        return { text: command === 'STATE' ? store.stateJson() : store.datastreamJson() };
      }),
      bus.serve('store.session', () => {
        follower?.catchUp();
        return { sessionSeen: store.sessionSeen, meta: store.meta };
      }),
    ];

    return {
      async stop() {
        for (const s of subscriptions) s.unsubscribe();
        follower?.close();
      },
    };
  },
};
