import type { ResourceLimits } from 'node:worker_threads';
import { distFile } from '../../runtime/dist-file.js';

/** Where an actor's worker thread starts: `dist/actors/<name>/worker.js`. */
export type ActorName =
  | 'ingest'
  | 'store'
  | 'file-writer'
  | 'controller'
  | 'mailer'
  | 'clickhouse-writer'
  | 'http-gateway'
  | 'fleet-station'
  | 'fleet-replicator';

export function actorWorker(name: ActorName): URL {
  return distFile(`actors/${name}/worker.js`);
}

/**
 * V8's limits for the actors whose defaults cost them. The file-writer keeps a heap of ~10 MB
 * while gigabytes of formatted text pass through it; with V8's default young generation (semi-spaces
 * of up to 16 MB) its isolate ran a full collection ~8 times a second through a 5 GB final write,
 * marked on V8's shared threads, on the cores the formatting needs (bench/RESULTS.md, session 25).
 */
const THREAD_LIMITS: Partial<Record<ActorName, ResourceLimits>> = {
  'file-writer': { maxYoungGenerationSizeMb: 6 },
};

/** What `new Worker` is given besides its data for the thread that runs `entry`. */
export function threadOptionsOf(entry: URL): { resourceLimits?: ResourceLimits } {
  for (const [name, resourceLimits] of Object.entries(THREAD_LIMITS)) {
    if (actorWorker(name as ActorName).href === entry.href) return { resourceLimits };
  }
  return {};
}
