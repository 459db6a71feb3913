// The fleet's registry read while stations put their records (a station puts at every change of
// its run and every heartbeat): each station is listed once, and none is missing. NATS KV's
// `keys()`, which the registry had used, reads with a consumer that also delivers the puts made
// while it reads and stops when it thinks it has read all: it listed a station twice (every run
// of this test) or left some out (under load; both seen in hub-leaf-stations.test.ts).
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATIONS_BUCKET, type StationRecord } from '../../src/protocol/fleet/stations.js';
import { listStations } from '../../src/runtime/fleet/registry.js';
import { NatsServer } from '../helpers/nats-server.js';

const NODES = Array.from({ length: 40 }, (_, i) => `lab-${String(i).padStart(2, '0')}`);

function record(node: string, beat: number): StationRecord {
  return {
    node,
    host: 'vm',
    version: '0.1.0',
    kind: 'run',
    scripts: [],
    scripts_dir: null,
    allowed_output_dirs: [],
    run: { id: null, phase: 'running', script: null, exit_code: null },
    heartbeat: new Date(beat).toISOString(),
  };
}

describe('the stations registry', () => {
  let hub: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    hub = await NatsServer.start();
    const user = hub.users[0]!;
    nc = await connect({ servers: hub.url, user: user.user, pass: user.password });
  });
  afterAll(async () => {
    await nc?.close();
    await hub?.dispose();
  });

  it('lists each station once while every station keeps putting its record', async () => {
    const kv = await new Kvm(nc).create(STATIONS_BUCKET, { history: 1 });
    for (const node of NODES) await kv.put(node, JSON.stringify(record(node, 0)));
    let putting = true;
    let puts = 0;
    const heartbeats = (async () => {
      for (let beat = 1; putting; beat++) {
        await Promise.all(NODES.map((node) => kv.put(node, JSON.stringify(record(node, beat)))));
        puts += NODES.length;
      }
    })();
    const listings: string[][] = [];
    try {
      while (listings.length < 30) listings.push((await listStations(kv)).map((station) => station.node));
    } finally {
      putting = false;
      await heartbeats;
    }
    expect(puts).toBeGreaterThan(NODES.length * 5); // the puts did overlap the listings
    for (const nodes of listings) expect(nodes).toEqual(NODES);
  });
});
