/**
 * `rex serve --fleet`'s link to the hub (./fleet-routes.ts uses it): one NATS connection, made in
 * this worker and kept for ever (reconnecting a second apart), the registry read and the control
 * requests sent as `rex fleet` does (src/runtime/fleet/registry.ts). Loaded only under `--fleet`,
 * so a plain server loads no `@nats-io` module.
 */
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FleetConfig } from '../../protocol/config.js';
import { STATIONS_BUCKET } from '../../protocol/fleet/stations.js';
import { connectFleet, stationName } from '../../runtime/fleet/connect.js';
import { hubKvm } from '../../runtime/fleet/jetstream.js';
import { askStation, describeError, findStation, listStations } from '../../runtime/fleet/registry.js';
import { downloadFromStation } from '../../runtime/fleet/station-download.js';
import type { FleetLink } from './fleet-routes.js';

/** A request waits this long for the hub to be reached before it is answered 502. */
const HUB_WAIT_MS = 5_000;

interface Hub {
  nc: NatsConnection;
  kv: KV;
}

export function openFleetLink(fleet: FleetConfig, log: (level: 'info' | 'warn', message: string) => void): FleetLink {
  const where = fleet.urls.join(', ');
  let linking: Promise<Hub> | null = null;
  let closed = false;
  /** Between a disconnect and its reconnect: a request is answered at once, not after a timeout. */
  let down = false;
  const link = (): Promise<Hub> => {
    linking ??= (async () => {
      const nc = await connectFleet(fleet, { name: `rex-serve-fleet@${stationName(fleet)}`, waitOnFirstConnect: true });
      log('info', `fleet: linked to the hub (${where})`);
      void (async () => {
        for await (const status of nc.status()) {
          if (status.type === 'disconnect') {
            down = true;
            log('warn', `fleet: lost the hub (${status.server}); reconnecting`);
          } else if (status.type === 'reconnect') {
            down = false;
            log('info', `fleet: linked to the hub again (${status.server})`);
          }
        }
      })();
      return { nc, kv: await hubKvm(nc, fleet.jetstream_domain).open(STATIONS_BUCKET) };
    })();
    // Refused (credentials, a bad file): the next request tries again, and says why.
    linking.catch((error: unknown) => {
      log('warn', `fleet: cannot reach the hub (${where}): ${describeError(error)}`);
      linking = null;
    });
    return linking;
  };
  const hub = (): Promise<Hub> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`cannot reach the hub (${where}) within ${HUB_WAIT_MS / 1000} s`)), HUB_WAIT_MS);
    });
    return Promise.race([link(), late])
      .then((linked) => {
        if (down) throw new Error(`the link to the hub (${where}) is down; reconnecting`);
        return linked;
      })
      .finally(() => clearTimeout(timer));
  };
  link();
  return {
    stations: async () => listStations((await hub()).kv),
    station: async (node) => findStation((await hub()).kv, node),
    ask: async (node, op, body, timeoutMs) => askStation((await hub()).nc, node, op, body, timeoutMs),
    download: async (node, id, timeoutMs) => downloadFromStation((await hub()).nc, node, id, timeoutMs),
    async close() {
      if (closed) return;
      closed = true;
      const current = linking;
      linking = null;
      // A hub never reached keeps its connection trying: the worker's end ends it.
      if (current)
        await Promise.race([
          current.then(({ nc }) => nc.close()).catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 1_000)),
        ]);
    },
  };
}
