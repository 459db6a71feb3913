/**
 * The store actor: follows the current iteration's journal into a LiveStore and answers the live
 * queries (GET_DATASTREAM, STATE), the controller's session checks and the run host's status
 * (`store.status`). Its state is only a recent window (and a small summary of each iteration that
 * ended), so a restart simply follows the journal again (the journal tail does the following).
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { JournalFollower, type RunEventHandler } from '../../runtime/journal/follower.js';
import { JournalTail, type TailedJournal } from '../../runtime/worker/journal-tail.js';
import type { LogLevel } from '../../bus/payloads.js';
import { LiveStore } from './live-store.js';
import { deviceLineSummary, rawLine, resultLineSummary, sessionLineSummary } from './line-log.js';
import type { IterationSummary, StoreActorData } from './messages.js';
import { runThisThreadInBackground } from '../../runtime/thread-priority.js';

/** Summaries of ended iterations kept for the end of the run (the most recent ones). */
const KEPT_SUMMARIES = 100;

/** One journal read into a fresh LiveStore. */
interface StoreReader extends TailedJournal {
  readonly store: LiveStore;
}

export const storeActor: ActorDefinition<StoreActorData> = {
  name: 'store',
  async start({ bus, data, log }) {
    runThisThreadInBackground();
    const ended: IterationSummary[] = [];
    let stopping = false;
    const open = (journalPath: string): StoreReader => {
      const store = new LiveStore({ subsampling: data.subsampling });
      // Transient views of the read buffer: the windows copy what they keep.
      const follower = new JournalFollower(journalPath, handlerOf(store, data.lineLog, log), { transient: true });
      const keepSummary = (): void => {
        const summary = store.summary();
        if (!summary) return;
        ended.push(summary);
        if (ended.length > KEPT_SUMMARIES) ended.shift();
      };
      let closed = false;
      return {
        journalPath,
        store,
        catchUp: () => void follower.catchUp(),
        catchUpTo: (end) => void follower.catchUpTo(end),
        close: () => {
          if (closed) return;
          closed = true;
          // The next iteration began: this one's journal is complete, read its end for the summary.
          if (!stopping && !follower.hasEnded) follower.catchUp();
          if (follower.hasEnded) keepSummary();
          follower.close();
        },
      };
    };
    const tail = await JournalTail.start(bus, open);
    // Before any journal: the answers of an empty store.
    const idle = new LiveStore({ subsampling: data.subsampling });
    const storeNow = (): LiveStore => tail.catchUp()?.store ?? idle;

    const subscriptions = [
      bus.serve('store.query', ({ command, range }) => {
        const store = storeNow();
        if (range) return { text: store.traceRangeJson(range) };
        return { text: command === 'STATE' ? store.stateJson() : store.datastreamJson(command === 'GET_DATASTREAM_FULL') };
      }),
      bus.serve('store.session', () => {
        const store = storeNow();
        return { sessionSeen: store.sessionSeen, meta: store.meta };
      }),
      bus.serve('store.status', ({ summaries }) => {
        const store = storeNow();
        const current = store.status();
        if (!summaries) return { current, ended: [] };
        // The iteration read now, once it has ended, is summed up with the others.
        const last = current?.ended ? store.summary() : null;
        return { current, ended: last ? [...ended, last] : [...ended] };
      }),
    ];

    return {
      async stop() {
        stopping = true;
        for (const s of subscriptions) s.unsubscribe();
        tail.stop();
      },
    };
  },
};

/** The follower's handler: the store, and the lines of `-v 3` / `-v 4` when asked for. */
function handlerOf(store: LiveStore, lineLog: StoreActorData['lineLog'], log: (level: LogLevel, message: string) => void): RunEventHandler {
  const handler: RunEventHandler = {
    runStart: (r) => store.runStart(r),
    session: (m) => store.session(m),
    device: (m, merged) => store.device(m, merged),
    result: (m) => store.result(m),
    pause: (p) => store.pause(p),
    runEnd: (r) => store.runEnd(r),
    problem: (message) => log('warn', message),
  };
  if (!lineLog) return handler;
  return {
    ...handler,
    ...(lineLog === 'raw' ? { line: (body: Buffer) => log('trace', rawLine(body)) } : {}),
    session: (m) => {
      store.session(m);
      log('debug', sessionLineSummary(m));
    },
    device: (m, merged) => {
      store.device(m, merged);
      log('debug', deviceLineSummary(merged));
    },
    result: (m) => {
      store.result(m);
      log('debug', resultLineSummary(m));
    },
  };
}
