/**
 * The fleet-station actor (docs/fleet.md) has no bus payloads of its own: it reads the run's state
 * (`serve.state`, `serve.run`) and starts runs (`serve.launch`) with the http-gateway's messages.
 */
import type { FleetConfig } from '../../protocol/config.js';

/** What `rex serve` or `rex run` hands the actor when it starts it (workerData). */
export interface FleetStationData {
  fleet: FleetConfig;
  /** The station's name (`[fleet] node` or the host name). */
  node: string;
  host: string;
  version: string;
  /** `serve`: runs may be started here; `run`: a lone `rex run`, which refuses `run`. */
  kind: 'serve' | 'run';
  /** `serve` only: where runs may come from and go to, as for `POST /run`. */
  scriptsDir: string | null;
  allowedOutputDirs: string[];
  cwd: string;
  /** The registry's TTL (the bucket's max age); a put every third of it. */
  ttlMs: number;
}
