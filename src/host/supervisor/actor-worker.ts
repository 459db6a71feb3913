/** Where an actor's worker thread starts: `dist/actors/<name>/worker.js`, beside this build. */
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
  return new URL(`../../actors/${name}/worker.js`, import.meta.url);
}
