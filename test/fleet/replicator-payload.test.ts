/**
 * A hub whose `max_payload` is smaller than a journal chunk (512 KiB) refuses every chunk for as
 * long as it is set so: the replicator says what to change, once, instead of an opaque error, and
 * the records wait in the journal. Real nats-server, real journal, the replicator itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JournalReplicator } from '../../src/actors/fleet-replicator/replicator.js';
import { connectFleet } from '../../src/runtime/fleet/connect.js';
import { TestJournal } from '../clickhouse/journal-builder.js';
import { NatsServer } from '../helpers/nats-server.js';

const SMALL_PAYLOAD = 256 * 1024;
let hub: NatsServer;
let dir: string;

beforeAll(async () => {
  hub = await NatsServer.start({ users: [{ user: 'rex', password: 'fleet-secret' }], maxPayload: SMALL_PAYLOAD });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-replicator-payload-'));
});

afterAll(async () => {
  await hub?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

it("names the hub's max_payload when it is smaller than a journal chunk, once", async () => {
  const journalPath = path.join(dir, 'loop-1.rexj');
  const journal = new TestJournal(journalPath, { uuid: '0b7f1d36-3c64-4f0e-9d43-2a1c1b3e7a10' });
  // One record of ~450 KB: one chunk (at most 512 KiB), over the hub's 256 KiB.
  journal.line({
    device_name: 'scope',
    device_config: {},
    measurements: { trace: { data: [Array.from({ length: 50_000 }, (_, i) => i + 0.5)], unit: 'V' } },
  });
  journal.end();
  const logs: string[] = [];
  const nc = connectFleet({ urls: [hub.url], user: 'rex', password: 'fleet-secret' }, { name: 'payload-test' });
  const replicator = new JournalReplicator({
    connection: nc,
    node: 'lab',
    journals: () => [journalPath],
    log: (level, message) => logs.push(`${level} ${message}`),
    retry: { initialMs: 20, maxMs: 50 },
  });
  const running = replicator.run();
  try {
    await expect.poll(() => logs.filter((l) => l.startsWith('warn')).length).toBeGreaterThan(0);
    // Several retries meanwhile, one warning.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const warnings = logs.filter((l) => l.startsWith('warn'));
    expect(warnings).toEqual([
      `warn replication to the hub: the hub's max_payload (${SMALL_PAYLOAD} bytes) is smaller than a journal chunk (524288 bytes and its headers): set max_payload to at least 1MB on the hub (docs/fleet.md); retrying (records wait in the journal)`,
    ]);
  } finally {
    replicator.stop();
    await running;
    await (await nc).close();
  }
});
