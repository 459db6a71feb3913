/**
 * A connection to the fleet's NATS servers from the `[fleet]` section (docs/fleet.md): its
 * credentials (user and password, a token, an nkey seed file or a creds file) and TLS CA.
 * Any thread may open one; each actor or command that talks to the fleet opens its own.
 */
import fs from 'node:fs';
import { type ConnectionOptions, connect, credsAuthenticator, type NatsConnection, nkeyAuthenticator } from '@nats-io/transport-node';
import type { FleetConfig } from '../../protocol/config.js';

export interface FleetConnectOptions {
  /** What the servers show as the client's name (`rex-<role>@<node>`). */
  name: string;
  /** Keep trying to reach a server that is not up yet, instead of failing at once (stations). */
  waitOnFirstConnect?: boolean;
  /** Give up on the first connection after this long (default 5 s). */
  timeoutMs?: number;
}

// In a module of its own: a plain `rex run` names its station without loading the NATS client.
export { stationName } from './station-name.js';

/** The connection options `[fleet]` describes; credential files are read here (they may be refused). */
export function fleetConnectionOptions(fleet: FleetConfig, options: FleetConnectOptions): ConnectionOptions {
  const auth: Partial<ConnectionOptions> = {};
  if (fleet.user !== undefined) Object.assign(auth, { user: fleet.user, pass: fleet.password ?? '' });
  else if (fleet.token !== undefined) auth.token = fleet.token;
  else if (fleet.nkey_file !== undefined) auth.authenticator = nkeyAuthenticator(readSecret(fleet.nkey_file, 'fleet.nkey_file'));
  else if (fleet.creds_file !== undefined) auth.authenticator = credsAuthenticator(readSecret(fleet.creds_file, 'fleet.creds_file'));
  return {
    servers: fleet.urls,
    name: options.name,
    ...auth,
    ...(fleet.tls_ca_file !== undefined && { tls: { caFile: fleet.tls_ca_file } }),
    timeout: options.timeoutMs ?? 5_000,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    // A station outlives any outage of the hub: it reconnects for ever, a second apart.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
  };
}

export function connectFleet(fleet: FleetConfig, options: FleetConnectOptions): Promise<NatsConnection> {
  return connect(fleetConnectionOptions(fleet, options));
}

/** A seed or creds file's bytes, trimmed: an error names the config key and the file. */
function readSecret(file: string, key: string): Uint8Array {
  try {
    return new TextEncoder().encode(fs.readFileSync(file, 'utf8').trim());
  } catch (error) {
    throw new Error(`${key}: cannot read ${file}: ${(error as Error).message}`);
  }
}
