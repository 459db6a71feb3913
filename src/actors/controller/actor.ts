/**
 * The controller actor: runs the plan (loops, script, validation, end-of-iteration order) by asking
 * the other actors over the bus, and reports the outcome with `run.finished`.
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { nowEpochNs } from '../../runtime/clock.js';
import { RunController } from './run-controller.js';
import type { RunOutcome } from './run-plan.js';
import { FileWriterWatch, finalizeThroughRestarts } from './finalize.js';

/** Waiting for the plan while the data actors start: on a busy machine that can take long. */
const PLAN_WAIT_MS = 3600_000;

export const controllerActor: ActorDefinition<undefined> = {
  name: 'controller',
  async start({ bus, log, restartCount, stillWorking }) {
    // The thread starts with the data actors (its modules load meanwhile); the plan, with the
    // port rex listens on, comes once they are ready. Waiting is not hanging: say so to the supervisor.
    const beat = setInterval(stillWorking, 500);
    const { plan } = await bus.request('run.plan', {}, { timeoutMs: PLAN_WAIT_MS }).finally(() => clearInterval(beat));
    if (plan === null) return { stop: async () => {} }; // rex ends without a run
    const fileWriter = new FileWriterWatch(bus);
    const finalizeFile = (journalPath: string) => finalizeThroughRestarts(bus, fileWriter, journalPath, log);
    if (restartCount > 0) {
      // The script was started by the thread that crashed; the main thread stops it. Finish cleanly.
      log('error', 'the controller restarted mid-run: ending the run and saving the data received');
      const current = await bus.request('run.current', {});
      const outcome: RunOutcome = {
        uuid: plan.uuid,
        dryRun: plan.dryRun,
        iterations: [],
        interrupted: true,
        error: 'the controller crashed mid-run',
      };
      if (current.journalPath) {
        await bus.request('ingest.end', { runEnd: { endTimeNs: nowEpochNs().toString(), reason: 'fatal', exitCode: null, signal: null } });
        const outputFile = plan.dryRun ? null : await finalizeFile(current.journalPath);
        outcome.iterations.push({
          loop: current.loop,
          reason: 'fatal',
          exitCode: null,
          signal: null,
          journalPath: current.journalPath,
          outputFile,
        });
      }
      bus.publish('run.finished', outcome);
      return { stop: async () => fileWriter.close() };
    }

    const controller = new RunController(plan, {
      beginIteration: async (journalPath, runStart) => void (await bus.request('ingest.begin', { journalPath, runStart })),
      endIteration: async (runEnd) => void (await bus.request('ingest.end', { runEnd })),
      settleLines: (maxWaitMs) =>
        bus.request('ingest.settle', { maxWaitMs }, { timeoutMs: maxWaitMs + 5_000 }).then(
          () => undefined,
          (error: Error) => log('warn', `could not wait for the script's last lines: ${error.message}`),
        ),
      finalizeFile,
      sessionState: () => bus.request('store.session', {}),
      // Asked once the store is up (the hub holds it until then); an answer, or none, will do.
      storeFollowing: () =>
        bus.request('store.status', { summaries: false }, { timeoutMs: 60_000 }).then(
          () => undefined,
          () => undefined,
        ),
      iterationChanged: (event) => bus.publish('run.iteration', event),
      scriptStarted: (pid) => bus.publish('run.script', { pid }),
      scriptOutput: (line) => bus.publish('log', { level: line.level, source: 'script', message: line.text, ts: Date.now() }),
      log,
      now: nowEpochNs,
    });
    const subscriptions = [
      bus.on('run.kill').subscribe(() => controller.kill()),
      bus.on('run.interrupt').subscribe(() => controller.interrupt()),
      bus.on('run.stop').subscribe(({ reason }) => controller.abort(reason)),
    ];
    void controller.run().then(
      (outcome) => bus.publish('run.finished', outcome),
      (error: Error) =>
        bus.publish('run.finished', { uuid: plan.uuid, dryRun: plan.dryRun, iterations: [], interrupted: false, error: error.message }),
    );
    return {
      async stop() {
        for (const s of subscriptions) s.unsubscribe();
        fileWriter.close();
      },
    };
  },
};
