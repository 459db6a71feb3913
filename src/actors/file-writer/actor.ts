/**
 * The file-writer actor: follows the current iteration's journal into spill files (the journal
 * tail does the following), keeps the live TOML file fresh, and writes the final file when the
 * controller asks. Restarted, it rebuilds its spill files from the journal.
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { JournalTail } from '../../runtime/worker/journal-tail.js';
import { OutputWriter } from './output-writer.js';
import { runThisThreadInBackground } from '../../runtime/thread-priority.js';

export interface FileWriterData {
  storeDir: string;
}

const LIVE_CHECK_MS = 500;

export const fileWriterActor: ActorDefinition<FileWriterData> = {
  name: 'file-writer',
  async start({ bus, data, log }) {
    runThisThreadInBackground();
    const tail = await JournalTail.start(
      bus,
      (journalPath) =>
        new OutputWriter(journalPath, {
          storeDir: data.storeDir,
          log,
          onFinalProgress: (file, bytes) => bus.publish('file.progress', { file, bytes }),
        }),
    );

    const liveTimer = setInterval(() => tail.current?.maybeWriteLive(), LIVE_CHECK_MS);
    const subscriptions = [bus.serve('file.finalize', ({ journalPath }) => tail.follow(journalPath).finalize())];

    return {
      async stop() {
        clearInterval(liveTimer);
        for (const s of subscriptions) s.unsubscribe();
        tail.stop();
      },
    };
  },
};
