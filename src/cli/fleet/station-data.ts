/**
 * What `rex serve` and `rex run` hand the fleet-station actor when `[fleet]` is set. Loaded only
 * then (it brings in the NATS client), so a run without `[fleet]` loads no `@nats-io` module.
 */
import os from 'node:os';
import type { FleetStationData } from '../../actors/fleet-station/index.js';
import type { FleetConfig } from '../../protocol/config.js';
import { DEFAULT_STATION_TTL_MS } from '../../protocol/fleet/stations.js';
import { stationName } from '../../runtime/fleet/connect.js';
import { rexVersion } from '../version.js';

/** `REX_FLEET_TTL_MS`: the registry's TTL (for tests: a dead station drops out sooner); default 15 s. */
export function stationTtlMs(): number {
  const value = Number(process.env.REX_FLEET_TTL_MS);
  return Number.isInteger(value) && value >= 300 ? value : DEFAULT_STATION_TTL_MS;
}

export function stationData(
  fleet: FleetConfig,
  kind: 'serve' | 'run',
  where: { scriptsDir: string | null; allowedOutputDirs: string[]; cwd: string },
): FleetStationData {
  return { fleet, node: stationName(fleet), host: os.hostname(), version: rexVersion(), kind, ...where, ttlMs: stationTtlMs() };
}
