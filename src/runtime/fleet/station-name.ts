import os from 'node:os';
import { type FleetConfig, NODE_NAME } from '../../protocol/config.js';

/** The station's name: `[fleet] node`, or the host name made into a subject token. */
export function stationName(fleet: FleetConfig): string {
  if (fleet.node !== undefined) return fleet.node;
  const host =
    os
      .hostname()
      .split('.')[0]
      ?.replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 64) ?? '';
  return NODE_NAME.test(host) ? host : 'station';
}
