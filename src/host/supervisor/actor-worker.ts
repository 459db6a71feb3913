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
