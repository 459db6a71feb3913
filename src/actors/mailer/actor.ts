/**
 * The mailer actor (SPEC §10): after each iteration's output file is written, mails it to the
 * `--email` address with a summary. Not critical: if it is given up on, the run goes on.
 *
 * Exactly once, across crashes: the main thread's MailOutbox (outbox.ts) remembers every ended
 * iteration and every mail's last status. A restarted mailer asks it (`mail.outbox`) for the
 * mails not yet sent or given up on, so an iteration that ended while the mailer was down, or a
 * mail cut off mid-send, is sent by the new thread; one that was sent is never sent again.
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { MailQueue } from './mail-queue.js';
import type { MailerData } from './messages.js';
import { MailBodyCache, sendNotification } from './send.js';
import { runThisThreadInBackground } from '../../runtime/thread-priority.js';

export const mailerActor: ActorDefinition<MailerData> = {
  name: 'mailer',
  async start({ bus, data, log, restartCount }) {
    runThisThreadInBackground();
    const bodies = new MailBodyCache();
    const queue = new MailQueue({
      send: (job) => sendNotification(data, job, bodies),
      status: (status) => bus.publish('mail.status', status),
      log,
      retryDelaysMs: data.retryDelaysMs,
      to: data.to,
    });
    // Subscribe first, then ask: an iteration ending in between is seen at least once (the queue dedupes).
    const subscription = bus.on('run.iteration').subscribe((event) => {
      if (event.phase === 'ended' && event.outputFile) {
        queue.add({ loop: event.loop, loops: event.loops, outputFile: event.outputFile });
      }
    });
    try {
      const { pending } = await bus.request('mail.outbox', {}, { timeoutMs: 5000 });
      if (restartCount > 0) log('info', `restarted (${restartCount}): ${pending.length} unsent mail(s) to resume`);
      for (const job of pending) queue.add(job);
    } catch (error) {
      log('warn', `could not ask for unsent mail: ${(error as Error).message}`);
    }
    return {
      async stop() {
        subscription.unsubscribe();
        queue.stop();
      },
    };
  },
};
