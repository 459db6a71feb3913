/**
 * Worker threads started before the supervisor asks for them. A worker costs ~100 ms of CPU
 * before any code of ours runs, and `rex run` starts the same actors every time: those started as
 * the process starts (src/cli/prestart.ts) boot and load their actor's code on the second
 * core while the main thread is still loading the CLI. The supervisor then adopts one (an
 * ActorThread) and sends it in an INIT message what `workerData` would have held: the bus port
 * and the liveness beacon exist only once the supervisor does.
 *
 * Until it is adopted a thread holds the process open for nothing (`unref`): a command line that
 * ends before its run starts (a usage error, `--help`) exits as it would without it.
 */
import { Worker } from 'node:worker_threads';
import { PRESTARTED, type PrestartedWorkerData } from '../../runtime/control-protocol.js';
import { threadOptionsOf } from './actor-worker.js';

interface Prestarted {
  worker: Worker;
  /** It failed to load or ended: never adopted (a fresh start reports why, as always). */
  broken: boolean;
  /** Its 'error' and 'exit' listener until it is adopted. */
  markBroken(): void;
}

const waiting = new Map<string, Prestarted>();

/** Starts one thread on each entry not already waiting; each waits for its INIT. Their thread ids. */
export function prestartThreads(entries: URL[]): number[] {
  const started: number[] = [];
  for (const entry of entries) {
    if (waiting.has(entry.href)) continue;
    const workerData: PrestartedWorkerData = { protocol: PRESTARTED };
    let worker: Worker;
    try {
      // No execArgv: the thread inherits the process's flags (source maps from NODE_OPTIONS too).
      // Given explicitly, a V8 flag among them (`node --max-old-space-size=… rex`) fails every start.
      worker = new Worker(entry, { workerData, ...threadOptionsOf(entry) });
    } catch {
      continue; // the supervisor's own start of this entry reports the problem
    }
    worker.unref();
    const slot: Prestarted = {
      worker,
      broken: false,
      markBroken: () => {
        slot.broken = true;
      },
    };
    worker.on('error', slot.markBroken);
    worker.on('exit', slot.markBroken);
    waiting.set(entry.href, slot);
    started.push(worker.threadId);
  }
  return started;
}

/**
 * The thread prestarted on `entry`, if there is one still fit to run: the caller owns it from
 * now on (it is referenced again, and must be sent its INIT). Each is adopted once.
 */
export function adoptPrestarted(entry: URL): Worker | undefined {
  const slot = waiting.get(entry.href);
  if (slot === undefined) return undefined;
  waiting.delete(entry.href);
  slot.worker.off('error', slot.markBroken);
  slot.worker.off('exit', slot.markBroken);
  if (slot.broken) return undefined;
  slot.worker.ref();
  return slot.worker;
}
