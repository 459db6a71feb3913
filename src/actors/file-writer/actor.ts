/**
 * The file-writer actor: follows the current iteration's journal into spill files, keeps the live
 * TOML file fresh, and writes the final file when the controller asks. Restarted, it rebuilds its
 * spill files from the journal.
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
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
    let writer: OutputWriter | null = null;
    let catchUpScheduled = false;
    const follow = (journalPath: string): OutputWriter => {
      if (writer?.journalPath !== journalPath) {
        writer = new OutputWriter(journalPath, {
          storeDir: data.storeDir,
          log,
          onFinalProgress: (file, bytes) => bus.publish('file.progress', { file, bytes }),
        });
      }
      return writer;
    };

    const current = await bus.request('run.current', {});
    if (current.journalPath) follow(current.journalPath);

    const liveTimer = setInterval(() => writer?.maybeWriteLive(), LIVE_CHECK_MS);
    const subscriptions = [
      bus.on('run.iteration').subscribe((event) => {
        if (event.phase === 'started') follow(event.journalPath);
      }),
      bus.on('journal.grew').subscribe(({ path }) => {
        if (writer?.journalPath !== path) return void follow(path);
        if (catchUpScheduled) return;
        catchUpScheduled = true;
        setImmediate(() => {
          catchUpScheduled = false;
          writer?.catchUp();
        });
      }),
      bus.serve('file.finalize', ({ journalPath }) => follow(journalPath).finalize()),
    ];

    return {
      async stop() {
        clearInterval(liveTimer);
        for (const s of subscriptions) s.unsubscribe();
      },
    };
  },
};
